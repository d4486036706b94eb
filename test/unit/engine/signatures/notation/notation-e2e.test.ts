import { describe, expect, it } from 'vitest';
import { verifyNotationSignature } from '../../../../../electron/engine/signatures/notation/verify-notation-signature.js';
import {
  verifyAnyNotationSignature,
  type NotationSignaturesOptions,
} from '../../../../../electron/engine/signatures/notation/verify-signature-manifests.js';
import { localKey, readSignedImage } from './notation-fixtures.js';

// The fixtures were made in 2023-2025; "now" is fixed so the outcomes do not drift.
const NOW = new Date('2026-11-23T00:00:00Z');
const E2E_SIGNER = 'C=US, ST=WA, L=Seattle, O=Notary, CN=e2e';

function verifyLayout(
  layout: string,
  trustStoreCert: string,
  overrides: Partial<NotationSignaturesOptions> = {},
) {
  const { target, signatures } = readSignedImage(layout);
  return verifyAnyNotationSignature(signatures, {
    target,
    trustStore: [localKey(trustStoreCert)],
    trustedIdentities: ['*'],
    now: NOW,
    ...overrides,
  });
}

describe('notation e2e fixtures (EXPECTED.md, notation-e2e)', () => {
  it('accepts e2e-valid-signature with e2e.crt', () => {
    const result = verifyLayout('e2e-valid-signature', 'e2e.crt');
    expect(result).toMatchObject({ ok: true, signer: E2E_SIGNER, signingScheme: 'notary.x509' });
    expect(result.ok && result.signingTime.toISOString()).toBe('2023-06-27T05:30:33.000Z');
  });

  it('rejects e2e-valid-signature with new_e2e.crt (authenticity)', () => {
    const result = verifyLayout('e2e-valid-signature', 'new_e2e.crt');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(
      /certificate chain does not lead to a trusted root.*"C=US, ST=WA, L=Seattle, O=Notary, CN=e2e"/,
    );
  });

  it('accepts e2e-valid-multiple-signatures: one of the two is valid', () => {
    const { target, signatures } = readSignedImage('e2e-valid-multiple-signatures');
    expect(signatures).toHaveLength(2);
    const options = {
      target,
      trustStore: [localKey('e2e.crt')],
      trustedIdentities: ['*'],
      now: NOW,
    };
    const results = signatures.map((signature) => verifyAnyNotationSignature([signature], options));
    expect(results).toContainEqual(expect.objectContaining({ ok: true, signer: E2E_SIGNER }));
    // The other is by testcert11, which the trust store does not hold; its reason is kept.
    const untrusted = expect.stringMatching(/CN=testcert11.*trust store/);
    expect(results).toContainEqual({ ok: false, reason: untrusted, reasons: [untrusted] });
    for (const order of [signatures, [...signatures].reverse()]) {
      expect(verifyAnyNotationSignature(order, options)).toMatchObject({
        ok: true,
        signer: E2E_SIGNER,
      });
    }
  });

  it('rejects e2e-expired-signature under strict (expired)', () => {
    const result = verifyLayout('e2e-expired-signature', 'e2e.crt');
    expect(result).toMatchObject({
      ok: false,
      reason: 'the signature expired on 2023-06-27T05:21:21.000Z',
    });
  });

  it('rejects e2e-invalid-signature (integrity)', () => {
    const { target, signatures } = readSignedImage('e2e-invalid-signature');
    expect(signatures).toHaveLength(1);
    const result = verifyLayout('e2e-invalid-signature', 'e2e.crt');
    expect(!result.ok && result.reason).toMatch(
      /envelope type "application\/vnd.oci.image.layer.v1.tar" is not supported/,
    );
    // Read as a JWS anyway, its blob ("invalid signature") is no envelope at all.
    const asJws = verifyNotationSignature({
      envelope: (signatures[0] as { envelopeBytes: Uint8Array }).envelopeBytes,
      envelopeMediaType: 'application/jose+json',
      target,
      trustStore: [localKey('e2e.crt')],
      trustedIdentities: ['*'],
      now: NOW,
    });
    expect(asJws).toEqual({ ok: false, reason: 'the JWS envelope is not JSON' });
  });

  /*
   * Its certificate was valid from 2023-06-26T06:10Z to 2023-06-27T06:10Z and the envelope says
   * it was signed at 06:07:26Z, inside that window. Under notary.x509 that signing time is the
   * signer's own unproven claim, so notation requires the certificate to be valid at
   * verification time unless a trusted TSA timestamp proves the time; it has none.
   */
  it('rejects e2e-with-expired-cert with expired_e2e.crt: expired now, no timestamp', () => {
    const result = verifyLayout('e2e-with-expired-cert', 'expired_e2e.crt');
    expect(!result.ok && result.reason).toMatch(
      /expired on 2023-06-27T06:10:00.000Z, and the signature has no trusted timestamp/,
    );
    // The same signature is accepted while the certificate is still valid.
    const before = verifyLayout('e2e-with-expired-cert', 'expired_e2e.crt', {
      now: new Date('2023-06-27T06:09:00Z'),
    });
    expect(before).toMatchObject({
      ok: true,
      signer: 'O=Internet Widgits Pty Ltd, ST=Some-State, C=AU',
    });
  });

  it('rejects e2e: no signature', () => {
    const { signatures } = readSignedImage('e2e');
    expect(signatures).toEqual([]);
    expect(verifyLayout('e2e', 'e2e.crt')).toEqual({
      ok: false,
      reason: 'the image has no Notary Project signature',
      reasons: [],
    });
  });
});

