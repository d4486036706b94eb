import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  keyFingerprint,
  parsePublicKey,
} from '../../../../../electron/engine/signatures/cosign/public-key.js';
import {
  verifySigstoreBundle,
  type SigstoreBundlePolicy,
} from '../../../../../electron/engine/signatures/cosign/sigstore-bundle.js';
import type { IdentityPattern } from '../../../../../electron/engine/signatures/cosign/signer-identity.js';
import {
  parseTrustedRoot,
  type TrustedRoot,
} from '../../../../../electron/engine/signatures/cosign/trusted-root.js';
import { fixturesDir, readFixture, readFixtureText, sha256Digest } from './cosign-fixtures.js';

const GITHUB_OAUTH = 'https://github.com/login/oauth';
const publicGood = parseTrustedRoot(readFixture('sigstore-public-good/trusted_root.json'));

function keyless(
  trustedRoot: TrustedRoot,
  identity: IdentityPattern,
  issuer = GITHUB_OAUTH,
): SigstoreBundlePolicy {
  return { kind: 'keyless', trustedRoot, identity, issuer };
}

describe('cosign v3 OCI bundle (cosign-oci-bundle)', () => {
  const bundle = readFixture('cosign-oci-bundle/oci-attestation.sigstore.json');
  const root = parseTrustedRoot(readFixture('cosign-oci-bundle/trusted_root_pgi.json'));
  const IMAGE = 'sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4';
  const policy = keyless(root, { exact: 'cody@soyland.com' });

  it('accepts the image its in-toto statement is about', () => {
    expect(verifySigstoreBundle(bundle, { digest: IMAGE }, policy)).toEqual({
      ok: true,
      digest: IMAGE,
      signer: 'cody@soyland.com',
      issuer: GITHUB_OAUTH,
    });
  });

  it('rejects any other image digest', () => {
    const other = `sha256:${'1'.repeat(64)}`;
    expect(verifySigstoreBundle(bundle, { digest: other }, policy)).toEqual({
      ok: false,
      reason: `the signed statement is about ${IMAGE}, not ${other}`,
    });
  });

  it("checks the statement's subject and the issuer before the identity expression", () => {
    // Any signature from the public log would do for an attacker if the signer's identity
    // ran the policy's expression before anything else was checked.
    const other = `sha256:${'1'.repeat(64)}`;
    const anyone = keyless(root, { regex: 'nobody@example\\.com' });
    expect(verifySigstoreBundle(bundle, { digest: other }, anyone)).toEqual({
      ok: false,
      reason: `the signed statement is about ${IMAGE}, not ${other}`,
    });
    expect(
      verifySigstoreBundle(
        bundle,
        { digest: IMAGE },
        keyless(root, { regex: 'nobody@example\\.com' }, 'https://accounts.google.com'),
      ),
    ).toEqual({
      ok: false,
      reason: `the signer cody@soyland.com was vouched for by ${GITHUB_OAUTH}, not https://accounts.google.com`,
    });
  });

  it('rejects another identity or issuer', () => {
    expect(
      verifySigstoreBundle(
        bundle,
        { digest: IMAGE },
        keyless(root, { exact: 'someone@soyland.com' }),
      ),
    ).toEqual({ ok: false, reason: 'signed by cody@soyland.com, not "someone@soyland.com"' });
    expect(
      verifySigstoreBundle(
        bundle,
        { digest: IMAGE },
        keyless(root, { exact: 'cody@soyland.com' }, 'https://accounts.google.com'),
      ),
    ).toEqual({
      ok: false,
      reason: `the signer cody@soyland.com was vouched for by ${GITHUB_OAUTH}, not https://accounts.google.com`,
    });
  });

  it('rejects it with the staging trusted root, which does not hold its CA', () => {
    const staging = parseTrustedRoot(
      readFixture('sigstore-conformance/bundle-verify/rekor2-happy-path/trusted_root.json'),
    );
    const result = verifySigstoreBundle(
      bundle,
      { digest: IMAGE },
      keyless(staging, { exact: 'cody@soyland.com' }),
    );
    expect(result).toEqual({
      ok: false,
      reason: expect.stringMatching(/^the bundle does not verify/),
    });
  });

  it('rejects it under a key policy', () => {
    const key = parsePublicKey(readFixtureText('containers-image-cosign/cosign.pub'));
    const result = verifySigstoreBundle(
      bundle,
      { digest: IMAGE },
      { kind: 'key', publicKey: key, trustedRoot: root },
    );
    expect(result).toEqual({
      ok: false,
      reason: `the bundle is signed with a certificate (keyless), not the trusted key ${keyFingerprint(key)}`,
    });
  });

  it('rejects a digest that is not one', () => {
    expect(verifySigstoreBundle(bundle, { digest: 'sha256:abc' }, policy)).toEqual({
      ok: false,
      reason: '"sha256:abc" is not a sha256, sha384 or sha512 digest',
    });
  });
});

