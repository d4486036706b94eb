/**
 * - `unreachable`: no complete answer (network, TLS, timeout), or a transient server failure
 *   (HTTP 429, 5xx); retrying later may help.
 * - `unauthorized`: the registry or its token service refused access, or credentials could
 *   not be obtained.
 * - `not-found`: the registry has no such manifest, tag or blob.
 * - `too-large`: the answer exceeds the limit for what was asked.
 * - `invalid-response`: an answer that breaks the protocol (bad JSON, unknown media type,
 *   unexpected status or redirect).
 * - `digest-mismatch`: content that does not hash to the digest it was fetched by or labelled with.
 */
export type RegistryErrorKind =
  | 'unreachable'
  | 'unauthorized'
  | 'not-found'
  | 'too-large'
  | 'invalid-response'
  | 'digest-mismatch';

/** The repository a request was about: named in every error. */
export interface RegistryLocation {
  /** As in the image reference, e.g. `docker.io`, `127.0.0.1:5000`. */
  readonly registry: string;
  /** The path inside the registry, e.g. `library/alpine`. */
  readonly repository: string;
}

/** Never carries credentials or tokens: messages name the registry, repository and problem only. */
export class RegistryError extends Error {
  override name = 'RegistryError';
  readonly registry: string;
  readonly repository: string;

  constructor(
    readonly kind: RegistryErrorKind,
    location: RegistryLocation,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(`${location.registry}/${location.repository}: ${problem}`, options);
    this.registry = location.registry;
    this.repository = location.repository;
  }
}
