import type { Instance } from '../../../shared/api/instance-schemas.js';
import type { TrustPolicy } from '../../../shared/api/trust-schemas.js';
import type { Digest } from '../../../shared/digest.js';
import type { ImageReference } from '../../../shared/image-reference.js';
import { dockerConfigCredentials, type CredentialSource } from '../registry/docker-credentials.js';
import { RegistryClient, type RegistryClientOptions } from '../registry/registry-client.js';
import {
  verifyWithPolicy,
  type PolicyVerdict,
  type ValidatorRegistry,
} from '../signatures/signature-validator.js';

type Credentials = NonNullable<Instance['credentials']>;

/** The instance's own credentials for its registry; Docker's for any other host. */
export function instanceCredentialSource(
  registry: string,
  credentials: Credentials,
  fallback: CredentialSource,
): CredentialSource {
  return async (host) =>
    host === registry
      ? { kind: 'basic', username: credentials.username, password: credentials.password }
      : fallback(host);
}

export interface TagVerifier {
  resolveTag(reference: ImageReference): Promise<string>;
  verify(policy: TrustPolicy, reference: ImageReference, digest: Digest): Promise<PolicyVerdict>;
}

/**
 * Resolving and verifying a tag with an instance's registry credentials: a registry client of
 * its own (the engine's shared one, with Docker's credentials, serves instances without).
 */
export function verifierWithCredentials(
  options: RegistryClientOptions,
  validators: ValidatorRegistry,
  reference: ImageReference,
  credentials: Credentials,
): TagVerifier {
  const client = new RegistryClient({
    ...options,
    credentials: instanceCredentialSource(
      reference.registry,
      credentials,
      options.credentials ?? dockerConfigCredentials(),
    ),
  });
  return {
    resolveTag: (ref) => client.repository(ref).resolveTag(ref.tag ?? 'latest'),
    verify: (policy, ref, digest) =>
      verifyWithPolicy(
        policy,
        { reference: ref, digest, repository: client.repository(ref), now: new Date() },
        validators,
      ),
  };
}
