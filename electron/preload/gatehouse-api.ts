import type { IpcRenderer, IpcRendererEvent } from 'electron';
import type { ApiChannel, ApiEvents, ApiRequest, ApiResult } from '../../shared/api/channels.js';
import { isApiChannel, isApiEventName } from '../../shared/api/channel-map.js';
import { EVENT_CHANNEL, invokeChannelOf } from '../main/ipc/ipc-contract.js';

/** `window.gatehouse`, exactly as renderer/src/api/types.ts declares it. */
export interface GatehouseApi {
  call<K extends ApiChannel>(channel: K, request: ApiRequest<K>): Promise<ApiResult<K>>;
  on<E extends keyof ApiEvents>(event: E, listener: (data: ApiEvents[E]) => void): () => void;
}

/**
 * What `call` rejects with. A plain object on purpose: contextBridge copies an Error as a new
 * Error holding only its message, so `code` and `problems` would be lost on the way to the
 * page; a plain object's properties cross intact. (renderer/src/api/errors.ts turns it into
 * an ApiCallError.)
 */
export interface GatehouseCallError {
  name: 'GatehouseApiError';
  code: string;
  message: string;
  problems: string[];
}

export type IpcRendererLike = Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;

function callError(code: string, message: string, problems: readonly string[] = [message]) {
  const error: GatehouseCallError = {
    name: 'GatehouseApiError',
    code,
    message,
    problems: problems.length ? [...problems] : [message],
  };
  return error;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The main process's `{result}|{error}` answer: the result, or the rebuilt error thrown. */
export function unwrapReply(channel: string, reply: unknown): unknown {
  if (isRecord(reply) && 'result' in reply) return reply['result'];
  if (isRecord(reply) && isRecord(reply['error'])) {
    const e = reply['error'];
    const message = typeof e['message'] === 'string' ? e['message'] : `${channel} failed`;
    const code = typeof e['code'] === 'string' ? e['code'] : 'failed';
    const problems = Array.isArray(e['problems'])
      ? e['problems'].filter((p): p is string => typeof p === 'string')
      : [message];
    throw callError(code, message, problems);
  }
  throw callError('failed', `${channel}: the main process gave no answer`);
}

/**
 * Builds `window.gatehouse` on an ipcRenderer (Electron's, or a test's fake). Nothing of
 * ipcRenderer itself reaches the page: `call` only reaches the API's own channels, and event
 * listeners get the data, never Electron's event object (whose `sender` is ipcRenderer).
 */
export function buildGatehouseApi(ipc: IpcRendererLike): GatehouseApi {
  async function call(channel: string, request: unknown): Promise<unknown> {
    if (!isApiChannel(channel))
      throw callError('unknown-channel', `unknown API channel ${JSON.stringify(channel)}`);
    let reply: unknown;
    try {
      reply = await ipc.invoke(invokeChannelOf(channel), request ?? {});
    } catch (error) {
      // The request could not be sent (e.g. it holds something that cannot be cloned).
      throw callError('failed', error instanceof Error ? error.message : String(error));
    }
    return unwrapReply(channel, reply);
  }

  function on(event: string, listener: (data: never) => void): () => void {
    if (!isApiEventName(event)) throw new TypeError(`unknown event ${JSON.stringify(event)}`);
    if (typeof listener !== 'function') throw new TypeError('the listener must be a function');
    const forward = (_event: IpcRendererEvent, name: unknown, data: unknown) => {
      if (name === event) listener(data as never);
    };
    ipc.on(EVENT_CHANNEL, forward);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      ipc.removeListener(EVENT_CHANNEL, forward);
    };
  }

  return Object.freeze({ call, on }) as GatehouseApi;
}
