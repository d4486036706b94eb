import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  keyFingerprint,
  parsePublicKey,
  verifyWithKey,
} from '../../../../../electron/engine/signatures/cosign/public-key.js';
import { readFixtureText } from './cosign-fixtures.js';

const pem = (name: string) => readFixtureText(`containers-image-cosign/${name}`);

function publicPem(keys: ReturnType<typeof generateKeyPairSync>): string {
  return keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

describe('parsePublicKey', () => {
  it('reads cosign ECDSA P-256 keys', () => {
    const key = parsePublicKey(pem('cosign.pub'));
    expect(key.asymmetricKeyType).toBe('ec');
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('reads RSA keys', () => {
    expect(parsePublicKey(pem('some-rsa-key.pub')).asymmetricKeyDetails?.modulusLength).toBe(4096);
  });

  it.each([
    ['ECDSA P-384', generateKeyPairSync('ec', { namedCurve: 'P-384' })],
    ['Ed25519', generateKeyPairSync('ed25519')],
  ])('reads %s keys', (_, keys) => {
    expect(parsePublicKey(publicPem(keys)).equals(keys.publicKey)).toBe(true);
  });

  it('reads PKCS#1 RSA public keys', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pkcs1 = publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(parsePublicKey(pkcs1).equals(publicKey)).toBe(true);
  });

  it('rejects text that is not PEM', () => {
    expect(() => parsePublicKey('ssh-ed25519 AAAA me@host', 'cosign.pub')).toThrow(
      'cosign.pub is not a PEM public key: no "-----BEGIN PUBLIC KEY-----" line',
    );
  });

  it('rejects a PEM block whose contents are corrupt', () => {
    const corrupt = pem('cosign.pub').replace('MFkwEwYHKoZIzj0CAQYI', 'MFkwEwYHKoZIzj0CAQ');
    expect(() => parsePublicKey(corrupt, 'cosign.pub')).toThrow(
      /^cosign\.pub is not a PEM public key: /,
    );
  });

  it('rejects the conformance suite malformed key', () => {
    const wrong = readFixtureText(
      'sigstore-conformance/bundle-verify/managed-key-wrong-key_fail/key.pub',
    );
    expect(() => parsePublicKey(wrong, 'key.pub')).toThrow(/^key\.pub is not a PEM public key: /);
  });

  it('rejects a private key, rather than deriving its public half', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => parsePublicKey(privatePem, 'cosign.key')).toThrow(
      'cosign.key is not a PEM public key: it is a private key; use the public half',
    );
  });

  it('rejects a certificate', () => {
    expect(() => parsePublicKey(pem('fulcio_v1.crt.pem'), 'fulcio_v1.crt.pem')).toThrow(
      'fulcio_v1.crt.pem is not a PEM public key: it holds a CERTIFICATE',
    );
  });

  it.each([
    [
      'secp256k1',
      generateKeyPairSync('ec', { namedCurve: 'secp256k1' }),
      'ECDSA curve secp256k1 is not supported',
    ],
    ['Ed448', generateKeyPairSync('ed448'), 'ed448 keys are not supported'],
    ['X25519', generateKeyPairSync('x25519'), 'x25519 keys are not supported'],
    [
      'RSA 1024',
      generateKeyPairSync('rsa', { modulusLength: 1024 }),
      'RSA key of 1024 bits is too small',
    ],
  ])('rejects %s keys', (_, keys, message) => {
    expect(() => parsePublicKey(publicPem(keys), 'k.pub')).toThrow(
      `k.pub is not a PEM public key: ${message}`,
    );
  });
});

describe('keyFingerprint', () => {
  it('is the sha256 of the SubjectPublicKeyInfo DER', () => {
    const key = parsePublicKey(pem('cosign.pub'));
    const der = Buffer.from(pem('cosign.pub').replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    expect(keyFingerprint(key)).toBe(createHash('sha256').update(der).digest('hex'));
  });

  it('is the Rekor log ID for the Rekor key', () => {
    expect(keyFingerprint(parsePublicKey(pem('rekor.pub')))).toBe(
      'c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d',
    );
  });
});

describe('verifyWithKey', () => {
  const data = Buffer.from('payload');

  it.each([
    ['ECDSA', generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'sha256'],
    ['RSA', generateKeyPairSync('rsa', { modulusLength: 2048 }), 'sha256'],
    ['Ed25519', generateKeyPairSync('ed25519'), null],
  ])('verifies %s signatures as cosign makes them', (_, keys, hash) => {
    const signature = sign(hash, data, keys.privateKey);
    expect(verifyWithKey(keys.publicKey, data, signature)).toBe(true);
    expect(verifyWithKey(keys.publicKey, Buffer.from('other'), signature)).toBe(false);
  });

  it('treats a malformed signature as invalid', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(verifyWithKey(publicKey, data, Buffer.from('junk'))).toBe(false);
  });
});
