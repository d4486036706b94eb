import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SIMPLE_SIGNING_MEDIA_TYPE,
  verifySimpleSigning,
  type CosignSignatureLayer,
} from '../../../../../electron/engine/signatures/cosign/simple-signing.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const REPOSITORY = 'registry.example:5000/team/app';

function payloadFor(
  reference = REPOSITORY,
  digest = DIGEST,
  type = 'cosign container image signature',
) {
  return {
    critical: {
      identity: { 'docker-reference': reference },
      image: { 'docker-manifest-digest': digest },
      type,
    },
    optional: null,
  };
}

/** A layer as `cosign sign --key` makes it, over any payload. */
function signedLayer(privateKey: KeyObject, payload: unknown): CosignSignatureLayer {
  const bytes = Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const hash = privateKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  return {
    mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
    payload: bytes,
    annotations: {
      'dev.cosignproject.cosign/signature': sign(hash, bytes, privateKey).toString('base64'),
    },
  };
}

const ecKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function verify(payload: unknown, expected = { digest: DIGEST, repository: REPOSITORY }) {
  return verifySimpleSigning(signedLayer(ecKeys.privateKey, payload), expected, {
    kind: 'key',
    publicKey: ecKeys.publicKey,
  });
}

describe('simple-signing payloads', () => {
  it.each([
    ['ECDSA P-256', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ['ECDSA P-384', generateKeyPairSync('ec', { namedCurve: 'P-384' })],
    ['RSA 2048', generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['Ed25519', generateKeyPairSync('ed25519')],
  ])('accepts a well-formed payload signed with %s', (_, keys) => {
    const layer = signedLayer(keys.privateKey, payloadFor());
    const result = verifySimpleSigning(
      layer,
      { digest: DIGEST, repository: REPOSITORY },
      { kind: 'key', publicKey: keys.publicKey },
    );
    expect(result.ok).toBe(true);
  });

  it('rejects a payload that is not JSON', () => {
    expect(verify('this is not a signature')).toEqual({
      ok: false,
      reason: expect.stringMatching(/^the signed payload is not JSON: /),
    });
  });

  it('rejects a payload that is not UTF-8', () => {
    expect(verify(Buffer.from([0x7b, 0xff, 0x7d]))).toEqual({
      ok: false,
      reason: expect.stringMatching(/^the signed payload is not JSON: /),
    });
  });

  it('rejects a payload of another type', () => {
    expect(verify(payloadFor(REPOSITORY, DIGEST, 'atomic container signature'))).toEqual({
      ok: false,
      reason:
        'the signed payload has type "atomic container signature", not "cosign container image signature"',
    });
  });

  it('rejects an unknown critical claim, which it cannot honour', () => {
    const payload = payloadFor();
    const withExtra = { ...payload, critical: { ...payload.critical, expires: 1 } };
    expect(verify(withExtra)).toEqual({
      ok: false,
      reason: expect.stringMatching(
        /^the signed payload is not a cosign signature payload: .*Unrecognized key: "expires"/s,
      ),
    });
  });

  it('rejects a payload without a manifest digest', () => {
    const payload = { critical: { ...payloadFor().critical, image: {} } };
    expect(verify(payload)).toEqual({
      ok: false,
      reason: expect.stringMatching(/docker-manifest-digest/),
    });
  });

  it('rejects a signed reference that is not an image reference', () => {
    expect(verify(payloadFor('Not A Reference!'))).toEqual({
      ok: false,
      reason: 'the signed docker-reference "Not A Reference!" is not an image reference',
    });
  });

  it('compares repositories the way Docker normalizes them', () => {
    const busybox = { digest: DIGEST, repository: 'docker.io/library/busybox' };
    expect(verify(payloadFor('busybox:latest'), busybox).ok).toBe(true);
    expect(verify(payloadFor(`index.docker.io/library/busybox@${DIGEST}`), busybox).ok).toBe(true);
    expect(verify(payloadFor('busybox'), { ...busybox, repository: 'busybox:1.36' }).ok).toBe(true);
    expect(verify(payloadFor('other/busybox'), busybox)).toEqual({
      ok: false,
      reason:
        'the signature is for repository docker.io/other/busybox, not docker.io/library/busybox',
    });
  });
});