describe('notation e2e fixtures, beyond EXPECTED.md', () => {
  it('matches x509.subject trusted identities as notation does', () => {
    const identities = (trustedIdentities: string[]) =>
      verifyLayout('e2e-valid-signature', 'e2e.crt', { trustedIdentities }).ok;
    expect(identities([`x509.subject: ${E2E_SIGNER}`])).toBe(true);
    expect(identities(['x509.subject: C=US, ST=WA, O=Notary'])).toBe(true);
    expect(identities(['x509.subject: C=US,S=WA,O=Notary,CN=e2e'])).toBe(true);
    expect(identities(['x509.subject: C=US, ST=WA, O=Notary, CN=other'])).toBe(false);
    expect(identities(['x509.subject: C=US, ST=WA, O=Notary, OU=Eng'])).toBe(false);
  });

  it('names the signer when no identity matches', () => {
    const result = verifyLayout('e2e-valid-signature', 'e2e.crt', {
      trustedIdentities: ['x509.subject: C=US, ST=WA, O=Acme'],
    });
    expect(!result.ok && result.reason).toBe(
      `the signer "${E2E_SIGNER}" is not a trusted identity (trusted: "x509.subject: C=US, ST=WA, O=Acme")`,
    );
  });

  it('rejects a valid signature for another image, with what differs', () => {
    const { target, signatures } = readSignedImage('e2e-valid-signature');
    const envelope = (signatures[0] as { envelopeBytes: Uint8Array }).envelopeBytes;
    const verify = (other: typeof target) =>
      verifyNotationSignature({
        envelope,
        envelopeMediaType: 'application/jose+json',
        target: other,
        trustStore: [localKey('e2e.crt')],
        trustedIdentities: ['*'],
        now: NOW,
      });
    const otherDigest = `sha256:${'0'.repeat(64)}`;
    expect(verify({ ...target, digest: otherDigest })).toEqual({
      ok: false,
      reason: `signed artifact digest differs: the signature is for ${target.digest}, the image is ${otherDigest}`,
    });
    expect(verify({ ...target, size: 1 })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/size differs/),
    });
    expect(
      verify({ ...target, mediaType: 'application/vnd.oci.image.index.v1+json' }),
    ).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/media type differs/),
    });
  });

  it('rejects a signature manifest that is not for the image', () => {
    const { signatures } = readSignedImage('e2e-valid-signature');
    const result = verifyAnyNotationSignature(signatures, {
      target: {
        digest: `sha256:${'1'.repeat(64)}`,
        size: 517,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
      },
      trustStore: [localKey('e2e.crt')],
      trustedIdentities: ['*'],
      now: NOW,
    });
    expect(!result.ok && result.reason).toMatch(
      /signature manifest is for sha256:b8479de3.*not this image/,
    );
  });

  it('rejects a referrer that is not a Notary Project signature', () => {
    const { target, signatures } = readSignedImage('e2e-valid-signature');
    const [signature] = signatures;
    if (signature === undefined) throw new Error('fixture missing');
    const manifest = signature.manifest as { config: object };
    const sbom = {
      ...manifest,
      config: { ...manifest.config, mediaType: 'application/vnd.example.sbom' },
    };
    const result = verifyAnyNotationSignature([{ ...signature, manifest: sbom }], {
      target,
      trustStore: [localKey('e2e.crt')],
      trustedIdentities: ['*'],
      now: NOW,
    });
    expect(!result.ok && result.reason).toBe(
      "the referrer's artifact type is application/vnd.example.sbom, not application/vnd.cncf.notary.signature",
    );
  });

  it('rejects an envelope blob that is not the one the manifest names', () => {
    const { target, signatures } = readSignedImage('e2e-valid-signature');
    const other = readSignedImage('e2e-expired-signature').signatures[0]?.envelopeBytes;
    const [signature] = signatures;
    if (signature === undefined || other === undefined) throw new Error('fixture missing');
    const result = verifyAnyNotationSignature([{ ...signature, envelopeBytes: other }], {
      target,
      trustStore: [localKey('e2e.crt')],
      trustedIdentities: ['*'],
      now: NOW,
    });
    expect(!result.ok && result.reason).toMatch(/envelope blob is not sha256:c9af07e0/);
  });

  it('accepts a timestamped signature while its certificate is valid, timestamp unchecked', () => {
    const { target, signatures } = readSignedImage('e2e-with-timestamped-signature');
    const [signature] = signatures;
    if (signature === undefined) throw new Error('fixture missing');
    // testcert7 is self-signed and in no trust store of the fixtures: trust it directly.
    const { header } = JSON.parse(Buffer.from(signature.envelopeBytes).toString('utf8')) as {
      header: { x5c: string[] };
    };
    const leafPem = `-----BEGIN CERTIFICATE-----\n${header.x5c[0]}\n-----END CERTIFICATE-----\n`;
    const verify = (now: Date) =>
      verifyAnyNotationSignature(signatures, {
        target,
        trustStore: [leafPem],
        trustedIdentities: ['*'],
        now,
      });
    expect(verify(new Date('2025-01-21T10:00:00Z'))).toMatchObject({
      ok: true,
      signer: 'C=US, ST=WA, L=Seattle, O=Notary, CN=testcert7',
    });
    expect(verify(NOW)).toMatchObject({
      ok: false,
      reason: 'the signature expired on 2025-01-21T12:39:46.000Z',
    });
  });
});
