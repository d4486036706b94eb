import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { bareKey, canonicalKeyId, keyId } from './tuf-keys.js';
import type { TufKey } from './tuf-metadata.js';

/** The root key a user trusts for a repository, reduced to a key ID. */
export interface PinnedRootKey {
  /** Either the certificate key ID root.json lists, or the bare public key's ID. */
  keyId: string;
  /** How the user gave it, for messages. */
  from: 'key ID' | 'certificate' | 'public key';
}

export type PinnedRootKeyParse = { ok: true; key: PinnedRootKey } | { ok: false; reason: string };

const EXPECTED =
  'expected the root key ID (64 hex characters: the file name of the root key in ~/.docker/trust/private, without ".key"), the root certificate (PEM) or the root public key (PEM)';

/** Reads the root key as the user configures it. */
export function parsePinnedRootKey(text: string): PinnedRootKeyParse {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed))
    return { ok: true, key: { keyId: trimmed.toLowerCase(), from: 'key ID' } };
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(trimmed)) {
    const role = /^role:\s*(\S+)/m.exec(trimmed)?.[1];
    const which = role && role !== 'root' ? ` (and it is a "${role}" key, not the root key)` : '';
    return {
      ok: false,
      reason: `this is a private key file${which}; Gatehouse only needs the public side: ${EXPECTED}`,
    };
  }
  let publicKey: KeyObject;
  let from: PinnedRootKey['from'];
  try {
    if (trimmed.includes('-----BEGIN CERTIFICATE-----')) {
      publicKey = new X509Certificate(trimmed).publicKey;
      from = 'certificate';
    } else if (trimmed.includes('-----BEGIN PUBLIC KEY-----')) {
      publicKey = createPublicKey(trimmed);
      from = 'public key';
    } else return { ok: false, reason: EXPECTED };
  } catch (error) {
    return {
      ok: false,
      reason: `the root key does not parse (${(error as Error).message}); ${EXPECTED}`,
    };
  }
  return { ok: true, key: { keyId: keyId(bareKey(publicKey)), from } };
}

export function isPinnedRootKey(pin: PinnedRootKey, key: TufKey): boolean {
  return pin.keyId === keyId(key) || pin.keyId === canonicalKeyId(key);
}
