import type { IpcMainInvokeEvent } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import type { ApiHandlers } from '../../../../../electron/engine/api/api-handlers.js';
import { InvalidInputError } from '../../../../../electron/engine/policy/allowlist-editor.js';
import {
  registerApiHandlers,
  toIpcFailure,
  type IpcMainLike,
} from '../../../../../electron/main/ipc/handle.js';
import { invokeChannelOf } from '../../../../../electron/main/ipc/ipc-contract.js';
import { senderCheck } from '../../../../../electron/main/ipc/sender-check.js';
import { rendererLocation } from '../../../../../electron/main/windows/renderer-location.js';
import { apiChannels } from '../../../../../shared/api/channels.js';
import { status } from '../support.js';

type Listener = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;

/** ipcMain as far as the wrapper uses it: handle and removeHandler, one handler a channel. */
class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Listener>();
  handle(channel: string, listener: Listener): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What ipcRenderer.invoke would resolve to in the renderer. */
  invoke(channel: string, event: IpcMainInvokeEvent, ...args: unknown[]): Promise<unknown> {
    const listener = this.handlers.get(channel);
    if (!listener) throw new Error(`No handler registered for '${channel}'`);
    return Promise.resolve(listener(event, ...args));
  }
}

const renderer = rendererLocation({ packaged: true, indexPath: '/opt/Gatehouse/app/index.html' });
const fromApp = {
  senderFrame: { url: 'file:///opt/Gatehouse/app/index.html#/containers', parent: null },
} as unknown as IpcMainInvokeEvent;
const fromWeb = {
  senderFrame: { url: 'https://evil.example/', parent: null },
} as unknown as IpcMainInvokeEvent;

function handlers(overrides: Partial<ApiHandlers> = {}): ApiHandlers {
  const unused = async () => {
    throw new Error('not used in this test');
  };
  return {
    ...Object.fromEntries(apiChannels.map((c) => [c, unused])),
    ...overrides,
  } as ApiHandlers;
}

describe('registerApiHandlers', () => {
  it('registers one handler per API channel, and removes them all again', () => {
    const ipc = new FakeIpcMain();
    const remove = registerApiHandlers(ipc, handlers(), senderCheck(renderer));
    expect([...ipc.handlers.keys()].sort()).toEqual(apiChannels.map(invokeChannelOf).sort());
    remove();
    expect(ipc.handlers.size).toBe(0);
  });

  it('answers {result} with what the handler returned, given the validated request', async () => {
    const ipc = new FakeIpcMain();
    const setMode = vi.fn(async () => status({ mode: 'quarantine' }));
    registerApiHandlers(ipc, handlers({ 'mode.set': setMode }), senderCheck(renderer));
    const reply = await ipc.invoke(invokeChannelOf('mode.set'), fromApp, { mode: 'quarantine' });
    expect(reply).toEqual({ result: status({ mode: 'quarantine' }) });
    expect(setMode).toHaveBeenCalledWith({ mode: 'quarantine' });
  });

  it('answers {error} with code and problems for a request the schema refuses', async () => {
    const ipc = new FakeIpcMain();
    const setMode = vi.fn();
    registerApiHandlers(ipc, handlers({ 'mode.set': setMode }), senderCheck(renderer));
    const reply = await ipc.invoke(invokeChannelOf('mode.set'), fromApp, { mode: 'yolo' });
    expect(reply).toMatchObject({
      error: { code: 'invalid-request', problems: [expect.stringMatching(/^mode: /)] },
    });
    expect(setMode).not.toHaveBeenCalled();
  });

  it("keeps an engine refusal's problems, and reports anything else as failed", async () => {
    const ipc = new FakeIpcMain();
    registerApiHandlers(
      ipc,
      handlers({
        'allowlist.add': async () => {
          throw new InvalidInputError('Nothing was added', ['line 1: not a digest']);
        },
        'check.run': async () => {
          throw new Error('Docker is not running');
        },
      }),
      senderCheck(renderer),
    );
    expect(await ipc.invoke(invokeChannelOf('allowlist.add'), fromApp, { entries: ['x'] })).toEqual(
      {
        error: {
          code: 'invalid-request',
          message: 'Nothing was added',
          problems: ['line 1: not a digest'],
        },
      },
    );
    expect(await ipc.invoke(invokeChannelOf('check.run'), fromApp, {})).toEqual({
      error: {
        code: 'failed',
        message: 'Docker is not running',
        problems: ['Docker is not running'],
      },
    });
  });

  it('refuses an untrusted sender before validating or running anything', async () => {
    const ipc = new FakeIpcMain();
    const approve = vi.fn();
    const onRefused = vi.fn();
    registerApiHandlers(ipc, handlers({ 'containers.approve': approve }), senderCheck(renderer), {
      onRefused,
    });
    const reply = await ipc.invoke(invokeChannelOf('containers.approve'), fromWeb, {
      containerId: 'a'.repeat(64),
    });
    expect(reply).toMatchObject({ error: { code: 'forbidden' } });
    expect(approve).not.toHaveBeenCalled();
    expect(onRefused).toHaveBeenCalledWith('containers.approve', 'https://evil.example/');
  });

  it('treats a missing request as an empty one', async () => {
    const ipc = new FakeIpcMain();
    registerApiHandlers(
      ipc,
      handlers({ 'status.get': async () => status() }),
      senderCheck(renderer),
    );
    expect(await ipc.invoke(invokeChannelOf('status.get'), fromApp)).toEqual({
      result: status(),
    });
  });
});

describe('toIpcFailure', () => {
  it('turns anything thrown into {code, message, problems}', () => {
    expect(toIpcFailure('boom')).toEqual({ code: 'failed', message: 'boom', problems: ['boom'] });
  });
});
