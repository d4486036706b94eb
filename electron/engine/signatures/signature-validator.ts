import type { AnchorKind, TrustAnchor, TrustPolicy } from '../../../shared/api/trust-schemas.js';
import type { Digest } from '../../../shared/digest.js';
import type { ImageReference } from '../../../shared/image-reference.js';
import type { RepositoryClient } from '../registry/registry-client.js';

/** What is being admitted: the manifest digest a container runs, in the repository it names. */
export interface VerificationSubject {
  reference: ImageReference;
  digest: Digest;
  repository: RepositoryClient;
  now: Date;
}

export interface ValidatorVerdict {
  ok: boolean;
  /** Why it failed, or what was verified. */
  reason: string;
  /** Key fingerprint, certificate identity or subject, or the signing roles. */
  signer?: string;
}

/** One signature mechanism (cosign, Notary v1, Notation). */
export interface SignatureValidator<K extends AnchorKind = AnchorKind> {
  readonly kind: K;
  verify(
    subject: VerificationSubject,
    anchor: Extract<TrustAnchor, { kind: K }>,
  ): Promise<ValidatorVerdict>;
}

export interface AnchorVerdict extends ValidatorVerdict {
  kind: AnchorKind;
  anchor: number;
}

export interface PolicyVerdict {
  ok: boolean;
  policy: string;
  /** Each anchor's verdict, in order, with its reason kept. */
  verdicts: AnchorVerdict[];
  reason: string;
}

export type ValidatorRegistry = { readonly [K in AnchorKind]?: SignatureValidator<K> };

/**
 * Verifies a subject against a policy: each anchor is tried with its mechanism's validator;
 * the policy passes when at least `threshold` anchors verify (any one, by default, as Kura's
 * any-valid rule). A validator that throws counts as a failure, with its message kept.
 */
export async function verifyWithPolicy(
  policy: TrustPolicy,
  subject: VerificationSubject,
  validators: ValidatorRegistry,
): Promise<PolicyVerdict> {
  const verdicts = await Promise.all(
    policy.anchors.map(async (anchor, index): Promise<AnchorVerdict> => {
      const validator = validators[anchor.kind] as SignatureValidator | undefined;
      if (!validator)
        return {
          kind: anchor.kind,
          anchor: index,
          ok: false,
          reason: `no ${anchor.kind} validator is available`,
        };
      try {
        return {
          kind: anchor.kind,
          anchor: index,
          ...(await validator.verify(subject, anchor as never)),
        };
      } catch (error) {
        return { kind: anchor.kind, anchor: index, ok: false, reason: (error as Error).message };
      }
    }),
  );
  const passed = verdicts.filter((v) => v.ok);
  const ok = passed.length >= policy.threshold;
  const reason = ok
    ? `verified by trust policy "${policy.name}": ${passed.map((v) => `${v.kind} ${v.signer ?? ''}`.trim()).join(', ')}`
    : `signature verification failed under trust policy "${policy.name}"` +
      (policy.threshold > 1
        ? ` (${passed.length} of the ${policy.threshold} required anchors verified)`
        : '') +
      `: ${verdicts
        .filter((v) => !v.ok)
        .map((v) => `${v.kind}: ${v.reason}`)
        .join('; ')}`;
  return { ok, policy: policy.name, verdicts, reason };
}
