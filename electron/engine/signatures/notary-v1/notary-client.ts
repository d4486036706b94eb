import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import { RoleNotFoundError, type FetchRole, type RoleName } from './fetch-role.js';

export interface NotaryClientOptions {
  /** The trust server, e.g. `https://notary.docker.io` or `https://127.0.0.1:4443`. */
  server: string;
  /** PEM CA certificate(s) for a self-hosted server, trusted on top of Node's CA list. */
  ca?: string;
  /** Per file, from connecting to the last byte. */
  timeoutMs?: number;
  /** An `Authorization` header value, for servers behind token auth. */
  authorization?: string;
}

const DEFAULT_TIMEOUT_MS = 15_000;
// Docker repository names: host[:port] then path components; never "." or ".." (path traversal).
const GUN = /^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[A-Za-z0-9._:-]+(?:\/[A-Za-z0-9._-]+)*$/;
const ROLE = /^(?:root|timestamp|snapshot|targets(?:\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*)$/;

/**
 * Fetches one repository's TUF files from a Notary server, `GET {server}/v2/{gun}/_trust/tuf/{role}.json`.
 * Throws RoleNotFoundError for a 404, an Error saying what went wrong otherwise; the bytes are
 * untrusted and checked by the trust resolver.
 */
export function notaryRoleFetcher(options: NotaryClientOptions, gun: string): FetchRole {
  const server = new URL(options.server);
  if (server.protocol !== 'https:')
    throw new Error(`the trust server must be an https:// URL, not ${options.server}`);
  if (!GUN.test(gun)) throw new Error(`"${gun}" is not a repository name (GUN)`);
  const base = `${server.origin}${server.pathname.replace(/\/+$/, '')}/v2/${gun}/_trust/tuf/`;
  const ca = options.ca === undefined ? undefined : [...rootCertificates, options.ca];
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  return async (role: RoleName, maxBytes: number) => {
    if (!ROLE.test(role)) throw new Error(`"${role}" is not a TUF role name`);
    const file = `${role}.json`;
    const signal = AbortSignal.timeout(timeoutMs);
    const headers = {
      accept: 'application/json',
      ...(options.authorization && { authorization: options.authorization }),
    };
    try {
      const res = await new Promise<IncomingMessage>((resolve, reject) =>
        request(new URL(file, base), { headers, signal, ...(ca && { ca }) }, resolve)
          .on('error', reject)
          .end(),
      );
      return await readBody(res, file, role, maxBytes);
    } catch (error) {
      if (signal.aborted)
        throw new Error(`the trust server did not deliver ${file} within ${timeoutMs} ms`, {
          cause: error,
        });
      throw error;
    }
  };
}

async function readBody(
  res: IncomingMessage,
  file: string,
  role: RoleName,
  maxBytes: number,
): Promise<Buffer> {
  const status = res.statusCode ?? 0;
  if (status !== 200) {
    res.destroy();
    if (status === 404) throw new RoleNotFoundError(role);
    if (status === 401 || status === 403)
      throw new Error(`the trust server refused ${file} (HTTP ${status}): it needs credentials`);
    throw new Error(`the trust server answered HTTP ${status} for ${file}`);
  }
  const tooBig = new Error(
    `the trust server sent more than the ${maxBytes} bytes accepted for ${file}`,
  );
  if (Number(res.headers['content-length']) > maxBytes) {
    res.destroy();
    throw tooBig;
  }
  const cutShort = `the trust server closed the connection before ${file} was complete`;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    // Leaving the loop early destroys the response, so an oversized body is never read in full.
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) break;
      chunks.push(chunk);
    }
  } catch (error) {
    throw new Error(cutShort, { cause: error });
  }
  if (size > maxBytes) throw tooBig;
  if (!res.complete) throw new Error(cutShort);
  return Buffer.concat(chunks);
}
