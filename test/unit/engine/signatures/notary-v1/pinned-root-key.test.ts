import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parsePinnedRootKey } from '../../../../../electron/engine/signatures/notary-v1/pinned-root-key.js';
import { NOTARY_01, NOTARY_03, readFixture } from './notary-fixtures.js';

const certificate = readFixture(
  NOTARY_01,
  `trusted_certificates/${NOTARY_01.gun}/${NOTARY_01.rootCertKeyId}.crt`,
).toString();

describe('parsePinnedRootKey', () => {
  it('takes a key ID in either case', () => {
    expect(parsePinnedRootKey(` ${NOTARY_01.rootKeyId.toUpperCase()}\n`)).toEqual({
      ok: true,
      key: { keyId: NOTARY_01.rootKeyId, from: 'key ID' },
    });
  });

  it('reduces a certificate or public key to the ID of its public key', () => {
    expect(parsePinnedRootKey(certificate)).toEqual({
      ok: true,
      key: { keyId: NOTARY_01.rootKeyId, from: 'certificate' },
    });
    const publicKey = new X509Certificate(certificate).publicKey
      .export({ type: 'spki', format: 'pem' })
      .toString();
    expect(parsePinnedRootKey(publicKey)).toEqual({
      ok: true,
      key: { keyId: NOTARY_01.rootKeyId, from: 'public key' },
    });
  });

  it('explains that a private key file is not what to pin', () => {
    const rootKey = readFixture(
      NOTARY_03,
      `private/root_keys/${NOTARY_03.rootKeyId}.key`,
    ).toString();
    const result = parsePinnedRootKey(rootKey);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(
      /^this is a private key file; Gatehouse only needs the public side: expected the root key ID/,
    );
    const targetsKey = readFixture(
      NOTARY_03,
      'private/tuf_keys/docker.com/notary0.3/tst/041b64dab281324ef2b62fd2d04f4758269e120ff063b7bc78709272821a0a02.key',
    );
    expect(parsePinnedRootKey(targetsKey.toString())).toMatchObject({
      ok: false,
      reason: expect.stringContaining('(and it is a "targets" key, not the root key)'),
    });
  });

  it('says what it expects for anything else', () => {
    for (const text of [
      '',
      'abc123',
      '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----',
    ])
      expect(parsePinnedRootKey(text)).toMatchObject({
        ok: false,
        reason: expect.stringContaining('expected the root key ID'),
      });
  });
});
