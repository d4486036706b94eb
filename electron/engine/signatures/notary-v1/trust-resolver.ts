import type { z } from 'zod';
import type { Digest } from '../../../../shared/digest.js';
import { RoleNotFoundError, type FetchRole, type RoleName } from './fetch-role.js';
import { parsePinnedRootKey, type PinnedRootKey } from './pinned-root-key.js';
import { keysOfRole, validSigners } from './tuf-keys.js';
import {
  checkFileMeta,
  entry,
  parseSignedMetadata,
  snapshotSchema,
  targetsSchema,
  timestampSchema,
  TrustDataError,
  type FileMeta,
  type TufKey,
} from './tuf-metadata.js';
import { verifyRoot } from './verify-root.js';

/** The delegation Docker signs into (`docker trust signer add` creates it) and reads first. */
export const RELEASES_ROLE = 'targets/releases';

export type TagRole = typeof RELEASES_ROLE | 'targets';

export interface ResolveSignedTagInput {
  /** The repository's Globally Unique Name, e.g. `docker.io/library/alpine` or `127.0.0.1:5000/team/app`. */
  gun: string;
  tag: string;
  /** As the user configured it: root key ID, root certificate (PEM) or root public key (PEM). */
  rootKey: string;
  fetchRole: FetchRole;
  now: Date;
}

export type SignedTagResolution =
  { ok: true; digest: Digest; length: number; signedBy: TagRole[] } | { ok: false; reason: string };

// Notary's client limits for files no signed file gives a length for yet, and overall.
const MAX_ROOT_BYTES = 1 << 20;
const MAX_TIMESTAMP_BYTES = 1 << 20;
const MAX_FILE_BYTES = 100 << 20;

/**
 * Resolves a tag to the manifest digest its publisher signed with Docker Content Trust, checking
 * Notary's TUF metadata from a pinned root: root, timestamp, snapshot, targets and the
 * `targets/releases` delegation, each for signatures, thresholds, lengths, hashes and expiry.
 * Like `docker pull`, a tag in targets/releases wins over one in targets.
 */
export async function resolveSignedTag(input: ResolveSignedTagInput): Promise<SignedTagResolution> {
  const pin = parsePinnedRootKey(input.rootKey);
  if (!pin.ok)
    return { ok: false, reason: `the pinned root key for ${input.gun} is unusable: ${pin.reason}` };
  try {
    return await resolve(input, (role, limit) => fetchFile(input, role, limit), pin.key);
  } catch (error) {
    if (error instanceof TrustDataError) return { ok: false, reason: error.message };
    throw error;
  }
}

async function resolve(
  { gun, tag, now }: ResolveSignedTagInput,
  fetch: (role: RoleName, limit: Limit) => Promise<Uint8Array>,
  pin: PinnedRootKey,
): Promise<SignedTagResolution> {
  const rootBytes = await fetch('root', { maxBytes: MAX_ROOT_BYTES });
  const root = verifyRoot(rootBytes, gun, pin, now);
  const rootRole = (role: 'timestamp' | 'snapshot' | 'targets') => ({
    keys: keysOfRole('root.json', role, root.keys, root.roles[role]),
    threshold: root.roles[role].threshold,
  });
  const load = <T extends { expires: Date }>(
    role: RoleName,
    bytes: Uint8Array,
    schema: z.ZodType<T>,
    signers: Signers,
  ): T => {
    const file = `${role}.json`;
    const metadata = parseSignedMetadata(file, bytes, schema);
    const valid = validSigners(metadata, signers.keys).size;
    if (valid < signers.threshold)
      throw new TrustDataError(
        `${file} of ${gun} has ${valid} valid signature(s) by its role's keys but needs ${signers.threshold}: it was altered or signed with a key the repository does not trust`,
      );
    if (metadata.signed.expires < now)
      throw new TrustDataError(
        `${file} of ${gun} expired on ${metadata.signed.expires.toISOString()}: the trust data is stale and must be re-signed (the trust server renews timestamp.json; the publisher re-signs the others)`,
      );
    return metadata.signed;
  };

  const timestamp = load(
    'timestamp',
    await fetch('timestamp', { maxBytes: MAX_TIMESTAMP_BYTES }),
    timestampSchema,
    rootRole('timestamp'),
  );
  const snapshotBytes = await fetch('snapshot', {
    meta: timestamp.meta.snapshot,
    listedIn: 'timestamp.json',
  });
  const snapshot = load('snapshot', snapshotBytes, snapshotSchema, rootRole('snapshot'));
  const rootMeta = entry(snapshot.meta, 'root');
  if (rootMeta) checkFileMeta('root.json', rootBytes, rootMeta, 'snapshot.json');

  const listed = (role: RoleName): FileMeta | undefined => entry(snapshot.meta, role);
  const targetsMeta = listed('targets');
  if (!targetsMeta) throw new TrustDataError(`snapshot.json of ${gun} does not list targets.json`);
  const targets = load(
    'targets',
    await fetch('targets', { meta: targetsMeta, listedIn: 'snapshot.json' }),
    targetsSchema,
    rootRole('targets'),
  );

  const signing: { role: TagRole; targets: Record<string, FileMeta> }[] = [];
  const releases = targets.delegations.roles.find((role) => role.name === RELEASES_ROLE);
  const releasesMeta = listed(RELEASES_ROLE);
  // An unpublished delegation has no metadata yet; a path outside its `paths` is not its to sign.
  if (releases && releasesMeta && releases.paths.some((prefix) => tag.startsWith(prefix))) {
    const keys = keysOfRole('targets.json', RELEASES_ROLE, targets.delegations.keys, releases);
    const bytes = await fetch(RELEASES_ROLE, { meta: releasesMeta, listedIn: 'snapshot.json' });
    signing.push({
      role: RELEASES_ROLE,
      targets: load(RELEASES_ROLE, bytes, targetsSchema, { keys, threshold: releases.threshold })
        .targets,
    });
  }
  signing.push({ role: 'targets', targets: targets.targets });

  return pickTarget(gun, tag, signing);
}

