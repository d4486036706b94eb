import { isPinnedRootKey, type PinnedRootKey } from './pinned-root-key.js';
import { canonicalKeyId, certificateOf, keysOfRole, validSigners } from './tuf-keys.js';
import {
  parseSignedMetadata,
  rootSchema,
  TrustDataError,
  type Root,
  type TufKey,
} from './tuf-metadata.js';

/**
 * Checks root.json as Notary's root validation does, with the user's pinned key as the trust
 * anchor: root keys are certificates whose common name is the GUN and which are valid at `now`;
 * the pinned one must have signed, and valid root signatures must meet the root threshold.
 */
export function verifyRoot(bytes: Uint8Array, gun: string, pin: PinnedRootKey, now: Date): Root {
  const root = parseSignedMetadata('root.json', bytes, rootSchema);
  const rootKeys = keysOfRole('root.json', 'root', root.signed.keys, root.signed.roles.root);

  const pinned = [...rootKeys].filter(([, key]) => isPinnedRootKey(pin, key));
  if (pinned.length === 0) {
    const theirs = [...rootKeys.values()].map(canonicalKeyId).join(', ');
    throw new TrustDataError(
      `root.json of ${gun} is not signed with the pinned root key (${pin.from} ${pin.keyId}); its root key is ${theirs}. If the publisher rotated the root key, confirm the new key with them and pin it`,
    );
  }

  const usable = new Map([...rootKeys].filter(([, key]) => !certificateProblem(key, gun, now)));
  const pinnedUsable = pinned.filter(([id]) => usable.has(id));
  if (pinnedUsable.length === 0) {
    const [, key] = pinned[0]!;
    throw new TrustDataError(
      `the root key ${canonicalKeyId(key)} of ${gun} cannot be used: ${certificateProblem(key, gun, now)}`,
    );
  }

  const signers = validSigners(root, usable);
  if (!pinnedUsable.some(([id]) => signers.has(id)))
    throw new TrustDataError(
      `root.json of ${gun} has no valid signature by the pinned root key: it was altered or signed with another key`,
    );
  const { threshold } = root.signed.roles.root;
  if (signers.size < threshold)
    throw new TrustDataError(
      `root.json of ${gun} has ${signers.size} valid root signature(s) but needs ${threshold}`,
    );

  if (root.signed.expires < now)
    throw new TrustDataError(
      `root.json of ${gun} expired on ${root.signed.expires.toISOString()}: the publisher must re-sign the repository's root`,
    );
  return root.signed;
}

function certificateProblem(key: TufKey, gun: string, now: Date): string | undefined {
  const cert = certificateOf(key);
  if (!cert)
    return `it is a ${key.keytype} key, not a certificate as Notary requires for root keys`;
  const commonName = /^CN=(.*)$/m.exec(cert.subject)?.[1];
  // The common name binds the root key to one repository: Docker reuses one root key for all.
  if (commonName !== gun) return `its certificate is for "${commonName ?? ''}", not for ${gun}`;
  if (now < cert.validFromDate)
    return `its certificate is not valid before ${cert.validFromDate.toISOString()}`;
  if (now > cert.validToDate)
    return `its root certificate expired on ${cert.validToDate.toISOString()}; the publisher must rotate the root key (notary key rotate ${gun} root) and you must pin the new one`;
  return undefined;
}
