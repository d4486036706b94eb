import type { TrustPolicy } from '../../../shared/api/trust-schemas.js';
import { digestOfRepoDigest, type Digest } from '../../../shared/digest.js';
import {
  mostSpecificMatch,
  parseImagePattern,
  parseImageReference,
  type ImageReference,
} from '../../../shared/image-reference.js';
import type { ImageFacts } from '../docker/image-facts.js';
import type { PolicyVerdict } from './signature-validator.js';
import type { VerificationService } from './verification-service.js';

export type Admission =
  /** No policy covers the image: only the allowlist can let it run. */
  | { kind: 'no-policy'; reason: string }
  | {
      kind: 'verified';
      digest: Digest;
      reference: ImageReference;
      policy: TrustPolicy;
      verdict: PolicyVerdict;
    }
  | { kind: 'failed'; reason: string };

/**
 * Decides whether a signature can admit an image that is not on the allowlist: finds the
 * trust policy for the reference the container names, the manifest digest Docker pulled for
 * that repository (never a digest of another repository), and verifies it.
 */
export async function admitBySignature(
  imageRef: string,
  image: Pick<ImageFacts, 'repoDigests'>,
  policies: readonly TrustPolicy[],
  service: VerificationService,
): Promise<Admission> {
  let reference: ImageReference;
  try {
    reference = parseImageReference(imageRef);
  } catch {
    return {
      kind: 'no-policy',
      reason: `the container names its image as ${imageRef}, which no trust policy can cover`,
    };
  }
  const policy = findPolicy(policies, reference);
  if (!policy)
    return { kind: 'no-policy', reason: `no trust policy covers ${reference.repository}` };
  const digest = digestFor(reference, image.repoDigests);
  if (!digest)
    return {
      kind: 'failed',
      reason: `trust policy "${policy.name}" covers ${reference.repository}, but Docker has no registry digest of this image for that repository (built or imported locally, or pulled from elsewhere), so there is no signature to verify`,
    };
  const verdict = await service.verify(policy, reference, digest);
  return verdict.ok
    ? { kind: 'verified', digest, reference, policy, verdict }
    : { kind: 'failed', reason: verdict.reason };
}

export function findPolicy(
  policies: readonly TrustPolicy[],
  reference: ImageReference,
): TrustPolicy | undefined {
  return mostSpecificMatch(policies, reference, (p) => parseImagePattern(p.scope));
}

/** The digest Docker recorded when it pulled (or pushed) this image from the named repository. */
function digestFor(reference: ImageReference, repoDigests: readonly string[]): Digest | undefined {
  const digests = repoDigests
    .filter((rd) => {
      try {
        return parseImageReference(rd).repository === reference.repository;
      } catch {
        return false;
      }
    })
    .map(digestOfRepoDigest)
    .filter((d) => d !== undefined);
  // A container created by digest runs exactly that one; otherwise any pulled digest of the repository.
  if (reference.digest) return digests.includes(reference.digest) ? reference.digest : undefined;
  return digests[0];
}
