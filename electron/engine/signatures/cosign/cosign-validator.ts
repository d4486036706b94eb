import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { z } from 'zod';
import type { TrustAnchor } from '../../../../shared/api/trust-schemas.js';
import { isDigest, type Digest } from '../../../../shared/digest.js';
import type { Descriptor } from '../../registry/oci-manifest.js';
import { selectPlatformManifest, type PlatformChoice } from '../../registry/platform-manifest.js';
import type { FetchedManifest, RepositoryClient } from '../../registry/registry-client.js';
import type {
  SignatureValidator,
  ValidatorVerdict,
  VerificationSubject,
} from '../signature-validator.js';
import { keyFingerprint, parsePublicKey, spkiDer } from './public-key.js';
import { verifySigstoreBundle, type SignedSubject } from './sigstore-bundle.js';
import {
  SIMPLE_SIGNING_MEDIA_TYPE,
  verifySimpleSigning,
  type CosignSignatureLayer,
  type ExpectedImage,
  type SimpleSigningTrustAnchor,
} from './simple-signing.js';
import { parseTrustedRoot, type TrustedRoot } from './trusted-root.js';
import { messageOf, type VerificationResult } from './verification-result.js';

const SIGSTORE_BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** The predicate of the in-toto statement `cosign sign` makes; attestations carry others. */
const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

const PREDICATE_ANNOTATION = 'dev.sigstore.bundle.predicateType';
const REKOR_BUNDLE_ANNOTATION = 'dev.sigstore.cosign/bundle';
const MAX_PAYLOAD_BYTES = 256 * 1024;
const MAX_BUNDLE_BYTES = 1024 * 1024;
// Per form and manifest: bounds the fetches an attacker-written manifest can cause.
const MAX_SIGNATURES = 32;
const MAX_PARSED_ANCHORS = 64;
const ALWAYS = { start: new Date(0), end: new Date(8_640_000_000_000_000) };
const PUBLIC_GOOD_MIRROR = 'https://tuf-repo-cdn.sigstore.dev';
// Node's process.arch where it differs from Go's GOARCH, which image platforms use.
const GOARCH: Readonly<Record<string, string>> = { x64: 'amd64', ia32: '386', ppc64: 'ppc64le' };

export interface CosignValidatorOptions {
  /**
   * The platform whose manifest in a multi-arch index may carry the signature instead of the
   * index itself. Default: linux on this machine's architecture (linux/amd64 on x64).
   */
  platform?: PlatformChoice;
}

export interface CosignValidators {
  'cosign-key': SignatureValidator<'cosign-key'>;
  'cosign-keyless': SignatureValidator<'cosign-keyless'>;
}

/**
 * Cosign signatures as cosign stores them: the legacy `sha256-<hex>.sig` tag (simple-signing
 * layers) and Sigstore bundles attached as OCI referrers. Any one valid signature passes; on
 * failure the reason lists what was found and why each was refused. Registry errors fail.
 */
export function cosignValidators(options: CosignValidatorOptions = {}): CosignValidators {
  const platform = options.platform ?? hostPlatform();
  return {
    'cosign-key': {
      kind: 'cosign-key',
      verify: (subject, anchor) => verifyImage(subject, () => keyVerifier(anchor), platform),
    },
    'cosign-keyless': {
      kind: 'cosign-keyless',
      verify: (subject, anchor) => verifyImage(subject, () => keylessVerifier(anchor), platform),
    },
  };
}

/** How one trust anchor judges each form of signature. */
interface AnchorVerifier {
  legacy(layer: CosignSignatureLayer, expected: ExpectedImage, now: Date): VerificationResult;
  bundle(bundle: Uint8Array, subject: SignedSubject): VerificationResult;
}

type Verified = Extract<VerificationResult, { ok: true }>;

interface Context {
  repository: RepositoryClient;
  /** `registry/path`, what legacy payloads must name. */
  repositoryName: string;
  now: Date;
  verifier: AnchorVerifier;
}

/** One signature found, checked only when its turn comes. */
interface Candidate {
  what: string;
  check(): Promise<VerificationResult>;
}