describe('sigstore-js bundles v0.1 to v0.3 (sigstore-js-bundles)', () => {
  const bundles = readdirSync(path.join(fixturesDir, 'sigstore-js-bundles'))
    .filter((name) => name.endsWith('.sigstore'))
    .sort();
  // Their in-toto statement is about an npm package, named by its sha512.
  const SUBJECT =
    'sha512:7bea9f6e7ff37f5fab0b36bf061200fff03099fd2fd696b91d04bc5e4f225eb9fd6e0cadcad54ba980f43fb352a99e8810b4e0abeb5c0ef2cf9108cd1f258b36';
  const policy = keyless(publicGood, { exact: 'brian@dehamer.com' });
  const read = (name: string) => readFixture(`sigstore-js-bundles/${name}`);

  it('has the bundles', () => {
    expect(bundles).toHaveLength(9);
  });

  it.each(bundles)('accepts %s for brian@dehamer.com', (name) => {
    expect(verifySigstoreBundle(read(name), { digest: SUBJECT }, policy)).toEqual({
      ok: true,
      digest: SUBJECT,
      signer: 'brian@dehamer.com',
      issuer: GITHUB_OAUTH,
    });
  });

  it.each(bundles)('rejects %s for another identity or issuer', (name) => {
    const other = keyless(publicGood, { exact: 'mallory@dehamer.com' });
    expect(verifySigstoreBundle(read(name), { digest: SUBJECT }, other).ok).toBe(false);
    const otherIssuer = keyless(
      publicGood,
      { exact: 'brian@dehamer.com' },
      'https://accounts.google.com',
    );
    expect(verifySigstoreBundle(read(name), { digest: SUBJECT }, otherIssuer).ok).toBe(false);
  });

  it.each(bundles)('rejects %s with a changed payload', (name) => {
    const bundle = JSON.parse(read(name).toString()) as { dsseEnvelope: { payload: string } };
    const statement = Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString();
    bundle.dsseEnvelope.payload = Buffer.from(statement.replace('1.0.0', '6.6.6')).toString(
      'base64',
    );
    const result = verifySigstoreBundle(JSON.stringify(bundle), { digest: SUBJECT }, policy);
    expect(result).toEqual({
      ok: false,
      reason: expect.stringMatching(/^the bundle does not verify/),
    });
  });

  it('anchors identity patterns: an identity string is not a substring match', () => {
    const bundle = read('bundleV03-dsse.sigstore');
    const verify = (identity: IdentityPattern) =>
      verifySigstoreBundle(bundle, { digest: SUBJECT }, keyless(publicGood, identity)).ok;
    expect(verify({ exact: 'dehamer.com' })).toBe(false);
    expect(verify({ regex: 'dehamer\\.com' })).toBe(false);
    expect(verify({ regex: '[a-z]+@dehamer\\.com' })).toBe(true);
  });

  it('matches the subject by the algorithm of the digest given', () => {
    const sha256OfStatement = sha256Digest(read('statement.json'));
    expect(
      verifySigstoreBundle(read('bundleV03-dsse.sigstore'), { digest: sha256OfStatement }, policy),
    ).toEqual({
      ok: false,
      reason: `the signed statement is about no sha256 digest, not ${sha256OfStatement}`,
    });
  });
});

