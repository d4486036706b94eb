import { createHash } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { isDigest, type Digest } from '../../../shared/digest.js';
import { isTag, type ImageReference } from '../../../shared/image-reference.js';
import { dockerConfigCredentials, type CredentialSource } from './docker-credentials.js';
import { exchange, type ExchangeRequest, type ExchangeResponse } from './http-exchange.js';
import {
  MANIFEST_ACCEPT,
  MEDIA_TYPE,
  parseManifest,
  type Descriptor,
  type ParsedManifest,
} from './oci-manifest.js';
import { RegistryAuth, type Authorization, type AuthTarget } from './registry-auth.js';
import { registryEndpoint } from './registry-endpoint.js';
import { RegistryError, type RegistryLocation } from './registry-error.js';

export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_BLOB_BYTES = 16 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 15_000;
// Registries may page referrers; signatures of one image never need more.
const MAX_REFERRER_PAGES = 10;

export interface RegistryClientOptions {
  /**
   * Registries (`host[:port]` as in image references) spoken to over plain HTTP, like
   * dockerd's `insecure-registries`. Loopback (`localhost`, 127.0.0.0/8, `[::1]`) always is.
   */
  insecureRegistries?: readonly string[];
  /** PEM CA certificates trusted for every registry, on top of Node's list. */
  ca?: string;
  /** PEM CA certificates per registry (`host[:port]`), on top of Node's list and `ca`. */
  registryCa?: Readonly<Record<string, string>>;
  /** Per HTTP request, from connecting to the last byte, redirects included. Default 15 s. */
  timeoutMs?: number;
  /** Default: the Docker CLI's `config.json` and credential helpers. */
  credentials?: CredentialSource;
}

/** A manifest as fetched: its exact bytes, their digest, and the validated content. */
export type FetchedManifest = ParsedManifest & { digest: Digest; bytes: Uint8Array };

export interface Referrers {
  /** Manifests whose `subject` is the image, filtered by artifact type when one was asked for. */
  descriptors: Descriptor[];
  /** The OCI 1.1 referrers API, or the `sha256-<hex>` tag registries without it carry. */
  source: 'referrers-api' | 'referrers-tag';
}

/** Reads one repository. Every answer is checked: sizes, digests and JSON shapes. */
export interface RepositoryClient {
  readonly location: RegistryLocation;
  /** By tag or digest; by digest the bytes must hash to it. */
  getManifest(reference: string): Promise<FetchedManifest>;
  /** A manifest by tag, or undefined if there is no such tag (as for an unsigned image's `.sig` tag). */
  getTag(tag: string): Promise<FetchedManifest | undefined>;
  /** The digest a tag points at, computed from the manifest bytes (so a GET, not a HEAD). */
  resolveTag(tag: string): Promise<Digest>;
  /** A blob by a descriptor's digest (sha256 only), verified; default limit 16 MiB. */
  getBlob(digest: string, maxBytes?: number): Promise<Uint8Array>;
  getReferrers(digest: Digest, artifactType?: string): Promise<Referrers>;
}

/** Fetches manifests, blobs and referrers with pull access; shares tokens across repositories. */
export class RegistryClient {
  readonly #options: RegistryClientOptions;
  readonly #auth: RegistryAuth;

  constructor(options: RegistryClientOptions = {}) {
    this.#options = options;
    this.#auth = new RegistryAuth(options.credentials ?? dockerConfigCredentials());
  }

  repository(image: Pick<ImageReference, 'registry' | 'path'>): RepositoryClient {
    const { registry, path } = image;
    const { base, plainHttp } = registryEndpoint(registry, this.#options.insecureRegistries ?? []);
    const extraCa = [this.#options.ca, this.#options.registryCa?.[registry]].filter(
      (pem) => pem !== undefined,
    );
    const connection: Connection = {
      location: { registry, repository: path },
      base: `${base}${path}/`,
      plainHttp,
      ca: extraCa.length === 0 ? undefined : [...rootCertificates, ...extraCa],
      timeoutMs: this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      auth: this.#auth,
    };
    return new Repository(connection);
  }
}

interface Connection {
  location: RegistryLocation;
  /** `https://host/v2/path/` */
  base: string;
  plainHttp: boolean;
  ca: string[] | undefined;
  timeoutMs: number;
  auth: RegistryAuth;
}

class Repository implements RepositoryClient {
  readonly location: RegistryLocation;
  readonly #connection: Connection;

