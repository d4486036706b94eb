import type { SignatureValidator, ValidatorVerdict } from '../signature-validator.js';
import { notaryRoleFetcher } from './notary-client.js';
import { parsePinnedRootKey } from './pinned-root-key.js';
import { resolveSignedTag } from './trust-resolver.js';

/**
 * Docker Content Trust: the publisher signs a tag for one manifest digest. A container passes
 * when the tag it names is signed, from the pinned root, for exactly the digest it runs: a
 * re-pushed tag or an older pull of it does not. The GUN is the fully qualified repository,
 * as the docker CLI names it to the trust server. Anything that stops the check, an unreachable
 * server included, is a failure: admission fails closed.
 */
export const notaryV1Validator: SignatureValidator<'notary-v1'> = {
  kind: 'notary-v1',
  async verify({ reference, digest, now }, anchor): Promise<ValidatorVerdict> {
    const gun = reference.repository;
    // Content Trust signs tags only: a reference without one (a bare name or a digest) is held
    // to `latest`, as `docker pull` does for a bare name.
    const tag = reference.tag ?? 'latest';
    const pin = parsePinnedRootKey(anchor.rootKey);
    if (!pin.ok) return { ok: false, reason: `the pinned root key is unusable: ${pin.reason}` };
    // Throws only for a GUN Notary cannot name (e.g. an IPv6 registry); the caller fails it.
    const fetchRole = notaryRoleFetcher(
      { server: anchor.server, ...(anchor.ca !== undefined && { ca: anchor.ca }) },
      gun,
    );
    const signed = await resolveSignedTag({ gun, tag, rootKey: anchor.rootKey, fetchRole, now });
    if (!signed.ok) return { ok: false, reason: `trust server ${anchor.server}: ${signed.reason}` };
    if (signed.digest !== digest)
      return {
        ok: false,
        reason: `tag ${tag} of ${gun} is signed for ${signed.digest}, but the container runs ${digest}: the tag was re-pushed since, or the image did not come from the signed tag`,
      };
    const signer = `${signed.signedBy.join(', ')} (root key ${pin.key.keyId})`;
    return { ok: true, reason: `${gun}:${tag} is signed for ${digest} by ${signer}`, signer };
  },
};
