import { Tag, decode, encode } from 'cbor2';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  verifyNotationSignature,
  type NotationVerificationOptions,
} from '../../../../../electron/engine/signatures/notation/verify-notation-signature.js';
import {
  LEAF_SUBJECT,
  createTestPki,
  signCose,
  type TestPki,
} from '../../../../env/notation-signer.js';

// There are no COSE fixtures from notation; these envelopes are made here, as notation's COSE
// envelope code makes them, with a CA and signing certificate from the openssl CLI.
const TARGET = {
  digest: `sha256:${'ab'.repeat(32)}`,
  size: 1234,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
};

let ec: TestPki;
let rsa: TestPki;
beforeAll(() => {
  ec = createTestPki('ec');
  rsa = createTestPki('rsa');
});

function verifyCose(envelope: Uint8Array, options: Partial<NotationVerificationOptions> = {}) {
  return verifyNotationSignature({
    envelope,
    envelopeMediaType: 'application/cose',
    target: TARGET,
    trustStore: [ec.rootPem],
    trustedIdentities: ['*'],
    ...options,
  });
}

/** Replaces one element of the COSE_Sign1 array, keeping the rest byte for byte. */
function withPart(envelope: Uint8Array, index: number, value: unknown): Uint8Array {
  const message = decode(envelope, { ignoreGlobalTags: true, preferMap: true }) as Tag;
  const parts = [...(message.contents as unknown[])];
  parts[index] = value;
  return encode(new Tag(18, parts));
}

describe('COSE_Sign1 envelopes', () => {
  it('accepts an ES256 signature whose chain leads to the trusted root', () => {
    const result = verifyCose(signCose({ pki: ec, target: TARGET }));
    expect(result).toMatchObject({ ok: true, signer: LEAF_SUBJECT, signingScheme: 'notary.x509' });
  });

  it('accepts a PS256 signature and matches the signer against x509.subject identities', () => {
    const envelope = signCose({ pki: rsa, target: TARGET });
    const options = { trustStore: [rsa.rootPem] };
    expect(
      verifyCose(envelope, { ...options, trustedIdentities: [`x509.subject: ${LEAF_SUBJECT}`] }).ok,
    ).toBe(true);
    expect(
      verifyCose(envelope, {
        ...options,
        trustedIdentities: ['x509.subject: C=US, ST=WA, O=Other'],
      }),
    ).toMatchObject({ ok: false, reason: expect.stringMatching(/is not a trusted identity/) });
  });

  it('rejects a tampered payload (integrity)', () => {
    const envelope = signCose({ pki: ec, target: TARGET });
    const tampered = withPart(
      envelope,
      2,
      new TextEncoder().encode(
        JSON.stringify({ targetArtifact: { ...TARGET, digest: `sha256:${'cd'.repeat(32)}` } }),
      ),
    );
    expect(verifyCose(tampered)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/does not match the signed content \(integrity\)/),
    });
  });

  it('rejects a valid signature for another artifact', () => {
    const envelope = signCose({
      pki: ec,
      target: { ...TARGET, digest: `sha256:${'cd'.repeat(32)}` },
    });
    expect(verifyCose(envelope)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        /^signed artifact digest differs: the signature is for sha256:cdcd.*, the image is sha256:abab/,
      ),
    });
  });

  it('rejects a chain to another root, and a chain without its root', () => {
    const envelope = signCose({ pki: ec, target: TARGET });
    expect(verifyCose(envelope, { trustStore: [rsa.rootPem] })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/certificate chain does not lead to a trusted root/),
    });
    const withoutRoot = signCose({ pki: ec, target: TARGET, chain: ec.chain.slice(0, 1) });
    expect(verifyCose(withoutRoot)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        /CN=signer" is not self-signed and the signature carries no chain to its root/,
      ),
    });
  });

  it('rejects an expired signature', () => {
    const signingTime = new Date(Date.now() - 120_000);
    const envelope = signCose({
      pki: ec,
      target: TARGET,
      signingTime,
      expiry: new Date(Date.now() - 60_000),
    });
    expect(verifyCose(envelope)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^the signature expired on /),
    });
  });

  it('rejects malformed CBOR', () => {
    const envelope = signCose({ pki: ec, target: TARGET });
    expect(verifyCose(envelope.subarray(0, envelope.length - 10))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^the COSE envelope is not valid CBOR: /),
    });
    expect(verifyCose(Buffer.from('{"payload":"e30"}'))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        /^the COSE envelope is not (valid CBOR|a tagged COSE_Sign1 message)/,
      ),
    });
  });

  it('rejects an untagged or ill-formed COSE_Sign1', () => {
    const envelope = signCose({ pki: ec, target: TARGET });
    const message = decode(envelope, { ignoreGlobalTags: true, preferMap: true }) as Tag;
    expect(verifyCose(encode(message.contents))).toEqual({
      ok: false,
      reason: 'the COSE envelope is not a tagged COSE_Sign1 message',
    });
    expect(verifyCose(withPart(envelope, 2, null))).toEqual({
      ok: false,
      reason: 'the COSE_Sign1 message is malformed (2: expected the payload as a byte string)',
    });
    expect(verifyCose(withPart(envelope, 1, new Map()))).toEqual({
      ok: false,
      reason: 'the COSE x5chain header is malformed (expected the certificate chain as an array)',
    });
  });

  it('rejects an unknown critical header', () => {
    const envelope = signCose({
      pki: ec,
      target: TARGET,
      crit: ['io.cncf.notary.signingScheme', 'com.example.policy'],
      extra: { 'com.example.policy': 'strict' },
    });
    expect(verifyCose(envelope)).toEqual({
      ok: false,
      reason:
        'the signature has critical header "com.example.policy", which Gatehouse does not understand, so it cannot trust the signature',
    });
  });

  it('rejects a signing scheme that is not marked critical', () => {
    const envelope = signCose({ pki: ec, target: TARGET, crit: ['io.cncf.notary.signingTime'] });
    expect(verifyCose(envelope)).toEqual({
      ok: false,
      reason: 'the signature does not mark io.cncf.notary.signingScheme as critical',
    });
  });

  it('rejects an algorithm its key does not sign with', () => {
    const envelope = signCose({ pki: ec, target: TARGET, alg: 'ES384' });
    expect(verifyCose(envelope)).toEqual({
      ok: false,
      reason:
        "the signature says it uses ES384, but the signing certificate's key signs with ES256",
    });
  });

  it('rejects a signing time that is not a tag 1 epoch time', () => {
    const envelope = signCose({
      pki: ec,
      target: TARGET,
      extra: { 'io.cncf.notary.signingTime': new Tag(0, new Date().toISOString()) },
    });
    expect(verifyCose(envelope)).toEqual({
      ok: false,
      reason: 'the COSE io.cncf.notary.signingTime header is not a tag 1 epoch time',
    });
  });
});

describe('COSE envelopes as a registry delivers them', () => {
  it('verifies an envelope held in a Node Buffer, as blobs arrive from the registry client', () => {
    const envelope = Buffer.from(signCose({ pki: ec, target: TARGET }));
    expect(verifyCose(envelope)).toMatchObject({ ok: true });
  });
});