describe('message-signature bundles and key policies', () => {
  const cases = 'sigstore-conformance/bundle-verify';
  const artifact = readFixture(`${cases}/a.txt`);
  const digest = sha256Digest(artifact);
  const conformanceIdentity: IdentityPattern = {
    regex: 'https://github\\.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.*',
  };
  const messageBundle = readFixture(`${cases}/happy-path-v0.3/bundle.sigstore.json`);
  const actionsPolicy = keyless(
    publicGood,
    conformanceIdentity,
    'https://token.actions.githubusercontent.com',
  );

  it('accepts a message signature over the supplied manifest bytes', () => {
    expect(verifySigstoreBundle(messageBundle, { digest, bytes: artifact }, actionsPolicy).ok).toBe(
      true,
    );
  });

  it('needs the manifest bytes to check a message signature', () => {
    expect(verifySigstoreBundle(messageBundle, { digest }, actionsPolicy)).toEqual({
      ok: false,
      reason: 'the bundle signs the manifest bytes directly, and they were not supplied',
    });
  });

  it('rejects manifest bytes that do not have the digest being admitted', () => {
    const other = `sha256:${'2'.repeat(64)}`;
    expect(
      verifySigstoreBundle(messageBundle, { digest: other, bytes: artifact }, actionsPolicy),
    ).toEqual({
      ok: false,
      reason: `the manifest supplied does not have digest ${other}`,
    });
  });

  const keyBundle = readFixture(`${cases}/managed-key-happy-path/bundle.sigstore.json`);
  const managedKey = parsePublicKey(readFixtureText(`${cases}/managed-key-happy-path/key.pub`));

  it('accepts a key-signed bundle with its key', () => {
    const policy: SigstoreBundlePolicy = {
      kind: 'key',
      publicKey: managedKey,
      trustedRoot: publicGood,
    };
    expect(verifySigstoreBundle(keyBundle, { digest, bytes: artifact }, policy)).toEqual({
      ok: true,
      digest,
      signer: keyFingerprint(managedKey),
    });
  });

  it('rejects a key-signed bundle with another key', () => {
    const otherKey = parsePublicKey(readFixtureText('containers-image-cosign/cosign.pub'));
    const policy: SigstoreBundlePolicy = {
      kind: 'key',
      publicKey: otherKey,
      trustedRoot: publicGood,
    };
    expect(verifySigstoreBundle(keyBundle, { digest, bytes: artifact }, policy)).toEqual({
      ok: false,
      reason: expect.stringMatching(/^the bundle does not verify/),
    });
  });

  it('rejects a bundle that is not JSON, or not a bundle', () => {
    expect(verifySigstoreBundle('{', { digest }, actionsPolicy)).toEqual({
      ok: false,
      reason: expect.stringMatching(/^the Sigstore bundle is not JSON/),
    });
    expect(verifySigstoreBundle('{"mediaType":"text/plain"}', { digest }, actionsPolicy)).toEqual({
      ok: false,
      reason: expect.stringMatching(/^not a valid Sigstore bundle/),
    });
  });
});

describe('parseTrustedRoot', () => {
  it('rejects text that is not a trusted root', () => {
    expect(() => parseTrustedRoot('[]', 'root.json')).toThrow(
      /^root\.json is not a Sigstore trusted root/,
    );
    expect(() => parseTrustedRoot('nope', 'root.json')).toThrow(/^root\.json is not JSON/);
  });

  it('rejects a certificate authority whose certificate is malformed', () => {
    const root = JSON.parse(readFixtureText('sigstore-public-good/trusted_root.json')) as {
      certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[];
    };
    const [ca] = root.certificateAuthorities;
    const [cert] = ca?.certChain.certificates ?? [];
    if (cert) cert.rawBytes = 'AAAA';
    expect(() => parseTrustedRoot(JSON.stringify(root), 'root.json')).toThrow(
      /^root\.json holds a malformed certificate or key/,
    );
  });
});
