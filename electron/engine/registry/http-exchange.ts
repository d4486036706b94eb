import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { RegistryError, type RegistryLocation } from './registry-error.js';

export interface ExchangeRequest {
  url: URL;
  method?: 'GET' | 'POST';
  headers: Readonly<Record<string, string>>;
  /** A form body, for token requests. */
  body?: string;
  /** PEM CA certificates for https, replacing Node's list (callers add rootCertificates). */
  ca?: readonly string[] | undefined;
  /** For the whole exchange: connecting, redirects and the last byte of the body. */
  timeoutMs: number;
  /** The most a successful body may have; more is a `too-large` error. */
  maxBytes: number;
  /** Registries redirect blob downloads to storage; only http(s) targets are followed. */
  followRedirects?: boolean;
}

export interface ExchangeResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Complete for 2xx; for other statuses at most the first 64 KiB (error details). */
  body: Buffer;
}

const MAX_REDIRECTS = 5;
const ERROR_BODY_BYTES = 64 * 1024;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * One HTTP exchange with a registry or its token service. Throws RegistryError for network
 * failures, timeouts, oversized bodies and bad redirects; any HTTP status is returned.
 * `what` names the thing fetched in messages, e.g. `manifest "v1"`.
 */
export async function exchange(
  req: ExchangeRequest,
  location: RegistryLocation,
  what: string,
): Promise<ExchangeResponse> {
  const signal = AbortSignal.timeout(req.timeoutMs);
  let url = req.url;
  let headers = req.headers;
  try {
    for (let redirects = 0; ; redirects++) {
      const res = await send(url, { ...req, headers }, signal);
      const status = res.statusCode ?? 0;
      const target = res.headers.location;
      if (!(req.followRedirects && REDIRECTS.has(status) && target)) {
        const ok = status >= 200 && status < 300;
        const body = await readBody(res, ok ? req.maxBytes : ERROR_BODY_BYTES, ok);
        if (body === undefined)
          throw new RegistryError(
            'too-large',
            location,
            `${what} is larger than the ${req.maxBytes} bytes accepted`,
          );
        return { status, headers: res.headers, body };
      }
      res.resume();
      if (redirects === MAX_REDIRECTS)
        throw new RegistryError(
          'invalid-response',
          location,
          `${what}: more than ${MAX_REDIRECTS} redirects`,
        );
      const next = URL.parse(target, url.href);
      if (next === null || (next.protocol !== 'https:' && next.protocol !== 'http:'))
        throw new RegistryError(
          'invalid-response',
          location,
          `${what}: redirected to something that is not an http(s) URL`,
        );
      // Registry credentials are for the registry, never for the storage it redirects to.
      if (next.origin !== url.origin)
        headers = Object.fromEntries(
          Object.entries(headers).filter(([name]) => name !== 'authorization'),
        );
      url = next;
    }
  } catch (error) {
    if (error instanceof RegistryError) throw error;
    const problem = signal.aborted
      ? `no complete answer for ${what} from ${url.host} within ${req.timeoutMs} ms`
      : `could not fetch ${what} from ${url.host}: ${describe(error)}`;
    throw new RegistryError('unreachable', location, problem, { cause: error });
  }
}

function send(url: URL, req: ExchangeRequest, signal: AbortSignal): Promise<IncomingMessage> {
  const options = {
    method: req.method ?? 'GET',
    headers: req.headers,
    signal,
    ...(req.ca && { ca: [...req.ca] }),
  };
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    request(url, options, resolve).on('error', reject).end(req.body);
  });
}

/** The body, or undefined if it is longer than maxBytes and `strict`; else truncated there. */
async function readBody(
  res: IncomingMessage,
  maxBytes: number,
  strict: boolean,
): Promise<Buffer | undefined> {
  if (strict && Number(res.headers['content-length']) > maxBytes) {
    res.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early destroys the response, so an oversized body is never read in full.
  for await (const chunk of res as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > maxBytes) break;
  }
  if (size > maxBytes) {
    if (strict) return undefined;
    return Buffer.concat(chunks).subarray(0, maxBytes);
  }
  if (!res.complete) throw new Error('the connection closed before the body was complete');
  return Buffer.concat(chunks);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code)
    ? `${error.message} (${code})`
    : error.message;
}
