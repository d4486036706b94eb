/**
 * Browser mode: the renderer as a plain web page on 127.0.0.1, talking to the engine over HTTP
 * and a WebSocket (`gatehouse daemon --ui [port]`; a workstation without a desktop, or an SSH
 * tunnel that forwards the same port number: `ssh -L PORT:127.0.0.1:PORT host`).
 *
 * The protocol, for the renderer's API module:
 *
 * - The daemon prints `http://127.0.0.1:PORT/#token=TOKEN`. TOKEN is 43 base64url characters,
 *   new for every run. The fragment never reaches a server or a log: the page moves it to
 *   sessionStorage and takes it out of the address bar (history.replaceState).
 * - Calls: `POST /api/<channel>` (a channel of shared/api/channels.ts) with the headers
 *   `Authorization: Bearer TOKEN` and `Content-Type: application/json` and the request as the
 *   JSON body (at most 6 MB; empty means `{}`). The answer is JSON, as on the control socket:
 *   200 `{"result": ApiResult<K>}`, or `{"error": {"code", "message", "problems": string[]}}`
 *   with 400 `invalid-request` (problems name the fields), 404 `unknown-channel`, 500
 *   `failed`, 401 `unauthorized` (no or wrong token: ask for the link again), 403 `forbidden`
 *   (foreign Host or Origin), and `invalid-request` for 405 (not POST), 413 (too large) and
 *   415 (not application/json).
 * - Events: `new WebSocket('ws://' + location.host + '/events',
 *   ['gatehouse.v1', 'gatehouse.token.' + TOKEN])`. The token travels as the second offered
 *   subprotocol, never in the URL; the server answers with `gatehouse.v1`. A refused handshake
 *   (401 no or wrong token, 400 `gatehouse.v1` not offered, 403 foreign Host or Origin) shows
 *   in the browser only as a failed connection. Each text frame is JSON
 *   `{"event": keyof ApiEvents, "data": ApiEvents[event]}` (BridgeEventMessage):
 *   `decision` (a DecisionRecord, always followed by `containers`), `connection` (a
 *   ConnectionState), `settings` and `containers` (data `{}`: refetch). Nothing is replayed
 *   on (re)connecting, so fetch the state once the socket is open. The server ignores frames.
 * - Static files need no token. Every answer carries the CSP of responses.ts.
 *
 * Requests whose Host is not `127.0.0.1:PORT` or `localhost:PORT` (DNS rebinding), or whose
 * Origin is not `http://` one of those (another site's script), are refused first.
 */
import { realpath } from 'node:fs/promises';
import { channelOfRoute, EVENTS_ROUTE } from '../../../shared/api/channel-map.js';
import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ApiHandlers } from '../api/api-handlers.js';
import {
  EVENTS_PROTOCOL,
  foreignRequest,
  newToken,
  subprotocolToken,
  tokenMatches,
} from './access-guard.js';
import { serveApi } from './api-route.js';
import type { EngineEventSource } from '../api/api-events.js';
import { EventBridge } from './event-bridge.js';
import { replyError, replyText } from './responses.js';
import { serveStatic } from './static-files.js';

export type { BridgeEventMessage } from './event-bridge.js';

export interface BrowserBridgeOptions {
  handlers: ApiHandlers;
  events: EngineEventSource;
  /** Default 0: a free port. */
  port?: number;
  /** The built renderer: index.html and its assets. */
  staticDir: string;
}

export interface BrowserBridge {
  /** `http://127.0.0.1:PORT/#token=TOKEN`: what the user opens. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export async function startBrowserBridge(options: BrowserBridgeOptions): Promise<BrowserBridge> {
  const root = await realpath(options.staticDir);
  const token = newToken();
  const server = createServer();
  const port = await listen(server, options.port ?? 0);
  const events = new EventBridge(options.events);

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const foreign = foreignRequest(req, port);
    if (foreign) return replyError(res, port, 403, { code: 'forbidden', message: foreign });
    const pathname = pathOf(req);
    if (pathname === undefined) return replyText(res, port, 400, 'bad request target');
    const channel = channelOfRoute(pathname);
    if (channel !== undefined)
      return serveApi(options.handlers, channel, req, res, {
        port,
        token,
      });
    return serveStatic(root, pathname, req, res, port);
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else replyText(res, port, 500, (error as Error).message);
    });
  });

  const handshakeRefusal = (req: IncomingMessage): number | undefined => {
    if (foreignRequest(req, port)) return 403;
    if (pathOf(req) !== EVENTS_ROUTE) return 404;
    if (!tokenMatches(subprotocolToken(req), token)) return 401;
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    return offered.includes(EVENTS_PROTOCOL) ? undefined : 400;
  };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const status = handshakeRefusal(req);
    if (status === undefined) return events.accept(req, socket, head);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    );
  });

  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    port,
    token,
    async close() {
      events.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Loopback only: the page and its token are for this machine (or an SSH tunnel to it). */
async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(new Error(`cannot serve the UI on 127.0.0.1:${port}: ${error.message}`)),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** The path of an origin-form request target (`/a/b?c`), already free of `.` and `..`. */
function pathOf(req: IncomingMessage): string | undefined {
  const target = req.url ?? '';
  if (!target.startsWith('/') || target.startsWith('//')) return undefined;
  return new URL(target, 'http://127.0.0.1').pathname;
}
