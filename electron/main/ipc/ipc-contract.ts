import type { ApiChannel } from '../../../shared/api/channel-map.js';
import type { ApiResult } from '../../../shared/api/channels.js';
import type { ApiErrorCode } from '../../engine/api/api-handlers.js';

/**
 * The wire between the preload and the main process. Both sides import this module; it has
 * no runtime imports, so the sandboxed preload bundle stays small (shared/api/channels.ts
 * would pull zod into every renderer process). Channel and event names are the shared
 * channel map's (shared/api/channel-map.ts), which has no runtime imports either.
 *
 * - One `ipcMain.handle` channel per API channel: `gatehouse:api:<channel>`, the request as
 *   the only argument, answered `{result}` or `{error}` (never a thrown error, which
 *   Electron would flatten into a message).
 * - Events travel on one channel, `gatehouse:event`, as `(name, data)`.
 */
export const API_INVOKE_PREFIX = 'gatehouse:api:';
export const EVENT_CHANNEL = 'gatehouse:event';

export function invokeChannelOf(channel: ApiChannel): string {
  return `${API_INVOKE_PREFIX}${channel}`;
}

/** The engine's error codes, plus the IPC layer's own refusal of an untrusted sender. */
export type IpcErrorCode = ApiErrorCode | 'forbidden';

export interface IpcFailure {
  code: IpcErrorCode;
  message: string;
  problems: string[];
}

export type IpcReply<K extends ApiChannel = ApiChannel> =
  { result: ApiResult<K> } | { error: IpcFailure };