interface Signers {
  keys: Map<string, TufKey>;
  threshold: number;
}

function pickTarget(
  gun: string,
  tag: string,
  signing: { role: TagRole; targets: Record<string, FileMeta> }[],
): SignedTagResolution {
  const found = signing.flatMap(({ role, targets }) => {
    const meta = entry(targets, tag);
    return meta
      ? [{ role, meta, sha256: Buffer.from(entry(meta.hashes, 'sha256') ?? '', 'base64') }]
      : [];
  });
  const first = found[0];
  if (!first)
    return {
      ok: false,
      reason: `${gun}:${tag} is not signed: neither ${RELEASES_ROLE} nor targets lists the tag (sign it with docker trust sign)`,
    };
  if (first.sha256.length !== 32)
    return {
      ok: false,
      reason: `${first.role} signs ${gun}:${tag} without a sha256 digest, which Docker requires`,
    };
  const signedBy = found
    .filter(({ meta, sha256 }) => meta.length === first.meta.length && sha256.equals(first.sha256))
    .map(({ role }) => role);
  return {
    ok: true,
    digest: `sha256:${first.sha256.toString('hex')}`,
    length: first.meta.length,
    signedBy,
  };
}

type Limit = { maxBytes: number } | { meta: FileMeta; listedIn: string };

async function fetchFile(
  { gun, tag, fetchRole }: ResolveSignedTagInput,
  role: RoleName,
  limit: Limit,
): Promise<Uint8Array> {
  const file = `${role}.json`;
  const maxBytes = 'maxBytes' in limit ? limit.maxBytes : limit.meta.length;
  if (maxBytes > MAX_FILE_BYTES)
    throw new TrustDataError(
      `${file} of ${gun} would be ${maxBytes} bytes, more than the ${MAX_FILE_BYTES} Gatehouse accepts`,
    );
  let bytes: Uint8Array;
  try {
    bytes = await fetchRole(role, maxBytes);
  } catch (error) {
    if (error instanceof RoleNotFoundError && role === 'root')
      throw new TrustDataError(
        `the trust server has no trust data for ${gun}: ${gun}:${tag} was never signed with Docker Content Trust, or the GUN or trust server is wrong`,
      );
    if (error instanceof RoleNotFoundError)
      throw new TrustDataError(
        `the trust server has no ${file} for ${gun}: the repository's trust data is incomplete`,
      );
    throw new TrustDataError(
      `could not fetch ${file} of ${gun} from the trust server: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if ('meta' in limit) checkFileMeta(file, bytes, limit.meta, limit.listedIn);
  else if (bytes.length > maxBytes)
    throw new TrustDataError(
      `${file} of ${gun} is larger than the ${maxBytes} bytes Gatehouse accepts for it`,
    );
  return bytes;
}
