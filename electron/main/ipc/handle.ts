import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { apiChannels, type ApiChannel, type ApiResult } from '../../../shared/api/channels.js';
import { ApiError, dispatch, type ApiHandlers } from '../../engine/api/api-handlers.js';
import { invokeChannelOf, type IpcFailure, type IpcReply } from './ipc-contract.js';

/** What the wrapper uses of ipcMain; tests pass a fake. */
export type IpcMainLike = Pick<IpcMain, 'handle' | 'removeHandler'>;

export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

export interface RegisterOptions {
  /** Told about every refused call (the composition root logs it). */
  onRefused?: (channel: ApiChannel, url: string | undefined) => void;
}

/**
 * The typed handle wrapper: one `ipcMain.handle` per channel of the shared channel map, each
 * checking the sender first (Electron security checklist, item 17), then validating and
 * running the request through `dispatch` — the same handlers and zod schemas the control
 * socket and browser mode use. Answers are always `{result}` or `{error}`: a thrown error
 * would reach the renderer as a bare message, losing `code` and `problems`.
 * Returns a function that removes the handlers.
 */
export function registerApiHandlers(
  ipcMain: IpcMainLike,
  handlers: ApiHandlers,
  isTrustedSender: SenderCheck,
  options: RegisterOptions = {},
): () => void {
  for (const channel of apiChannels)
    ipcMain.handle(invokeChannelOf(channel), (event, request: unknown) =>
      answerApiCall(handlers, channel, event, request, isTrustedSender, options),
    );
  return () => {
    for (const channel of apiChannels) ipcMain.removeHandler(invokeChannelOf(channel));
  };
}

export async function answerApiCall(
  handlers: ApiHandlers,
  channel: ApiChannel,
  event: IpcMainInvokeEvent,
  request: unknown,
  isTrustedSender: SenderCheck,
  options: RegisterOptions = {},
): Promise<IpcReply> {
  if (!isTrustedSender(event)) {
    options.onRefused?.(channel, event.senderFrame?.url);
    const message = `${channel} refused: the caller is not the Gatehouse window`;
    return { error: { code: 'forbidden', message, problems: [message] } };
  }
  try {
    const result = (await dispatch(handlers, channel, request)) as ApiResult<ApiChannel>;
    return { result };
  } catch (error) {
    return { error: toIpcFailure(error) };
  }
}

/** Any error as the `{error}` half of a reply: an ApiError keeps its code and problems. */
export function toIpcFailure(error: unknown): IpcFailure {
  if (error instanceof ApiError)
    return { code: error.code, message: error.message, problems: [...error.problems] };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'failed', message, problems: [message] };
}
