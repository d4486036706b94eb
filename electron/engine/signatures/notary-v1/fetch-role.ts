/** A TUF role name as Notary serves it: the four base roles or a delegation such as `targets/releases`. */
export type RoleName = 'root' | 'timestamp' | 'snapshot' | 'targets' | `targets/${string}`;

/**
 * Fetches `{role}.json` of one repository. `maxBytes` is the most the caller will accept (the
 * exact length when a signed file already lists it): a fetcher should stop reading beyond it.
 */
export type FetchRole = (role: RoleName, maxBytes: number) => Promise<Uint8Array>;

/** The server has no such metadata (HTTP 404): for root, the repository has no trust data at all. */
export class RoleNotFoundError extends Error {
  override name = 'RoleNotFoundError';

  constructor(readonly role: RoleName) {
    super(`the trust server has no ${role}.json`);
  }
}
