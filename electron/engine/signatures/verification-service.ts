import type { TrustPolicy } from '../../../shared/api/trust-schemas.js';
import type { Digest } from '../../../shared/digest.js';
import type { ImageReference } from '../../../shared/image-reference.js';
import type { RegistryClient } from '../registry/registry-client.js';
import {
  verifyWithPolicy,
  type PolicyVerdict,
  type ValidatorRegistry,
} from './signature-validator.js';

/**
 * Runs verifications: concurrent starts of one image verify once, and a failure is
 * remembered briefly (a storm of one bad image does not hammer the registry), until the
 * trust policies change.
 */
export class VerificationService {
  readonly #inFlight = new Map<string, Promise<PolicyVerdict>>();
  readonly #failures = new Map<string, { verdict: PolicyVerdict; until: number }>();

  constructor(
    private readonly registry: RegistryClient,
    private readonly validators: ValidatorRegistry,
    private readonly failureTtlMs = 30_000,
  ) {}

  verify(policy: TrustPolicy, reference: ImageReference, digest: Digest): Promise<PolicyVerdict> {
    // The tag matters to Notary v1 (it signs tags), so it is part of what is verified.
    const key = `${policy.name}|${reference.repository}|${reference.tag ?? ''}|${digest}`;
    const failed = this.#failures.get(key);
    if (failed && failed.until > Date.now()) return Promise.resolve(failed.verdict);
    let running = this.#inFlight.get(key);
    if (!running) {
      const subject = {
        reference,
        digest,
        repository: this.registry.repository(reference),
        now: new Date(),
      };
      running = verifyWithPolicy(policy, subject, this.validators).then((verdict) => {
        if (!verdict.ok)
          this.#failures.set(key, { verdict, until: Date.now() + this.failureTtlMs });
        return verdict;
      });
      this.#inFlight.set(key, running);
      void running.finally(() => this.#inFlight.delete(key));
    }
    return running;
  }

  /** Called when the trust policies change: every remembered failure may be stale. */
  forgetFailures(): void {
    this.#failures.clear();
  }
}
