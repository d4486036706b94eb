import { request } from 'node:http';
import { z } from 'zod';
import type { ApiChannel, ApiRequest, ApiResult } from '../../../shared/api/channels.js';
import { EVENTS_ROUTE, routeOf } from '../../../shared/api/channel-map.js';
import { parseApiEventMessage, type ApiEventMessage } from '../api/api-events.js';
import { ApiError } from '../api/api-handlers.js';
import { HANDOVER_PATH } from './control-server.js';
import { assertSafeControlSocket } from './control-socket.js';

/** Thrown when no engine listens on the control socket, so the CLI works on the store itself. */
export class NoEngineError extends Error {}

const replySchema = z.union([
  z.object({ result: z.unknown() }),
  z.object({
    error: z.object({
      code: z.enum(['unknown-channel', 'invalid-request', 'failed']).catch('failed'),
      message: z.string(),
      problems: z.array(z.string()).optional(),
    }),
  }),
]);

/**
 * Calls the running engine's API over its control socket. The engine's refusals come back as
 * the ApiError it threw (code, message, problems), as if it had been called in-process.
 */
export function callEngine<K extends ApiChannel>(
  socketPath: string,
  channel: K,
  body: ApiRequest<K>,
  timeoutMs = 120_000,
): Promise<ApiResult<K>> {
  return new Promise((resolve, reject) => {
    assertSafeControlSocket(socketPath); // nothing is sent to a socket another user could own
    const req = request(
      {
        socketPath,
        path: routeOf(channel),
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // A fresh connection per call: a pooled one may belong to an engine that has stopped.
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let reply: z.infer<typeof replySchema>;
          try {
            reply = replySchema.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch {
            reject(new Error(`the engine on ${socketPath} answered with something unexpected`));
            return;
          }
          if ('error' in reply) {
            const { code, message, problems } = reply.error;
            reject(new ApiError(code, message, problems ?? [message]));
          } else resolve(reply.result as ApiResult<K>);
        });
      },
    );
    req.setTimeout(timeoutMs, () =>
      req.destroy(new Error(`the engine on ${socketPath} did not answer in time`)),
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED')
        reject(new NoEngineError(error.message));
      else reject(error);
    });
    req.end(JSON.stringify(body));
  });
}

export interface EventFollower {
  /** Ends the stream; no further callbacks. */
  close(): void;
}

/**
 * Listens to the running engine's events (`GET /events`): `onOpen` once the engine accepted,
 * `onEvent` per checked event (lines that are not one are skipped), `onEnd` once when the
 * stream is over for any reason (engine stopped, connection refused), with the reason.
 */
export function followEngineEvents(
  socketPath: string,
  handlers: {
    onOpen(): void;
    onEvent(message: ApiEventMessage): void;
    onEnd(reason: string): void;
  },
): EventFollower {
  let ended = false;
  const end = (reason: string) => {
    if (ended) return;
    ended = true;
    handlers.onEnd(reason);
  };
  try {
    assertSafeControlSocket(socketPath);
  } catch (error) {
    end((error as Error).message);
    return { close() {} };
  }
  const req = request({ socketPath, path: EVENTS_ROUTE, method: 'GET', agent: false }, (res) => {
    if (res.statusCode !== 200) {
      res.resume();
      end(`the engine on ${socketPath} refused its event stream (HTTP ${res.statusCode})`);
      return;
    }
    handlers.onOpen();
    let partial = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const message = parseApiEventMessage(line);
        if (message && !ended) handlers.onEvent(message);
      }
    });
    res.on('close', () => end(`the engine on ${socketPath} stopped`));
  });
  req.on('error', (error) => end(error.message));
  req.end();
  return {
    close() {
      ended = true;
      req.destroy();
    },
  };
}

/**
 * Asks the engine that holds the folder to make way (a daemon starting): `granted` when it
 * will release the folder and attach to us (the desktop app), `refused` when it does not hand
 * over (another daemon), `none` when no engine answers.
 */
export function requestHandover(socketPath: string): Promise<'granted' | 'refused' | 'none'> {
  return new Promise((resolve, reject) => {
    assertSafeControlSocket(socketPath);
    const req = request(
      { socketPath, path: HANDOVER_PATH, method: 'POST', agent: false },
      (res) => {
        res.resume();
        resolve(res.statusCode === 202 ? 'granted' : 'refused');
      },
    );
    req.setTimeout(10_000, () =>
      req.destroy(new Error(`the engine on ${socketPath} did not answer in time`)),
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') resolve('none');
      else reject(error);
    });
    req.end();
  });
}
