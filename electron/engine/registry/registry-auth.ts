import { z } from 'zod';
import type { CredentialSource, RegistryCredentials } from './docker-credentials.js';
import type { ExchangeRequest, ExchangeResponse } from './http-exchange.js';
import { RegistryError, type RegistryLocation } from './registry-error.js';
import { parseChallenges, type AuthChallenge } from './www-authenticate.js';

/** An `Authorization` header value, and whether credentials went into it (for messages). */
export interface Authorization {
  header: string;
  withCredentials: boolean;
}

/** What a challenge is answered for. */
export interface AuthTarget {
  location: RegistryLocation;
  /** e.g. `repository:team/app:pull`. */
  scope: string;
  /** Plain-http registries may have a plain-http token service; others may not. */
  plainHttp: boolean;
  /** An exchange with this registry's TLS settings and timeout. */
  send: (
    req: Pick<ExchangeRequest, 'url' | 'method' | 'headers' | 'body' | 'maxBytes'>,
    what: string,
  ) => Promise<ExchangeResponse>;
}

const TOKEN_BYTES = 1024 * 1024;
// The distribution token spec: without expires_in a token lives 60 s.
const DEFAULT_TOKEN_SECONDS = 60;
const tokenResponse = z.object({
  token: z.string().optional(),
  access_token: z.string().optional(),
  expires_in: z.number().positive().optional(),
});
// Tokens go into a header as they are: anything else could smuggle in another header.
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/**
 * The registry challenge flow (distribution token authentication): a request is sent with
 * what is cached for its registry and scope; on a 401 the challenge is answered, with a
 * Bearer token from the realm or Basic credentials, and the request is sent again.
 * Tokens are cached per registry and scope until shortly before they expire.
 */
export class RegistryAuth {
  readonly #credentials: CredentialSource;
  readonly #tokens = new Map<string, { auth: Authorization; expiresAt: number }>();
  readonly #basic = new Map<string, Authorization>();
  readonly #pending = new Map<string, Promise<Authorization>>();

  constructor(credentials: CredentialSource) {
    this.#credentials = credentials;
  }

  /** What to send before any challenge: a live token for the scope, else Basic credentials. */
  cached(registry: string, scope: string): Authorization | undefined {
    const token = this.#tokens.get(`${registry} ${scope}`);
    if (token !== undefined && token.expiresAt > Date.now()) return token.auth;
    return this.#basic.get(registry);
  }

  /**
   * Answers a 401: returns the Authorization to send the request again with. `rejected` is
   * what the registry just refused; it is dropped from the cache and not offered again.
   */
  async answer(
    challenge: string | undefined,
    target: AuthTarget,
    rejected: Authorization | undefined,
  ): Promise<Authorization> {
    const { registry } = target.location;
    const key = `${registry} ${target.scope}`;
    if (rejected !== undefined) {
      if (this.#tokens.get(key)?.auth.header === rejected.header) this.#tokens.delete(key);
      if (this.#basic.get(registry)?.header === rejected.header) this.#basic.delete(registry);
    }
    // A concurrent request may have fetched a fresh token already.
    const fresh = this.cached(registry, target.scope);
    if (fresh !== undefined && fresh.header !== rejected?.header) return fresh;

    const challenges = parseChallenges(challenge ?? '');
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer !== undefined) {
      let pending = this.#pending.get(key);
      if (pending === undefined) {
        pending = this.#fetchToken(bearer, target).finally(() => this.#pending.delete(key));
        this.#pending.set(key, pending);
      }
      return pending;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      const credentials = await this.#credentialsFor(target.location);
      if (credentials?.kind !== 'basic')
        throw new RegistryError(
          'unauthorized',
          target.location,
          `the registry asks for a user name and password, and none for ${registry} were found`,
        );
      const auth = { header: basicHeader(credentials), withCredentials: true };
      this.#basic.set(registry, auth);
      return auth;
    }
    throw new RegistryError(
      'unauthorized',
      target.location,
      challenge === undefined
        ? 'the registry answered HTTP 401 without a WWW-Authenticate challenge'
        : `the registry asks for unsupported authentication (${challenges.map((c) => c.scheme).join(', ') || 'unreadable challenge'})`,
    );
  }

  async #fetchToken(challenge: AuthChallenge, target: AuthTarget): Promise<Authorization> {
    const { location } = target;
    const realm = URL.parse(challenge.params['realm'] ?? '');
    if (
      realm === null ||
      !(realm.protocol === 'https:' || (realm.protocol === 'http:' && target.plainHttp))
    )
      throw new RegistryError(
        'unauthorized',
        location,
        `the registry's token service (realm) is not an ${target.plainHttp ? 'http(s)' : 'https'} URL`,
      );
    const service = challenge.params['service'];
    const credentials = await this.#credentialsFor(location);
    const what = `a token from ${realm.host}`;
    const start = Date.now();

    let res: ExchangeResponse;
    if (credentials?.kind === 'identity-token') {
      // The OAuth refresh-token grant, as the Docker CLI uses identity tokens.
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: credentials.identityToken,
        client_id: 'gatehouse',
        scope: target.scope,
        ...(service !== undefined && { service }),
      });
      res = await target.send(
        {
          url: realm,
          method: 'POST',
          headers: {
            accept: 'application/json',
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: form.toString(),
          maxBytes: TOKEN_BYTES,
        },
        what,
      );
    } else {
      const url = new URL(realm);
      if (service !== undefined) url.searchParams.set('service', service);
      url.searchParams.append('scope', target.scope);
      res = await target.send(
        {
          url,
          headers: {
            accept: 'application/json',
            ...(credentials && { authorization: basicHeader(credentials) }),
          },
          maxBytes: TOKEN_BYTES,
        },
        what,
      );
    }

    const withCredentials = credentials !== undefined;
    if (res.status === 401 || res.status === 403)
      throw new RegistryError(
        'unauthorized',
        location,
        `the token service ${realm.host} refused ${withCredentials ? `the credentials for ${location.registry}` : 'anonymous access'} (HTTP ${res.status})`,
      );
    if (res.status !== 200)
      throw new RegistryError(
        res.status === 429 || res.status >= 500 ? 'unreachable' : 'invalid-response',
        location,
        `the token service ${realm.host} answered HTTP ${res.status}`,
      );
    let json: unknown;
    try {
      json = JSON.parse(res.body.toString('utf8'));
    } catch {
      json = undefined;
    }
    const parsed = tokenResponse.safeParse(json);
    const token = parsed.data?.token || parsed.data?.access_token;
    if (token === undefined || !HEADER_SAFE.test(token))
      throw new RegistryError(
        'invalid-response',
        location,
        `the token service ${realm.host} sent no usable token`,
      );
    const lifetimeMs = (parsed.data?.expires_in ?? DEFAULT_TOKEN_SECONDS) * 1000;
    // Renew a little early: the token must still be valid when the request arrives.
    const expiresAt = start + lifetimeMs - Math.min(10_000, lifetimeMs / 10);
    const auth = { header: `Bearer ${token}`, withCredentials };
    this.#tokens.set(`${location.registry} ${target.scope}`, { auth, expiresAt });
    return auth;
  }

  async #credentialsFor(location: RegistryLocation): Promise<RegistryCredentials | undefined> {
    try {
      return await this.#credentials(location.registry);
    } catch (error) {
      // No cause attached: a credential store's error might quote what it stores.
      throw new RegistryError(
        'unauthorized',
        location,
        `could not get the credentials for ${location.registry}: ${error instanceof Error ? error.message : 'unknown error'}`,
      );
    }
  }
}

function basicHeader(credentials: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}
