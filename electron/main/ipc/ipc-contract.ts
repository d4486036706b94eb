import type { ApiChannel, ApiEvents, ApiResult } from '../../../shared/api/channels.js';
import type { ApiErrorCode } from '../../engine/api/api-handlers.js';

/**
 * The wire between the preload and the main process. Both sides import this module; it has
 * no runtime imports, so the sandboxed preload bundle stays small (shared/api/channels.ts
 * would pull zod into every renderer process).
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

/**
 * Every API channel, checked against the shared channel map by the compiler: a channel added
 * to shared/api/channels.ts and missing here (or one here that is not there) fails the
 * type-check, and a unit test compares the two lists at run time.
 */
const CHANNELS = {
  'status.get': true,
  'allowlist.list': true,
  'allowlist.add': true,
  'allowlist.remove': true,
  'allowlist.import': true,
  'allowlist.export': true,
  'enforcement.set': true,
  'mode.set': true,
  'notifications.set': true,
  'check.run': true,
  'log.list': true,
  'trust.list': true,
  'trust.add': true,
  'trust.remove': true,
  'verify.run': true,
  'containers.list': true,
  'containers.approve': true,
  'containers.stop': true,
  'instance.list': true,
  'instance.add': true,
  'instance.enable': true,
  'instance.disable': true,
  'instance.remove': true,
  'instance.set-digest': true,
  'prevention.set': true,
  'approvals.list': true,
  'approvals.answer': true,
} as const satisfies Record<ApiChannel, true>;

const EVENTS = {
  decision: true,
  connection: true,
  settings: true,
  containers: true,
  approvals: true,
} as const satisfies Record<keyof ApiEvents, true>;

export const IPC_API_CHANNELS = Object.freeze(Object.keys(CHANNELS)) as readonly ApiChannel[];
export const IPC_EVENT_NAMES = Object.freeze(Object.keys(EVENTS)) as readonly (keyof ApiEvents)[];

export function isIpcApiChannel(value: unknown): value is ApiChannel {
  return typeof value === 'string' && Object.hasOwn(CHANNELS, value);
}

export function isIpcEventName(value: unknown): value is keyof ApiEvents {
  return typeof value === 'string' && Object.hasOwn(EVENTS, value);
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
