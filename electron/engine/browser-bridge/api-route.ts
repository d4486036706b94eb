import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, dispatch, type ApiHandlers } from '../api/api-handlers.js';
import { bearerToken, tokenMatches } from './access-guard.js';
import { replyError, replyJson } from './responses.js';

/** As on the control socket: an allowlist import is at most 5 MB, plus its JSON. */
export const MAX_BODY_BYTES = 6 * 1024 * 1024;

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** `POST /api/<channel>`: the token, then JSON, then the same `dispatch` as every face. */
export async function serveApi(
  handlers: ApiHandlers,
  channel: string,
  req: IncomingMessage,
  res: ServerResponse,
  bridge: { port: number; token: string },
): Promise<void> {
  const { port } = bridge;
  if (!tokenMatches(bearerToken(req), bridge.token))
    return replyError(
      res,
      port,
      401,
      { code: 'unauthorized', message: 'missing or wrong bearer token' },
      { 'www-authenticate': 'Bearer' },
    );
  if (req.method !== 'POST')
    return replyError(
      res,
      port,
      405,
      { code: 'invalid-request', message: `expected POST, got ${req.method}` },
      { allow: 'POST' },
    );
  let body: unknown;
  try {
    body = await readJson(req);
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    // The rest of an oversized body is not read: close instead of draining it.
    const { status, message } = error;
    return replyError(
      res,
      port,
      status,
      { code: 'invalid-request', message },
      { connection: 'close' },
    );
  }
  try {
    replyJson(res, port, 200, { result: (await dispatch(handlers, channel, body)) ?? null });
  } catch (error) {
    const e = error instanceof ApiError ? error : new ApiError('failed', (error as Error).message);
    const status = e.code === 'failed' ? 500 : e.code === 'unknown-channel' ? 404 : 400;
    replyError(res, port, status, e);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  // A JSON content type also means a foreign page cannot send this without a CORS preflight.
  if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? ''))
    throw new Refusal(415, 'the request body must be application/json');
  const tooLarge = new Refusal(413, 'request body is larger than 6 MB');
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw tooLarge;
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      req.pause();
      reject(tooLarge);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new Refusal(400, 'request body is not JSON');
  }
}
