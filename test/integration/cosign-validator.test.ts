import { beforeAll, describe, expect, inject, test } from 'vitest';
import { RegistryClient } from '../../electron/engine/registry/registry-client.js';
import { cosignValidators } from '../../electron/engine/signatures/cosign/cosign-validator.js';
import {
  keyFingerprint,
  parsePublicKey,
} from '../../electron/engine/signatures/cosign/public-key.js';
import type { VerificationSubject } from '../../electron/engine/signatures/signature-validator.js';
import type { TrustAnchor } from '../../shared/api/trust-schemas.js';
import type { Digest } from '../../shared/digest.js';
import { parseImageReference } from '../../shared/image-reference.js';
import {
  createTestRekor,
  generateSigningKey,
  pushBundleReferrer,
  pushCosignSignatures,
  signBundle,
  signPayload,
  simpleSigningPayload,
  type SigningKey,
} from '../env/cosign-signer.js';
import { pushIndex, type Repo } from '../env/oci-push.js';
import { connectDockerd } from '../env/dockerd.js';
import { importImage, pushImage } from '../env/images.js';
import { startRegistry } from '../env/registry.js';

const shared = connectDockerd(inject('dockerdDir'));
const registryHost = inject('registryHost');
const client = new RegistryClient({ credentials: async () => undefined });
const validators = cosignValidators({ platform: { os: 'linux', architecture: 'amd64' } });
const SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
const LOOKED = '(looked for the .sig tag and Sigstore bundle referrers)';

const key = generateSigningKey();
const otherKey = generateSigningKey();
const rekor = createTestRekor();

type KeyAnchor = Extract<TrustAnchor, { kind: 'cosign-key' }>;
const anchorFor = (signer: SigningKey, rekorPublicKey?: string): KeyAnchor => ({
  kind: 'cosign-key',
  publicKey: signer.publicKeyPem,
  ...(rekorPublicKey !== undefined && { rekorPublicKey }),
});
const fingerprint = (signer: SigningKey) => keyFingerprint(parsePublicKey(signer.publicKeyPem));

interface Image {
  repo: Repo;
  /** `host/path`, what signatures name. */
  name: string;
  digest: Digest;
}

/** A fresh image pushed to `host/path:tag`. */
async function pushed(path: string, tag = '1', host = registryHost): Promise<Image> {
  const ref = `${host}/${path}:${tag}`;
  await importImage(shared, ref);
  return {
    repo: { host, path },
    name: `${host}/${path}`,
    digest: (await pushImage(shared, ref)) as Digest,
  };
}

function subject(image: Image, digest: Digest = image.digest): VerificationSubject {
  const reference = parseImageReference(`${image.name}@${digest}`);
  return { reference, digest, repository: client.repository(reference), now: new Date() };
}

function verify(image: Image, anchor: KeyAnchor = anchorFor(key), digest?: Digest) {
  return validators['cosign-key'].verify(subject(image, digest), anchor);
}

/** A legacy signature by `signer` claiming `repository` and `digest`. */
const legacy = (signer: SigningKey, repository: string, digest: string) =>
  signPayload(signer, simpleSigningPayload(repository, digest));