/** What one manifest's signatures came to. */
interface ManifestCheck {
  verified?: Verified;
  found: number;
  problems: string[];
}

async function verifyImage(
  subject: VerificationSubject,
  makeVerifier: () => AnchorVerifier,
  platform: PlatformChoice,
): Promise<ValidatorVerdict> {
  const name = `${subject.reference.repository}@${subject.digest}`;
  let verifier: AnchorVerifier;
  try {
    verifier = makeVerifier();
  } catch (error) {
    return { ok: false, reason: `the trust anchor is unusable: ${messageOf(error)}` };
  }
  const ctx: Context = {
    repository: subject.repository,
    repositoryName: subject.reference.repository,
    now: subject.now,
    verifier,
  };

  let image: FetchedManifest;
  try {
    image = await subject.repository.getManifest(subject.digest);
  } catch (error) {
    return { ok: false, reason: `could not read ${name} from its registry: ${messageOf(error)}` };
  }
  const own = await checkManifest(ctx, image);
  if (own.verified) return passed(name, own.verified);
  if (image.kind !== 'index') return failed(name, [{ label: '', check: own }]);

  // As cosign signs multi-arch images: on the index, or on each platform's manifest.
  const label = `its ${platformName(platform)} manifest`;
  const descriptor = selectPlatformManifest(image.index, platform);
  if (descriptor === undefined)
    return failed(
      name,
      [{ label: '', check: own }],
      `the index has no ${platformName(platform)} manifest`,
    );
  const shown = `${label} ${descriptor.digest}`;
  let platformCheck: ManifestCheck;
  try {
    platformCheck = await checkManifest(
      ctx,
      await ctx.repository.getManifest(digestOf(descriptor)),
    );
  } catch (error) {
    platformCheck = { found: 0, problems: [`could not read it: ${messageOf(error)}`] };
  }
  if (platformCheck.verified) return passed(name, platformCheck.verified, shown);
  return failed(name, [
    { label: '', check: own },
    { label: shown, check: platformCheck },
  ]);
}

async function checkManifest(ctx: Context, manifest: FetchedManifest): Promise<ManifestCheck> {
  const tag = `sha256-${manifest.digest.slice('sha256:'.length)}.sig`;
  const sources = [
    { what: `the ${tag} tag`, candidates: legacySignatures(ctx, manifest, tag) },
    { what: 'the Sigstore bundle referrers', candidates: bundleSignatures(ctx, manifest) },
  ];
  const result: ManifestCheck = { found: 0, problems: [] };
  for (const source of sources) {
    try {
      for await (const candidate of source.candidates) {
        result.found++;
        const verdict = await candidate
          .check()
          .catch((error: unknown): VerificationResult => ({ ok: false, reason: messageOf(error) }));
        if (verdict.ok) return { ...result, verified: verdict };
        result.problems.push(`${candidate.what}: ${verdict.reason}`);
      }
    } catch (error) {
      result.problems.push(`could not read ${source.what}: ${messageOf(error)}`);
    }
  }
  return result;
}

async function* legacySignatures(
  ctx: Context,
  manifest: FetchedManifest,
  tag: string,
): AsyncGenerator<Candidate> {
  const signatures = await ctx.repository.getTag(tag);
  if (signatures === undefined) return;
  if (signatures.kind !== 'manifest')
    throw new Error(`tag ${tag} is an image index, not a cosign signature manifest`);
  const expected = { digest: manifest.digest, repository: ctx.repositoryName };
  for (const [i, layer] of signatures.manifest.layers.slice(0, MAX_SIGNATURES).entries()) {
    yield {
      what: `signature ${i + 1} of tag ${tag}`,
      check: async () => {
        // Another attachment is refused for its media type: its blob is not needed.
        const payload =
          layer.mediaType === SIMPLE_SIGNING_MEDIA_TYPE
            ? await ctx.repository.getBlob(digestOf(layer), MAX_PAYLOAD_BYTES)
            : new Uint8Array();
        const annotations = layer.annotations ?? {};
        return ctx.verifier.legacy(
          { mediaType: layer.mediaType, payload, annotations },
          expected,
          ctx.now,
        );
      },
    };
  }
}

