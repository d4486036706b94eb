import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { messageOf } from './verification-result.js';

const PEM_LABEL = /-----BEGIN ([A-Z0-9 ]+)-----/;
const EC_CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384' };
const MIN_RSA_BITS = 2048;

/**
 * Parses a PEM public key as cosign writes them (`cosign.pub`): ECDSA P-256/P-384, RSA
 * (2048 bits or more) or Ed25519. `source` names the key in errors, e.g. a file path.
 */
export function parsePublicKey(pem: string, source = 'key'): KeyObject {
  const fail = (why: string) => new Error(`${source} is not a PEM public key: ${why}`);
  const label = PEM_LABEL.exec(pem)?.[1];
  if (label === undefined) throw fail('no "-----BEGIN PUBLIC KEY-----" line');
  // node:crypto would derive a public key from a private key or a certificate; a policy that
  // names either is a mistake worth reporting.
  if (label.includes('PRIVATE KEY')) throw fail('it is a private key; use the public half');
  if (label !== 'PUBLIC KEY' && label !== 'RSA PUBLIC KEY') throw fail(`it holds a ${label}`);

  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw fail(messageOf(error));
  }
  const problem = unsupportedKeyProblem(key);
  if (problem !== undefined) throw fail(problem);
  return key;
}

function unsupportedKeyProblem(key: KeyObject): string | undefined {
  const { asymmetricKeyType: type, asymmetricKeyDetails: details } = key;
  switch (type) {
    case 'ed25519':
      return undefined;
    case 'ec': {
      const curve = details?.namedCurve ?? 'unknown';
      return curve in EC_CURVES
        ? undefined
        : `ECDSA curve ${curve} is not supported (P-256, P-384)`;
    }
    case 'rsa': {
      const bits = details?.modulusLength ?? 0;
      return bits >= MIN_RSA_BITS ? undefined : `RSA key of ${bits} bits is too small`;
    }
    default:
      return `${type ?? 'unknown'} keys are not supported (ECDSA P-256/P-384, RSA, Ed25519)`;
  }
}

/** The key's identity for logs and policies: sha256 of its SubjectPublicKeyInfo DER, hex. */
export function keyFingerprint(key: KeyObject): string {
  return createHash('sha256').update(spkiDer(key)).digest('hex');
}

export function spkiDer(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

/**
 * Verifies a signature over `data` as cosign makes them: SHA-256 with ECDSA (DER) or RSA
 * PKCS#1 v1.5, and plain Ed25519.
 */
export function verifyWithKey(key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  const hash = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  try {
    return verify(hash, data, key, signature);
  } catch {
    // A malformed signature (bad DER) is simply not a valid one.
    return false;
  }
}