describe('legacy .sig signatures', () => {
  let image: Image;
  let other: Image;
  beforeAll(async () => {
    image = await pushed('cosign/legacy');
    other = await pushed('cosign/legacy', '2');
  });

  test('a valid signature is accepted, the signer being the key fingerprint', async () => {
    await pushCosignSignatures(image.repo, image.digest, [legacy(key, image.name, image.digest)]);
    expect(await verify(image)).toEqual({
      ok: true,
      signer: fingerprint(key),
      reason: `cosign signature by ${fingerprint(key)} verified for ${image.name}@${image.digest}`,
    });
  });

  test('a signature made for another digest is rejected', async () => {
    await pushCosignSignatures(other.repo, other.digest, [legacy(key, other.name, image.digest)]);
    const verdict = await verify(other);
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toBe(
      `no acceptable cosign signature for ${other.name}@${other.digest}: ` +
        `signature 1 of tag ${other.digest.replace(':', '-')}.sig: ` +
        `the signature was made for ${image.digest}, not ${other.digest}`,
    );
  });

  test('a signature made for another repository is rejected', async () => {
    const elsewhere = `${registryHost}/cosign/elsewhere`;
    await pushCosignSignatures(other.repo, other.digest, [legacy(key, elsewhere, other.digest)]);
    const verdict = await verify(other);
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toContain(
      `the signature is for repository ${elsewhere}, not ${other.name}`,
    );
  });

  test('a tampered payload is rejected', async () => {
    const signed = legacy(key, other.name, image.digest);
    const tampered = { ...signed, payload: simpleSigningPayload(other.name, other.digest) };
    await pushCosignSignatures(other.repo, other.digest, [tampered]);
    const verdict = await verify(other);
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toContain(
      'it was signed by a different key, or the payload was altered',
    );
  });

  test('a signature by another key is rejected', async () => {
    await pushCosignSignatures(other.repo, other.digest, [
      legacy(otherKey, other.name, other.digest),
    ]);
    const verdict = await verify(other);
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toContain(`does not verify with the trusted key ${fingerprint(key)}`);
  });

  test('any valid signature passes; when none does, each one is listed', async () => {
    const wrong = legacy(otherKey, other.name, other.digest);
    const right = legacy(key, other.name, other.digest);
    await pushCosignSignatures(other.repo, other.digest, [wrong, right]);
    expect(await verify(other)).toMatchObject({ ok: true, signer: fingerprint(key) });

    const verdict = await verify(other, anchorFor(generateSigningKey()));
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toMatch(/signature 1 of tag .*; signature 2 of tag /);
  });

  test('an unsigned image is rejected with a clear reason', async () => {
    const unsigned = await pushed('cosign/unsigned');
    expect(await verify(unsigned)).toEqual({
      ok: false,
      reason: `no cosign signature found for ${unsigned.name}@${unsigned.digest} ${LOOKED}`,
    });
  });
});

describe('Sigstore bundles attached as referrers', () => {
  let image: Image;
  beforeAll(async () => {
    image = await pushed('cosign/bundle');
  });

  test('a key-signed bundle logged in the anchor’s Rekor is accepted', async () => {
    const bundle = signBundle(key, rekor, { repository: image.name, imageDigest: image.digest });
    await pushBundleReferrer(image.repo, image.digest, bundle);
    // Debian's registry (distribution 2.8) has no referrers API: the referrers tag is read.
    const referrers = await subject(image).repository.getReferrers(image.digest);
    expect(referrers.source).toBe('referrers-tag');
    expect(await verify(image, anchorFor(key, rekor.key.publicKeyPem))).toEqual({
      ok: true,
      signer: fingerprint(key),
      reason: `cosign signature by ${fingerprint(key)} verified for ${image.name}@${image.digest}`,
    });
  });

  test('without a Rekor key in the anchor, the bundle must be in the public-good Rekor', async () => {
    const verdict = await verify(image, anchorFor(key));
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toMatch(
      /Sigstore bundle sha256:[0-9a-f]{64}: the bundle does not verify/,
    );
  });

  test('a bundle for another digest is rejected', async () => {
    const target = await pushed('cosign/bundle', '2');
    const bundle = signBundle(key, rekor, { repository: image.name, imageDigest: image.digest });
    await pushBundleReferrer(target.repo, target.digest, bundle);
    const verdict = await verify(target, anchorFor(key, rekor.key.publicKeyPem));
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toContain(
      `the signed statement is about ${image.digest}, not ${target.digest}`,
    );
  });

  test('an attestation by the same key is not a signature', async () => {
    const target = await pushed('cosign/bundle', '3');
    const bundle = signBundle(key, rekor, {
      repository: target.name,
      imageDigest: target.digest,
      predicateType: 'https://slsa.dev/provenance/v1',
    });
    await pushBundleReferrer(target.repo, target.digest, bundle);
    const anchor = anchorFor(key, rekor.key.publicKeyPem);
    expect((await verify(target, anchor)).reason).toContain(
      'an attestation (https://slsa.dev/provenance/v1), not a signature',
    );

    // Nor when its referrer claims to be a signature: the signed statement decides.
    await pushBundleReferrer(target.repo, target.digest, bundle, SIGN_PREDICATE);
    const verdict = await verify(target, anchor);
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toContain(
      `a verified attestation (https://slsa.dev/provenance/v1), not a cosign signature (${SIGN_PREDICATE})`,
    );
  });
});

