import type { IpcRendererEvent } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { EVENT_CHANNEL } from '../../../../electron/main/ipc/ipc-contract.js';
import {
  buildGatehouseApi,
  unwrapReply,
  type IpcRendererLike,
} from '../../../../electron/preload/gatehouse-api.js';
import type { GatehouseApi as RendererSideApi } from '../../../../renderer/src/api/types.js';

type Listener = (event: IpcRendererEvent, ...args: unknown[]) => void;

/** ipcRenderer as far as the preload uses it. */
class FakeIpcRenderer implements IpcRendererLike {
  readonly invoked: unknown[][] = [];
  readonly listeners = new Map<string, Set<Listener>>();
  reply: (channel: string, ...args: unknown[]) => unknown = () => ({ result: null });

  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push([channel, ...args]);
    return this.reply(channel, ...args);
  }
  on(channel: string, listener: Listener) {
    if (!this.listeners.has(channel)) this.listeners.set(channel, new Set());
    this.listeners.get(channel)?.add(listener);
    return this as never;
  }
  removeListener(channel: string, listener: Listener) {
    this.listeners.get(channel)?.delete(listener);
    return this as never;
  }
  /** What webContents.send(EVENT_CHANNEL, name, data) delivers. */
  push(name: string, data: unknown) {
    const event = { sender: this } as unknown as IpcRendererEvent;
    for (const l of this.listeners.get(EVENT_CHANNEL) ?? []) l(event, name, data);
  }
}

describe('window.gatehouse.call', () => {
  it("invokes the channel's own IPC channel with the request and resolves to the result", async () => {
    const ipc = new FakeIpcRenderer();
    ipc.reply = () => ({ result: { added: ['sha256:x'], alreadyPresent: [] } });
    const api = buildGatehouseApi(ipc);
    await expect(api.call('allowlist.add', { entries: ['sha256:x'] })).resolves.toEqual({
      added: ['sha256:x'],
      alreadyPresent: [],
    });
    expect(ipc.invoked).toEqual([['gatehouse:api:allowlist.add', { entries: ['sha256:x'] }]]);
  });

  it('resolves a null or false result as it is', async () => {
    const ipc = new FakeIpcRenderer();
    ipc.reply = () => ({ result: null });
    await expect(buildGatehouseApi(ipc).call('status.get', {})).resolves.toBeNull();
  });

  it('rejects with code, message and problems rebuilt from {error}, as a plain object', async () => {
    const ipc = new FakeIpcRenderer();
    ipc.reply = () => ({
      error: {
        code: 'invalid-request',
        message: 'Nothing was added',
        problems: ['line 1: not a digest', 'line 2: not a digest'],
      },
    });
    const rejection = await buildGatehouseApi(ipc)
      .call('allowlist.import', { text: 'x\ny' })
      .catch((e: unknown) => e);
    expect(rejection).toEqual({
      name: 'GatehouseApiError',
      code: 'invalid-request',
      message: 'Nothing was added',
      problems: ['line 1: not a digest', 'line 2: not a digest'],
    });
    // contextBridge copies an Error as a bare message: this must not be one.
    expect(rejection).not.toBeInstanceOf(Error);
    expect(Object.getPrototypeOf(rejection)).toBe(Object.prototype);
  });

  it('fills in what a malformed {error} lacks', async () => {
    const ipc = new FakeIpcRenderer();
    ipc.reply = () => ({ error: { message: 'boom', problems: ['a', 7] } });
    await expect(buildGatehouseApi(ipc).call('check.run', {})).rejects.toEqual({
      name: 'GatehouseApiError',
      code: 'failed',
      message: 'boom',
      problems: ['a'],
    });
  });

  it('refuses a channel that is not in the API without sending anything', async () => {
    const ipc = new FakeIpcRenderer();
    const api = buildGatehouseApi(ipc) as unknown as {
      call(channel: string, request: unknown): Promise<unknown>;
    };
    for (const channel of ['shell.exec', '__proto__', 'toString', '../status.get'])
      await expect(api.call(channel, {})).rejects.toMatchObject({ code: 'unknown-channel' });
    expect(ipc.invoked).toEqual([]);
  });

  it('turns an invoke that fails (nothing answered) into a failed error', async () => {
    const ipc = new FakeIpcRenderer();
    ipc.reply = () => {
      throw new Error("Error invoking remote method 'gatehouse:api:status.get': no handler");
    };
    await expect(buildGatehouseApi(ipc).call('status.get', {})).rejects.toMatchObject({
      code: 'failed',
      message: expect.stringContaining('no handler'),
    });
    ipc.reply = () => 'not a reply';
    await expect(buildGatehouseApi(ipc).call('status.get', {})).rejects.toMatchObject({
      code: 'failed',
      message: 'status.get: the main process gave no answer',
    });
  });

  it('sends an empty request when none is given', async () => {
    const ipc = new FakeIpcRenderer();
    await buildGatehouseApi(ipc).call('status.get', undefined as never);
    expect(ipc.invoked).toEqual([['gatehouse:api:status.get', {}]]);
  });
});

describe('window.gatehouse.on', () => {
  it("delivers only its event's data, never Electron's event object", () => {
    const ipc = new FakeIpcRenderer();
    const api = buildGatehouseApi(ipc);
    const decisions = vi.fn();
    const settings = vi.fn();
    api.on('decision', decisions);
    api.on('settings', settings);
    ipc.push('decision', { containerId: 'abc' });
    ipc.push('connection', { state: 'connected' });
    expect(decisions.mock.calls).toEqual([[{ containerId: 'abc' }]]);
    expect(settings).not.toHaveBeenCalled();
  });

  it('unsubscribes, once, leaving the other listeners', () => {
    const ipc = new FakeIpcRenderer();
    const api = buildGatehouseApi(ipc);
    const a = vi.fn();
    const b = vi.fn();
    const offA = api.on('containers', a);
    api.on('containers', b);
    offA();
    offA();
    ipc.push('containers', {});
    expect(a).not.toHaveBeenCalled();
    expect(b).toHaveBeenCalledTimes(1);
    expect(ipc.listeners.get(EVENT_CHANNEL)?.size).toBe(1);
  });

  it('refuses an unknown event or a listener that is not a function', () => {
    const api = buildGatehouseApi(new FakeIpcRenderer()) as unknown as {
      on(event: string, listener: unknown): () => void;
    };
    expect(() => api.on('ipc-message', () => undefined)).toThrow(TypeError);
    expect(() => api.on('decision', 'nope')).toThrow(TypeError);
  });

  it('exposes a frozen object with exactly call and on', () => {
    // Type-checked: what the preload builds is what the renderer declares window.gatehouse as.
    const api: RendererSideApi = buildGatehouseApi(new FakeIpcRenderer());
    expect(Object.keys(api).sort()).toEqual(['call', 'on']);
    expect(Object.isFrozen(api)).toBe(true);
  });
});

describe('unwrapReply', () => {
  it('takes {result} even when the result is undefined', () => {
    expect(unwrapReply('status.get', { result: undefined })).toBeUndefined();
  });
});