  constructor(connection: Connection) {
    this.#connection = connection;
    this.location = connection.location;
  }

  async getManifest(reference: string): Promise<FetchedManifest> {
    const byDigest = isDigest(reference);
    if (!byDigest && !isTag(reference))
      throw new TypeError(`${JSON.stringify(reference)} is neither a tag nor a sha256 digest`);
    const what = byDigest ? `manifest ${reference}` : `tag "${reference}"`;
    const res = await this.#get(new URL(`manifests/${reference}`, this.#connection.base), what, {
      accept: MANIFEST_ACCEPT,
      maxBytes: MAX_MANIFEST_BYTES,
    });
    this.#expectOk(res, what);
    const digest = sha256(res.body);
    if (byDigest && digest !== reference)
      throw new RegistryError(
        'digest-mismatch',
        this.location,
        `${what}: the registry sent content whose digest is ${digest}`,
      );
    const claimed = res.headers['docker-content-digest'];
    if (typeof claimed === 'string' && claimed.startsWith('sha256:') && claimed !== digest)
      throw new RegistryError(
        'digest-mismatch',
        this.location,
        `${what}: labelled ${claimed.slice(0, 71)} but the content's digest is ${digest}`,
      );
    try {
      return { ...parseManifest(res.body, res.headers['content-type']), digest, bytes: res.body };
    } catch (error) {
      throw new RegistryError('invalid-response', this.location, `${what}: ${messageOf(error)}`);
    }
  }

  async getTag(tag: string): Promise<FetchedManifest | undefined> {
    if (!isTag(tag)) throw new TypeError(`${JSON.stringify(tag)} is not a tag`);
    try {
      return await this.getManifest(tag);
    } catch (error) {
      if (error instanceof RegistryError && error.kind === 'not-found') return undefined;
      throw error;
    }
  }

  async resolveTag(tag: string): Promise<Digest> {
    if (!isTag(tag)) throw new TypeError(`${JSON.stringify(tag)} is not a tag`);
    return (await this.getManifest(tag)).digest;
  }

  async getBlob(digest: string, maxBytes = DEFAULT_MAX_BLOB_BYTES): Promise<Uint8Array> {
    if (!isDigest(digest)) throw new TypeError(`${JSON.stringify(digest)} is not a sha256 digest`);
    const what = `blob ${digest}`;
    const res = await this.#get(new URL(`blobs/${digest}`, this.#connection.base), what, {
      maxBytes,
      followRedirects: true,
    });
    this.#expectOk(res, what);
    const actual = sha256(res.body);
    if (actual !== digest)
      throw new RegistryError(
        'digest-mismatch',
        this.location,
        `${what}: the registry sent content whose digest is ${actual}`,
      );
    return res.body;
  }

  async getReferrers(digest: Digest, artifactType?: string): Promise<Referrers> {
    if (!isDigest(digest)) throw new TypeError(`${JSON.stringify(digest)} is not a sha256 digest`);
    const wanted = (d: Descriptor) => artifactType === undefined || d.artifactType === artifactType;
    const what = `the referrers of ${digest}`;
    let url = new URL(`referrers/${digest}`, this.#connection.base);
    if (artifactType !== undefined) url.searchParams.set('artifactType', artifactType);
    const descriptors: Descriptor[] = [];

    for (let page = 1; ; page++) {
      const res = await this.#get(url, what, {
        accept: MEDIA_TYPE.ociIndex,
        maxBytes: MAX_MANIFEST_BYTES,
      });
      // A registry with the API never answers 404 (OCI distribution spec 1.1); others do.
      if (res.status === 404 && page === 1) return this.#referrersFromTag(digest, wanted);
      this.#expectOk(res, what);
      let parsed: ParsedManifest;
      try {
        parsed = parseManifest(res.body, res.headers['content-type']);
      } catch (error) {
        throw new RegistryError('invalid-response', this.location, `${what}: ${messageOf(error)}`);
      }
      if (parsed.kind !== 'index')
        throw new RegistryError('invalid-response', this.location, `${what}: not an image index`);
      // The registry may ignore the artifactType filter: apply it here too.
      descriptors.push(...parsed.index.manifests.filter(wanted));

      const next = nextPage(res.headers['link'], url);
      if (next === undefined) return { descriptors, source: 'referrers-api' };
      if (next.origin !== url.origin)
        throw new RegistryError(
          'invalid-response',
          this.location,
          `${what}: a page link to another host`,
        );
      if (page === MAX_REFERRER_PAGES)
        throw new RegistryError(
          'too-large',
          this.location,
          `${what}: more than ${MAX_REFERRER_PAGES} pages`,
        );
      url = next;
    }
  }

  async #referrersFromTag(digest: Digest, wanted: (d: Descriptor) => boolean): Promise<Referrers> {
    const tag = `sha256-${digest.slice('sha256:'.length)}`;
    const manifest = await this.getTag(tag);
    if (manifest === undefined) return { descriptors: [], source: 'referrers-tag' };
    if (manifest.kind !== 'index')
      throw new RegistryError(
        'invalid-response',
        this.location,
        `tag "${tag}" is not an image index`,
      );
    return { descriptors: manifest.index.manifests.filter(wanted), source: 'referrers-tag' };
  }

  /** A GET with the challenge flow: at most one retry, with a fresh answer to the challenge. */
  async #get(
    url: URL,
    what: string,
    options: { accept?: string; maxBytes: number; followRedirects?: boolean },
  ): Promise<ExchangeResponse> {
    const { location, auth } = this.#connection;
    const target: AuthTarget = {
      location,
      scope: `repository:${location.repository}:pull`,
      plainHttp: this.#connection.plainHttp,
      send: (req, reqWhat) => this.#send(req, reqWhat),
    };
    let authorization = auth.cached(location.registry, target.scope);
    for (let retried = false; ; retried = true) {
      const res = await this.#send(
        {
          url,
          headers: {
            ...(options.accept !== undefined && { accept: options.accept }),
            ...(authorization !== undefined && { authorization: authorization.header }),
          },
          maxBytes: options.maxBytes,
          ...(options.followRedirects !== undefined && {
            followRedirects: options.followRedirects,
          }),
        },
        what,
      );
      if (res.status !== 401) return res;
      if (retried) throw this.#refused(res, what, authorization);
      authorization = await auth.answer(res.headers['www-authenticate'], target, authorization);
    }
  }

  #send(
    req: Pick<
      ExchangeRequest,
      'url' | 'method' | 'headers' | 'body' | 'maxBytes' | 'followRedirects'
    >,
    what: string,
  ): Promise<ExchangeResponse> {
    return exchange(
      { ...req, ca: this.#connection.ca, timeoutMs: this.#connection.timeoutMs },
      this.location,
      what,
    );
  }

  /** `authorization` is what was sent, when the refusal came after the challenge flow. */
  #refused(res: ExchangeResponse, what: string, authorization?: Authorization) {
    const how =
      authorization === undefined
        ? ''
        : authorization.withCredentials
          ? ` with the credentials for ${this.location.registry}`
          : ` without credentials (none found for ${this.location.registry}; the repository may not exist or may need docker login)`;
    return new RegistryError(
      'unauthorized',
      this.location,
      `access to ${what} denied${how} (HTTP ${res.status}${errorCode(res)})`,
    );
  }

  #expectOk(res: ExchangeResponse, what: string): void {
    const { status } = res;
    if (status === 200) return;
    const detail = `HTTP ${status}${errorCode(res)}`;
    if (status === 404)
      throw new RegistryError('not-found', this.location, `${what} not found (${detail})`);
    if (status === 403) throw this.#refused(res, what);
    throw new RegistryError(
      status === 429 || status >= 500 ? 'unreachable' : 'invalid-response',
      this.location,
      `${what}: the registry answered ${detail}`,
    );
  }
}

function sha256(bytes: Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The first error code of a distribution error body (`{"errors":[{"code":"MANIFEST_UNKNOWN"}]}`). */
function errorCode(res: ExchangeResponse): string {
  try {
    const code: unknown = JSON.parse(res.body.toString('utf8')).errors[0].code;
    return typeof code === 'string' && /^[A-Z_]{1,64}$/.test(code) ? ` ${code}` : '';
  } catch {
    return '';
  }
}

/** The `rel="next"` target of a Link header (RFC 8288), resolved against the request URL. */
function nextPage(link: string | string[] | undefined, base: URL): URL | undefined {
  const text = Array.isArray(link) ? link.join(', ') : (link ?? '');
  const target = /<([^>]*)>\s*;[^,]*\brel="?next"?/.exec(text)?.[1];
  return target === undefined ? undefined : (URL.parse(target, base.href) ?? undefined);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
