import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePublicKey } from '../../../../../electron/engine/signatures/cosign/public-key.js';
import {
  verifySigstoreBundle,
  type SigstoreBundlePolicy,
} from '../../../../../electron/engine/signatures/cosign/sigstore-bundle.js';
import { parseTrustedRoot } from '../../../../../electron/engine/signatures/cosign/trusted-root.js';
import {
  messageOf,
  type VerificationResult,
} from '../../../../../electron/engine/signatures/cosign/verification-result.js';
import { fixturesDir, sha256Digest } from './cosign-fixtures.js';

// The Sigstore client conformance suite's bundle-verify cases; its README.md says how a
// case is laid out. Their artifacts are files, not images: the artifact's sha256 stands in
// for the image manifest digest, and its bytes for the manifest.
const casesDir = path.join(fixturesDir, 'sigstore-conformance/bundle-verify');
const DEFAULT_IDENTITY =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';

/**
 * Why each `_fail` case must be refused, so that none passes by failing for an unrelated
 * reason (e.g. the subject check) while the defect it plants goes unnoticed.
 */
const expectedReasons: Record<string, RegExp> = {
  'bundle-empty-certificate-chain_fail': /^not a valid Sigstore bundle: invalid v0\.1 bundle/,
  'bundle-from-wrong-instance_fail': /certificate chain/,
  'bundle-invalid-base64-signature_fail': /inclusion promise could not be verified/,
  'bundle-malformed-json_fail': /^the Sigstore bundle is not JSON/,
  'bundle-negative-log-index_fail': /inclusion promise could not be verified/,
  'bundle-unknown-version_fail': /^not a valid Sigstore bundle/,
  'bundle-with-root-cert_fail':
    /^the bundle certificate chain includes a root certificate that is not trusted$/,
  'checkpoint-bad-keyhint_fail': /invalid checkpoint signature/,
  'checkpoint-wrong-roothash_fail': /invalid hash count/,
  'dsse-invalid-sig_fail': /tlog entry signature mismatch/,
  'dsse-mismatch-envelope_fail': /tlog entry signature mismatch/,
  'dsse-mismatch-sig_fail': /tlog entry signature mismatch/,
  'inclusion-proof-corrupted-hash_fail': /calculated root hash does not match inclusion proof/,
  'incorrect-public-key_fail': /inclusion promise could not be verified/,
  'integrated-time-in-future_fail': /certificate is not valid or expired at the specified date/,
  'intoto-expired-certificate_fail': /certificate is not valid or expired at the specified date/,
  'intoto-log-entry-mismatch_fail': /tlog entry signature mismatch/,
  'intoto-missing-inclusion-proof_fail': /^not a valid Sigstore bundle: invalid v0\.2 bundle/,
  'intoto-set-outside-signing-cert-validity_fail': /certificate is not valid or expired/,
  'intoto-tsa-timestamp-outside-cert-validity_fail': /certificate is not valid or expired/,
  'invalid-checkpoint-signature_fail': /invalid checkpoint signature/,
  'invalid-ct-key_fail': /SCT verification failed/,
  'invalid-inclusion-proof_fail': /^not a valid Sigstore bundle: invalid v0\.2 bundle/,
  'managed-key-no-key_fail': /^the bundle is signed with a key, not a certificate/,
  // Its key.pub is itself corrupt; "wrong key" proper is tested in sigstore-bundle.test.ts.
  'managed-key-wrong-key_fail': /^policy: key\.pub is not a PEM public key/,
  'message-digest-mismatch_fail': /digest mismatch/,
  'rekor2-checkpoint-missing-log-signature_fail': /no signatures found in checkpoint/,
  'rekor2-checkpoint-missing-origin_fail': /too few lines in checkpoint header/,
  'rekor2-checkpoint-missing-root-hash_fail': /too few lines in checkpoint header/,
  'rekor2-checkpoint-missing-size_fail': /too few lines in checkpoint header/,
  'rekor2-checkpoint-no-matching-signature_fail': /invalid checkpoint signature/,
  'rekor2-dsse-invalid-sig_fail': /signature mismatch/,
  'rekor2-dsse-mismatch-envelope_fail': /signature mismatch/,
  'rekor2-dsse-mismatch-sig_fail': /signature mismatch/,
  'rekor2-no-inclusion-proof_fail': /^not a valid Sigstore bundle/,
  'rekor2-no-timestamp_fail': /expected 1 timestamps, got 0/,
  'rekor2-timestamp-outside-trust-root-tsa-validity_fail': /timestamp could not be verified/,
  'rekor2-timestamp-outside-tsa-cert-validity_fail': /timestamp could not be verified/,
  'rekor2-timestamp-payload-mismatch_fail': /timestamp could not be verified/,
  'rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail': /timestamp could not be verified/,
  'rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail': /timestamp could not be verified/,
  'rekor2-timestamp-with-incorrect-time_fail': /certificate is not valid or expired/,
  'set-invalid-signature_fail': /inclusion promise could not be verified/,
  'signature-mismatch_fail': /signature mismatch/,
  'trust-root-tlog-missing-validity-start_fail':
    /^policy: .*tlogs\[1\]\.publicKey\.validFor\.start/s,
  'wrong-hashedrekord-artifact_fail': /signature mismatch/,
  'wrong-hashedrekord-cert-and-sig_fail': /signature mismatch/,
  'wrong-hashedrekord-entry_fail': /signature mismatch/,
  'wrong-material_fail': /signature verification failed/,
};

const cases = readdirSync(casesDir)
  .filter((name) => statSync(path.join(casesDir, name)).isDirectory())
  .sort();

function verifyCase(name: string): VerificationResult {
  const dir = path.join(casesDir, name);
  const file = (f: string) =>
    existsSync(path.join(dir, f)) ? readFileSync(path.join(dir, f)) : undefined;
  const text = (f: string) => file(f)?.toString('utf8').trim();
  const artifact = file('artifact') ?? readFileSync(path.join(casesDir, 'a.txt'));

  let policy: SigstoreBundlePolicy;
  try {
    const trustedRoot = parseTrustedRoot(
      file('trusted_root.json') ??
        readFileSync(path.join(fixturesDir, 'sigstore-public-good/trusted_root.json')),
    );
    const key = text('key.pub');
    policy =
      key === undefined
        ? {
            kind: 'keyless',
            trustedRoot,
            identity: { exact: text('identity') ?? DEFAULT_IDENTITY },
            issuer: text('issuer') ?? DEFAULT_ISSUER,
          }
        : { kind: 'key', trustedRoot, publicKey: parsePublicKey(key, 'key.pub') };
  } catch (error) {
    // A trust anchor that does not load cannot accept anything: the case is refused.
    return { ok: false, reason: `policy: ${messageOf(error)}` };
  }
  return verifySigstoreBundle(
    file('bundle.sigstore.json') ?? '',
    { digest: sha256Digest(artifact), bytes: artifact },
    policy,
  );
}

describe('Sigstore conformance bundle-verify cases', () => {
  it('has the cases', () => {
    expect(cases.length).toBeGreaterThan(60);
  });

  it.each(cases.filter((name) => !name.endsWith('_fail')))('accepts %s', (name) => {
    expect(verifyCase(name)).toMatchObject({ ok: true });
  });

  it.each(cases.filter((name) => name.endsWith('_fail')))('rejects %s', (name) => {
    const reason = expectedReasons[name];
    if (reason === undefined) throw new Error(`${name}: list the reason it must be refused for`);
    expect(verifyCase(name)).toEqual({ ok: false, reason: expect.stringMatching(reason) });
  });
});
