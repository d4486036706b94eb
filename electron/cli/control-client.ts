import { request } from 'node:http';
import type { ApiChannel, ApiRequest, ApiResult } from '../../shared/api/channels.js';

export class ControlError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly problems: string[],
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

/** Thrown when no engine listens on the control socket, so the CLI works on the store itself. */
export class NoEngineError extends Error {}

/** Calls the running engine's API over its control socket. */
export function callEngine<K extends ApiChannel>(
  socketPath: string,
  channel: K,
  body: ApiRequest<K>,
  timeoutMs = 120_000,
): Promise<ApiResult<K>> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        path: `/api/${channel}`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            const reply = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
              result?: ApiResult<K>;
              error?: { code: string; message: string; problems?: string[] };
            };
            if (reply.error)
              reject(
                new ControlError(reply.error.code, reply.error.message, reply.error.problems ?? []),
              );
            else resolve(reply.result as ApiResult<K>);
          } catch {
            reject(
              new Error(`the engine on ${socketPath} answered with something that is not JSON`),
            );
          }
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
