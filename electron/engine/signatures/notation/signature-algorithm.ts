import { constants, verify, type KeyObject } from 'node:crypto';
import { Rejection } from './rejection.js';

/**
 * The Notary Project's algorithms. Each key size has exactly one: a signature whose algorithm
 * is not the one its certificate's key implies is invalid (notation-core-go enforces this too).
 */
const ALGORITHMS = {
  PS256: { hash: 'sha256', cose: -37, key: 'RSA-2048' },
  PS384: { hash: 'sha384', cose: -38, key: 'RSA-3072' },
  PS512: { hash: 'sha512', cose: -39, key: 'RSA-4096' },
  ES256: { hash: 'sha256', cose: -7, key: 'EC-prime256v1' },
  ES384: { hash: 'sha384', cose: -35, key: 'EC-secp384r1' },
  ES512: { hash: 'sha512', cose: -36, key: 'EC-secp521r1' },
} as const;

export type SignatureAlgorithm = keyof typeof ALGORITHMS;

const NAMES = Object.keys(ALGORITHMS) as SignatureAlgorithm[];
const SUPPORTED = 'PS256, PS384, PS512, ES256, ES384 or ES512';

export function jwsAlgorithm(alg: string): SignatureAlgorithm {
  const name = NAMES.find((candidate) => candidate === alg);
  if (name === undefined) {
    throw new Rejection(`signature algorithm "${alg}" is not supported (expected ${SUPPORTED})`);
  }
  return name;
}

export function coseAlgorithm(alg: unknown): SignatureAlgorithm {
  const name = NAMES.find((candidate) => ALGORITHMS[candidate].cose === alg);
  if (name === undefined) {
    throw new Rejection(
      `COSE signature algorithm ${String(alg)} is not supported (expected ${SUPPORTED})`,
    );
  }
  return name;
}

/** The one algorithm a certificate key signs with, e.g. PS256 for RSA-2048. */
export function algorithmForKey(key: KeyObject): SignatureAlgorithm {
  const details = key.asymmetricKeyDetails;
  const spec =
    key.asymmetricKeyType === 'rsa'
      ? `RSA-${details?.modulusLength}`
      : key.asymmetricKeyType === 'ec'
        ? `EC-${details?.namedCurve}`
        : (key.asymmetricKeyType ?? 'unknown');
  const name = NAMES.find((candidate) => ALGORITHMS[candidate].key === spec);
  if (name === undefined) {
    throw new Rejection(
      `the signing certificate's ${spec} key is not supported (Notary Project signatures use ` +
        'RSA 2048/3072/4096 or ECDSA P-256/P-384/P-521 keys)',
    );
  }
  return name;
}

export function verifySignature(
  algorithm: SignatureAlgorithm,
  key: KeyObject,
  signed: Uint8Array,
  signature: Uint8Array,
): boolean {
  const { hash } = ALGORITHMS[algorithm];
  // JWS (RFC 7518) and COSE (RFC 8230) both fix the PSS salt to the digest length and give
  // ECDSA signatures as r || s.
  const options = algorithm.startsWith('PS')
    ? {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      }
    : { key, dsaEncoding: 'ieee-p1363' as const };
  return verify(hash, signed, options, signature);
}