async function* bundleSignatures(
  ctx: Context,
  manifest: FetchedManifest,
): AsyncGenerator<Candidate> {
  const { descriptors } = await ctx.repository.getReferrers(
    manifest.digest,
    SIGSTORE_BUNDLE_MEDIA_TYPE,
  );
  const subject = { digest: manifest.digest, bytes: manifest.bytes };
  for (const referrer of descriptors.slice(0, MAX_SIGNATURES)) {
    yield {
      what: `Sigstore bundle ${referrer.digest}`,
      check: async () => {
        // Unauthenticated, but it only saves fetching what would be refused anyway.
        const predicate = referrer.annotations?.[PREDICATE_ANNOTATION];
        if (predicate !== undefined && predicate !== COSIGN_SIGN_PREDICATE)
          return { ok: false, reason: `an attestation (${predicate}), not a signature` };
        const artifact = await ctx.repository.getManifest(digestOf(referrer));
        const layer =
          artifact.kind === 'manifest'
            ? artifact.manifest.layers.find((l) => l.mediaType === SIGSTORE_BUNDLE_MEDIA_TYPE)
            : undefined;
        if (layer === undefined)
          return { ok: false, reason: 'the referrer holds no Sigstore bundle' };
        const bundle = await ctx.repository.getBlob(digestOf(layer), MAX_BUNDLE_BYTES);
        const verdict = ctx.verifier.bundle(bundle, subject);
        const problem = verdict.ok ? attestationProblem(bundle) : undefined;
        return problem === undefined ? verdict : { ok: false, reason: problem };
      },
    };
  }
}

const signedStatementSchema = z.object({
  dsseEnvelope: z.object({ payload: z.base64() }).optional(),
});
const predicateSchema = z.object({ predicateType: z.string().optional() });

/**
 * A verified DSSE bundle is a signature only when its statement is the one `cosign sign`
 * makes: an attestation (provenance, SBOM, scan result) about an image does not vouch for
 * running it. A message signature signs the manifest itself.
 */
function attestationProblem(bundle: Uint8Array): string | undefined {
  const envelope = signedStatementSchema.parse(JSON.parse(Buffer.from(bundle).toString('utf8')));
  if (envelope.dsseEnvelope === undefined) return undefined;
  const statement = JSON.parse(
    Buffer.from(envelope.dsseEnvelope.payload, 'base64').toString('utf8'),
  );
  const predicate = predicateSchema.parse(statement).predicateType ?? 'no predicate type';
  return predicate === COSIGN_SIGN_PREDICATE
    ? undefined
    : `a verified attestation (${predicate}), not a cosign signature (${COSIGN_SIGN_PREDICATE})`;
}

function passed(name: string, result: Verified, on?: string): ValidatorVerdict {
  const by =
    result.issuer === undefined ? result.signer : `${result.signer} (issuer ${result.issuer})`;
  const where = on === undefined ? name : `${name}, on ${on}`;
  return {
    ok: true,
    reason: `cosign signature by ${by} verified for ${where}`,
    signer: result.signer,
  };
}

function failed(
  name: string,
  checks: { label: string; check: ManifestCheck }[],
  note?: string,
): ValidatorVerdict {
  const noted = note === undefined ? '' : `; ${note}`;
  const nothing = checks.filter(({ check }) => check.found === 0 && check.problems.length === 0);
  if (nothing.length === checks.length) {
    const others = checks.filter((c) => c.label !== '').map((c) => ` or ${c.label}`);
    return {
      ok: false,
      reason:
        `no cosign signature found for ${name}${others.join('')} ` +
        `(looked for the .sig tag and Sigstore bundle referrers)${noted}`,
    };
  }
  const problems = checks.flatMap(({ label, check }) =>
    check.problems.map((p) => (label === '' ? p : `${label}: ${p}`)),
  );
  const unsigned =
    nothing.length === 0
      ? ''
      : `; no signature on ${nothing.map((c) => c.label || name).join(', ')}`;
  return {
    ok: false,
    reason: `no acceptable cosign signature for ${name}: ${problems.join('; ')}${unsigned}${noted}`,
  };
}