describe('multi-arch images', () => {
  let amd64: Image;
  let arm64: Image;
  let index: Image;
  beforeAll(async () => {
    amd64 = await pushed('cosign/multi', 'amd64');
    arm64 = await pushed('cosign/multi', 'arm64');
    const digest = await pushIndex(amd64.repo, 'multi', [
      { digest: amd64.digest, os: 'linux', architecture: 'amd64' },
      { digest: arm64.digest, os: 'linux', architecture: 'arm64' },
    ]);
    index = { ...amd64, digest: digest as Digest };
  });

  test('an index signed as a whole is accepted for its digest', async () => {
    await pushCosignSignatures(index.repo, index.digest, [legacy(key, index.name, index.digest)]);
    expect(await verify(index)).toMatchObject({ ok: true, signer: fingerprint(key) });
  });

  test('a signature on its amd64 manifest only is accepted for the index digest', async () => {
    await pushCosignSignatures(index.repo, index.digest, []);
    await pushCosignSignatures(amd64.repo, amd64.digest, [legacy(key, amd64.name, amd64.digest)]);
    expect(await verify(index)).toEqual({
      ok: true,
      signer: fingerprint(key),
      reason:
        `cosign signature by ${fingerprint(key)} verified for ${index.name}@${index.digest}, ` +
        `on its linux/amd64 manifest ${amd64.digest}`,
    });
  });

  test('when nothing verifies, the reason covers the index and its platform manifest', async () => {
    await pushCosignSignatures(index.repo, index.digest, [
      legacy(otherKey, index.name, index.digest),
    ]);
    await pushCosignSignatures(amd64.repo, amd64.digest, []);
    const verdict = await verify(index);
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toMatch(
      new RegExp(
        `^no acceptable cosign signature for ${index.name}@${index.digest}: signature 1 of tag .*` +
          `does not verify with the trusted key .*; no signature on its linux/amd64 manifest ${amd64.digest}$`,
      ),
    );
  });

  test('a signature on another platform’s manifest does not count', async () => {
    await pushCosignSignatures(index.repo, index.digest, []);
    await pushCosignSignatures(amd64.repo, amd64.digest, []);
    await pushCosignSignatures(arm64.repo, arm64.digest, [legacy(key, arm64.name, arm64.digest)]);
    const verdict = await verify(index);
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toContain(`its linux/amd64 manifest ${amd64.digest}`);
  });

  test('a platform manifest is judged by its own signatures, not its index’s', async () => {
    await pushCosignSignatures(index.repo, index.digest, [legacy(key, index.name, index.digest)]);
    await pushCosignSignatures(amd64.repo, amd64.digest, []);
    await pushCosignSignatures(arm64.repo, arm64.digest, [legacy(key, arm64.name, arm64.digest)]);
    expect(await verify(arm64, anchorFor(key), arm64.digest)).toMatchObject({ ok: true });
    expect(await verify(amd64, anchorFor(key), amd64.digest)).toEqual({
      ok: false,
      reason: `no cosign signature found for ${amd64.name}@${amd64.digest} ${LOOKED}`,
    });
  });
});

test('a stopped registry fails the verification with the registry error', async () => {
  const registry = await startRegistry();
  let image: Image;
  try {
    image = await pushed('cosign/gone', '1', registry.host);
    await pushCosignSignatures(image.repo, image.digest, [legacy(key, image.name, image.digest)]);
    expect(await verify(image)).toMatchObject({ ok: true });
  } finally {
    await registry.stop();
  }
  const verdict = await verify(image);
  expect(verdict.ok).toBe(false);
  expect(verdict.reason).toMatch(
    new RegExp(
      `^could not read ${image.name}@${image.digest} from its registry: ${registry.host}/cosign/gone: `,
    ),
  );
});
