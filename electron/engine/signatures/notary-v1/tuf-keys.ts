import {
  constants,
  createHash,
  createPublicKey,
  verify,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import {
  entry,
  TrustDataError,
  type SignedMetadata,
  type ThresholdRole,
  type TufKey,
} from './tuf-metadata.js';

/** Notary's key ID: sha256 of the key's canonical JSON, `"private": null` included. */
export function keyId(key: TufKey): string {
  const json = canonicalJson({
    keytype: key.keytype,
    keyval: { private: null, public: key.keyval.public },
  });
  return createHash('sha256').update(json).digest('hex');
}

/**
 * The ID of the bare public key inside an x509 key. Docker names the root private key file
 * `~/.docker/trust/private/<this ID>.key`, while root.json lists the certificate's own ID.
 */
export function canonicalKeyId(key: TufKey): string {
  const publicKey = key.keytype.endsWith('-x509') ? publicKeyOf(key) : undefined;
  return publicKey ? keyId(bareKey(publicKey)) : keyId(key);
}

/** A public key as a plain (non-x509) TUF key: SPKI DER, or the 32 raw bytes for ed25519. */
export function bareKey(publicKey: KeyObject): TufKey {
  const type = publicKey.asymmetricKeyType;
  const raw =
    type === 'ed25519'
      ? Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url')
      : publicKey.export({ format: 'der', type: 'spki' });
  const keytype = type === 'ec' ? 'ecdsa' : (type ?? 'unknown');
  return { keytype, keyval: { public: raw.toString('base64'), private: null } };
}

/** The certificate of an `ecdsa-x509` / `rsa-x509` key (the first of its PEM blocks). */
export function certificateOf(key: TufKey): X509Certificate | undefined {
  if (!key.keytype.endsWith('-x509')) return undefined;
  try {
    return new X509Certificate(Buffer.from(key.keyval.public, 'base64'));
  } catch {
    return undefined;
  }
}

const KEY_OBJECT_TYPES: Record<string, string> = {
  ecdsa: 'ec',
  'ecdsa-x509': 'ec',
  rsa: 'rsa',
  'rsa-x509': 'rsa',
  ed25519: 'ed25519',
};

/** The key's public key, or undefined for an unknown type or a key that does not parse. */
function publicKeyOf(key: TufKey): KeyObject | undefined {
  const raw = Buffer.from(key.keyval.public, 'base64');
  let publicKey: KeyObject;
  try {
    if (key.keytype.endsWith('-x509')) publicKey = new X509Certificate(raw).publicKey;
    else if (key.keytype === 'ed25519')
      publicKey = createPublicKey({
        key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
        format: 'jwk',
      });
    else publicKey = createPublicKey({ key: raw, format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
  return entry(KEY_OBJECT_TYPES, key.keytype) === publicKey.asymmetricKeyType
    ? publicKey
    : undefined;
}

// Notary's verifiers: ECDSA signatures are raw r||s over a sha256 digest whatever the curve,
// RSA keys need at least 2048 bits.
const METHODS: Record<
  string,
  { keyType: string; check: (msg: Uint8Array, key: KeyObject, sig: Buffer) => boolean }
> = {
  ecdsa: {
    keyType: 'ec',
    check: (msg, key, sig) => verify('sha256', msg, { key, dsaEncoding: 'ieee-p1363' }, sig),
  },
  eddsa: { keyType: 'ed25519', check: (msg, key, sig) => verify(null, msg, key, sig) },
  rsapss: {
    keyType: 'rsa',
    check: (msg, key, sig) =>
      rsaBigEnough(key) &&
      verify(
        'sha256',
        msg,
        {
          key,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        },
        sig,
      ),
  },
  rsapkcs1v15: {
    keyType: 'rsa',
    check: (msg, key, sig) =>
      rsaBigEnough(key) &&
      verify('sha256', msg, { key, padding: constants.RSA_PKCS1_PADDING }, sig),
  },
};

function rsaBigEnough(key: KeyObject): boolean {
  return (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;
}

/**
 * The IDs of the given keys that made a valid signature over the metadata. `keys` maps a key ID
 * to its key; the caller has checked that each ID is the key's own (`keyId`).
 */
export function validSigners(
  metadata: SignedMetadata<unknown>,
  keys: ReadonlyMap<string, TufKey>,
): Set<string> {
  const signers = new Set<string>();
  for (const signature of metadata.signatures) {
    const key = keys.get(signature.keyid);
    const method = entry(METHODS, signature.method);
    const publicKey = key && publicKeyOf(key);
    if (!method || !publicKey || publicKey.asymmetricKeyType !== method.keyType) continue;
    try {
      if (method.check(metadata.canonical, publicKey, Buffer.from(signature.sig, 'base64')))
        signers.add(signature.keyid);
    } catch {
      // A signature of the wrong size for the key: not valid.
    }
  }
  return signers;
}

/** The keys a role lists, each checked to be the key its ID names. */
export function keysOfRole(
  file: string,
  role: string,
  keys: Readonly<Record<string, TufKey>>,
  { keyids }: ThresholdRole,
): Map<string, TufKey> {
  const found = new Map<string, TufKey>();
  for (const id of keyids) {
    const key = entry(keys, id);
    if (!key)
      throw new TrustDataError(
        `${file} gives the ${role} role key ${id} but does not list that key`,
      );
    if (keyId(key) !== id)
      throw new TrustDataError(
        `${file} lists a key under ID ${id} that is not the key with that ID`,
      );
    found.set(id, key);
  }
  return found;
}
