import { channelOfRoute, EVENTS_ROUTE } from '../../../shared/api/channel-map.js';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import {
  forwardEngineEvents,
  type ApiEventMessage,
  type EngineEventSource,
} from '../api/api-events.js';
import { ApiError, dispatch, type ApiHandlers } from '../api/api-handlers.js';
import { assertSafeControlSocket } from './control-socket.js';

const MAX_BODY_BYTES = 6 * 1024 * 1024;

/**
 * A daemon starting on the folder asks the engine that holds it to hand over (POST): the
 * desktop app's engine agrees (202) and becomes the daemon's face; an engine that does not
 * hand over answers 409.
 */
export const HANDOVER_PATH = '/handover';

export interface ControlServerOptions {
  /** The engine's events, streamed on `GET /events`. */
  events?: EngineEventSource;
  /** Called once a handover was accepted and answered: release the folder, then attach. */
  onHandover?: () => void;
}

/**
 * The control socket: the typed API as HTTP over a unix socket (a named pipe on Windows) that
 * only the owner can open, so the CLI's changes go through the one running engine.
 * `POST /api/<channel>` with a JSON body answers `{result}` or `{error: {code, message, problems}}`;
 * `GET /events` streams the engine's events (the desktop app attached to a daemon listens there);
 * `POST /handover` asks the engine to make way for a daemon.
 */
export async function startControlServer(
  path: string,
  handlers: ApiHandlers,
  options: ControlServerOptions = {},
): Promise<Server> {
  assertSafeControlSocket(path); // before anything there is connected to, removed or bound
  await removeStaleSocket(path);
  const { events, onHandover } = options;
  const server = createServer((req, res) => {
    if (events && req.method === 'GET' && req.url === EVENTS_ROUTE) streamEvents(events, res);
    else if (req.method === 'POST' && req.url === HANDOVER_PATH) {
      req.resume();
      if (!onHandover) return reply(res, 409, { handingOver: false });
      // Answered first: the caller must not see the socket close under its request.
      res.on('finish', onHandover);
      reply(res, 202, { handingOver: true });
    } else void handle(handlers, req, res);
  });
  const umask = process.umask(0o177); // the socket is created owner-only, with no window
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  } finally {
    process.umask(umask);
  }
  if (process.platform !== 'win32') chmodSync(path, 0o600);
  return server;
}

async function handle(
  handlers: ApiHandlers,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const channel = channelOfRoute(req.url ?? '');
  try {
    if (req.method !== 'POST' || channel === undefined)
      throw new ApiError(
        'unknown-channel',
        `expected POST /api/<channel>, got ${req.method} ${req.url}`,
      );
    const body = await readJson(req);
    const result = await dispatch(handlers, channel, body);
    reply(res, 200, { result: result ?? null });
  } catch (error) {
    const e = error instanceof ApiError ? error : new ApiError('failed', (error as Error).message);
    const status = e.code === 'failed' ? 500 : e.code === 'unknown-channel' ? 404 : 400;
    reply(res, status, { error: { code: e.code, message: e.message, problems: e.problems } });
  }
}

function streamEvents(events: EngineEventSource, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  res.flushHeaders();
  const unsubscribe = forwardEngineEvents(events, (event, data) => {
    // A listener this far behind has stopped reading: drop it rather than buffer for it.
    if (res.writableLength > MAX_BODY_BYTES) res.destroy();
    else res.write(`${JSON.stringify({ event, data } as ApiEventMessage)}\n`);
  });
  res.on('close', unsubscribe);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new ApiError('invalid-request', 'request body is larger than 6 MB');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError('invalid-request', 'request body is not JSON');
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A socket file left by an engine that died is removed; a live one is an error. */
async function removeStaleSocket(path: string): Promise<void> {
  if (process.platform === 'win32' || !existsSync(path)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`another Gatehouse engine already listens on ${path}`);
  unlinkSync(path);
}