function keyVerifier(anchor: Extract<TrustAnchor, { kind: 'cosign-key' }>): AnchorVerifier {
  const publicKey = parsedOnce(`key\0${anchor.publicKey}`, () =>
    parsePublicKey(anchor.publicKey, 'the cosign public key'),
  );
  const rekorPem = anchor.rekorPublicKey;
  const rekorKey =
    rekorPem === undefined
      ? undefined
      : parsedOnce(`key\0${rekorPem}`, () => parsePublicKey(rekorPem, 'the Rekor public key'));
  const legacyAnchor: SimpleSigningTrustAnchor = {
    kind: 'key',
    publicKey,
    ...(rekorKey !== undefined && { rekorPublicKey: rekorKey }),
  };
  return {
    legacy: (layer, expected, now) => verifySimpleSigning(layer, expected, legacyAnchor, { now }),
    // A bundle must be logged (@sigstore/verify requires a transparency log entry): in the
    // anchor's Rekor when it names one, else in the public-good Rekor, as cosign defaults to.
    bundle: (bundle, subject) =>
      verifySigstoreBundle(bundle, subject, {
        kind: 'key',
        publicKey,
        trustedRoot: rekorKey === undefined ? publicGoodRoot() : rekorOnlyRoot(rekorKey, bundle),
      }),
  };
}

function keylessVerifier(anchor: Extract<TrustAnchor, { kind: 'cosign-keyless' }>): AnchorVerifier {
  const text = anchor.trustedRoot;
  const trustedRoot =
    text === undefined
      ? publicGoodRoot()
      : parsedOnce(`root\0${text}`, () => parseTrustedRoot(text, 'the trusted root'));
  const { identity, issuer } = anchor;
  return {
    legacy: (layer, expected, now) => {
      const legacyAnchor = keylessLegacyAnchor(legacyRootOf(trustedRoot), layer, anchor);
      return typeof legacyAnchor === 'string'
        ? { ok: false, reason: legacyAnchor }
        : verifySimpleSigning(layer, expected, legacyAnchor, { now });
    },
    bundle: (bundle, subject) =>
      verifySigstoreBundle(bundle, subject, { kind: 'keyless', trustedRoot, identity, issuer }),
  };
}

/** A trusted root's CAs and Rekor keys in the form the legacy verifier takes. */
interface LegacyRoot {
  authorities: { roots: X509Certificate[]; intermediates: X509Certificate[]; validFor: Period }[];
  logs: { id: string; key: KeyObject; validFor: Period }[];
}
type Period = { start: Date; end: Date };

const legacyRoots = new WeakMap<TrustedRoot, LegacyRoot>();

function legacyRootOf(root: TrustedRoot): LegacyRoot {
  let legacy = legacyRoots.get(root);
  if (legacy === undefined) {
    legacy = {
      authorities: root.certificateAuthorities.map(({ certChain, validFor }) => {
        const chain = certChain.map((cert) => new X509Certificate(cert.root.toDER()));
        return { roots: chain.slice(-1), intermediates: chain.slice(0, -1), validFor };
      }),
      logs: root.tlogs.map(({ publicKey, validFor }) => ({
        id: keyFingerprint(publicKey),
        key: publicKey,
        validFor,
      })),
    };
    legacyRoots.set(root, legacy);
  }
  return legacy;
}

const rekorBundleSchema = z.object({
  Payload: z.object({ integratedTime: z.number(), logID: z.string() }),
});

/**
 * The anchor for one keyless legacy signature, or why there is none: the Rekor key that
 * logged it and the CAs, both as the trusted root has them at the time Rekor logged it. The
 * Rekor bundle is read before it is verified only to choose them; verifying it then
 * authenticates the very same fields.
 */
