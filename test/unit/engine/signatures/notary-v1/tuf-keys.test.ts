import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../../../electron/engine/signatures/notary-v1/canonical-json.js';
import {
  bareKey,
  canonicalKeyId,
  keyId,
  keysOfRole,
  validSigners,
} from '../../../../../electron/engine/signatures/notary-v1/tuf-keys.js';
import {
  parseSignedMetadata,
  rootSchema,
  targetsSchema,
  type TufKey,
} from '../../../../../electron/engine/signatures/notary-v1/tuf-metadata.js';
import { metadata, NOTARY_01, NOTARY_03 } from './notary-fixtures.js';

const root01 = parseSignedMetadata('root.json', metadata(NOTARY_01, 'root'), rootSchema);
const message = canonicalJson({ _type: 'Targets', version: 1 });

function signedBy(key: TufKey, method: string, signature: Buffer) {
  return {
    keys: new Map([[keyId(key), key]]),
    metadata: {
      signed: {},
      canonical: message,
      signatures: [{ keyid: keyId(key), method, sig: signature.toString('base64') }],
    },
  };
}

function isValid(key: TufKey, method: string, signature: Buffer): boolean {
  const { keys, metadata } = signedBy(key, method, signature);
  return validSigners(metadata, keys).size === 1;
}

describe('key IDs', () => {
  it('are the sha256 of the canonical key JSON, as root.json lists them', () => {
    for (const [id, key] of Object.entries(root01.signed.keys)) expect(keyId(key)).toBe(id);
  });

  it('name a root certificate key by its bare public key, as docker names the key file', () => {
    const rootKey = root01.signed.keys[NOTARY_01.rootCertKeyId]!;
    expect(rootKey.keytype).toBe('ecdsa-x509');
    expect(canonicalKeyId(rootKey)).toBe(NOTARY_01.rootKeyId);
    const root03 = parseSignedMetadata('root.json', metadata(NOTARY_03, 'root'), rootSchema).signed;
    expect(root03.roles.root.keyids.map((id) => canonicalKeyId(root03.keys[id]!))).toEqual([
      NOTARY_03.rootKeyId,
    ]);
  });

  it('are checked against the key they name', () => {
    const [id, key] = Object.entries(root01.signed.keys)[0]!;
    const otherId = Object.keys(root01.signed.keys)[1]!;
    expect(() =>
      keysOfRole('root.json', 'timestamp', { [otherId]: key }, { keyids: [otherId], threshold: 1 }),
    ).toThrow(`root.json lists a key under ID ${otherId} that is not the key with that ID`);
    expect(() => keysOfRole('root.json', 'timestamp', {}, { keyids: [id], threshold: 1 })).toThrow(
      `root.json gives the timestamp role key ${id} but does not list that key`,
    );
  });
});

describe('validSigners', () => {
  it('verifies ecdsa (raw r||s) and ecdsa-x509 signatures from the fixtures', () => {
    const keys = new Map(Object.entries(root01.signed.keys));
    expect(validSigners(root01, keys)).toEqual(new Set([NOTARY_01.rootCertKeyId]));
    const targets = parseSignedMetadata(
      'targets.json',
      metadata(NOTARY_01, 'targets'),
      targetsSchema,
    );
    expect(validSigners(targets, keys)).toEqual(new Set(root01.signed.roles.targets.keyids));
  });

  it('verifies rsapss signatures by an rsa-x509 delegation key', () => {
    const targets = parseSignedMetadata(
      'targets.json',
      metadata(NOTARY_03, 'targets'),
      targetsSchema,
    );
    const releases = parseSignedMetadata(
      'targets/releases.json',
      metadata(NOTARY_03, 'targets/releases'),
      targetsSchema,
    );
    const keys = new Map(Object.entries(targets.signed.delegations.keys));
    expect([...keys.values()].map((key) => key.keytype)).toEqual(['rsa-x509']);
    expect(validSigners(releases, keys).size).toBe(1);
  });

  it('takes ecdsa signatures in raw r||s form only, not DER', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(
      isValid(
        bareKey(publicKey),
        'ecdsa',
        sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
      ),
    ).toBe(true);
    expect(isValid(bareKey(publicKey), 'ecdsa', sign('sha256', message, privateKey))).toBe(false);
  });

  it('verifies eddsa signatures by an ed25519 key given as its 32 raw bytes', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const key = bareKey(publicKey);
    expect(Buffer.from(key.keyval.public, 'base64')).toHaveLength(32);
    expect(isValid(key, 'eddsa', sign(null, message, privateKey))).toBe(true);
    expect(isValid(key, 'eddsa', sign(null, Buffer.from('other'), privateKey))).toBe(false);
  });

  it('verifies rsapkcs1v15 signatures by RSA keys of 2048 bits or more only', () => {
    const rsa = (modulusLength: number) => generateKeyPairSync('rsa', { modulusLength });
    const big = rsa(2048);
    expect(
      isValid(bareKey(big.publicKey), 'rsapkcs1v15', sign('sha256', message, big.privateKey)),
    ).toBe(true);
    const small = rsa(1024);
    expect(
      isValid(bareKey(small.publicKey), 'rsapkcs1v15', sign('sha256', message, small.privateKey)),
    ).toBe(false);
  });

  it('rejects a method that does not fit the key, an unknown method and an unlisted key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signature = sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    expect(isValid(bareKey(publicKey), 'rsapss', signature)).toBe(false);
    expect(isValid(bareKey(publicKey), 'ecdsa-sha512', signature)).toBe(false);
    const { metadata } = signedBy(bareKey(publicKey), 'ecdsa', signature);
    expect(validSigners(metadata, new Map()).size).toBe(0);
  });

  it('rejects a key whose type does not match its public key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const mislabelled = { ...bareKey(publicKey), keytype: 'rsa' };
    expect(
      isValid(
        mislabelled,
        'ecdsa',
        sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
      ),
    ).toBe(false);
  });
});