function keylessLegacyAnchor(
  root: LegacyRoot,
  layer: CosignSignatureLayer,
  { identity, issuer }: Extract<TrustAnchor, { kind: 'cosign-keyless' }>,
): SimpleSigningTrustAnchor | string {
  const logged = rekorBundleSchema.safeParse(
    parseJsonOrUndefined(layer.annotations[REKOR_BUNDLE_ANNOTATION]),
  ).data?.Payload;
  const at = logged === undefined ? undefined : new Date(logged.integratedTime * 1000);
  const current = (period: Period) => at === undefined || (period.start <= at && at <= period.end);
  const matched = root.logs.find((l) => l.id === logged?.logID);
  if (matched !== undefined && !current(matched.validFor))
    return `the trusted root does not trust Rekor log ${matched.id} at ${at?.toISOString()}, when it logged the signature`;
  // Without a match the first log is named, and the verifier says which log was used instead.
  const log = matched ?? root.logs[0];
  if (log === undefined) return 'the trusted root names no Rekor log to time keyless signatures';
  const authorities = root.authorities.filter((ca) => current(ca.validFor));
  return {
    kind: 'certificate',
    roots: authorities.flatMap((ca) => ca.roots),
    intermediates: authorities.flatMap((ca) => ca.intermediates),
    identity,
    issuer,
    rekorPublicKey: log.key,
  };
}

const checkpointSigner = /\u2014 (\S+) /g;

/**
 * A trusted root holding only the anchor's Rekor key. @sigstore/verify also matches a
 * checkpoint's signer name against the log's URL, which a bare key does not give: the names
 * the bundle's checkpoints use stand in for it. They carry no trust: the log is bound by its
 * ID (the key's hash) and each checkpoint by its signature with that key.
 */
function rekorOnlyRoot(rekorKey: KeyObject, bundle: Uint8Array): TrustedRoot {
  const names = [...Buffer.from(bundle).toString('utf8').matchAll(checkpointSigner)].map(
    (m) => m[1],
  );
  return {
    certificateAuthorities: [],
    timestampAuthorities: [],
    ctlogs: [],
    tlogs: [
      {
        logID: createHash('sha256').update(spkiDer(rekorKey)).digest(),
        publicKey: rekorKey,
        baseURL: names.join(' '),
        validFor: ALWAYS,
      },
    ],
  };
}

const parsed = new Map<string, unknown>();

/** Anchors hold PEM and JSON text: parse each text once, not at every verification. */
function parsedOnce<T>(key: string, parse: () => T): T {
  if (parsed.has(key)) return parsed.get(key) as T;
  const value = parse();
  if (parsed.size >= MAX_PARSED_ANCHORS) parsed.delete(parsed.keys().next().value ?? '');
  parsed.set(key, value);
  return value;
}

let publicGood: TrustedRoot | undefined;

const seedsSchema = z.record(z.string(), z.object({ targets: z.record(z.string(), z.string()) }));

/** The public-good Sigstore trusted root, as the @sigstore/tuf package ships it for its TUF seed. */
function publicGoodRoot(): TrustedRoot {
  if (publicGood === undefined) {
    // Resolved from sigstore, our dependency, which depends on @sigstore/tuf.
    const fromSigstore = createRequire(createRequire(import.meta.url).resolve('sigstore'));
    const seeds = seedsSchema.parse(fromSigstore('@sigstore/tuf/seeds.json'));
    const target = seeds[PUBLIC_GOOD_MIRROR]?.targets['trusted_root.json'];
    if (target === undefined)
      throw new Error('@sigstore/tuf ships no public-good trusted_root.json');
    publicGood = parseTrustedRoot(
      Buffer.from(target, 'base64'),
      'the public-good Sigstore trusted root',
    );
  }
  return publicGood;
}

function hostPlatform(): PlatformChoice {
  return { os: 'linux', architecture: GOARCH[process.arch] ?? process.arch };
}

function platformName({ os, architecture, variant }: PlatformChoice): string {
  return [os, architecture, variant].filter((part) => part !== undefined).join('/');
}

function digestOf(descriptor: Descriptor): Digest {
  if (!isDigest(descriptor.digest))
    throw new Error(`${descriptor.digest.slice(0, 80)} is not a sha256 digest`);
  return descriptor.digest;
}

function parseJsonOrUndefined(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}
