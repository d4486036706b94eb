import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, handlersVia } from '../../../electron/engine/api/api-handlers.js';
import { startBrowserBridge } from '../../../electron/engine/browser-bridge/browser-bridge.js';
import { callEngine } from '../../../electron/engine/control/control-client.js';
import { startControlServer } from '../../../electron/engine/control/control-server.js';
import { controlSocketPath } from '../../../electron/engine/control/control-socket.js';
import type { EngineEvents } from '../../../electron/engine/engine.js';
import { registerApiHandlers, type IpcMainLike } from '../../../electron/main/ipc/handle.js';
import { invokeChannelOf } from '../../../electron/main/ipc/ipc-contract.js';
import { buildGatehouseApi } from '../../../electron/preload/gatehouse-api.js';
import {
  apiChannels,
  apiEventNames,
  isApiChannel,
  isApiEventName,
  routeOf,
} from '../../../shared/api/channel-map.js';
import {
  apiEventSchemas,
  apiRequestSchemas,
  type ApiChannel,
} from '../../../shared/api/channels.js';

/**
 * The channel map is the one list: every transport must carry every channel it declares. A
 * channel is proved to arrive when the dispatcher answers for *that* channel: with the echo
 * handler's result, or with a validation error naming it (most requests need fields).
 */
const echo = handlersVia(async (channel) => ({ reached: channel }));

function arrived(channel: ApiChannel, outcome: unknown): boolean {
  if (outcome instanceof ApiError)
    return outcome.code === 'invalid-request' && outcome.message.includes(`invalid ${channel}`);
  return (outcome as { reached?: string }).reached === channel;
}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('the channel map', () => {
  it('gives every channel a request schema and every event a data schema, nothing more', () => {
    expect(Object.keys(apiRequestSchemas).sort()).toEqual([...apiChannels].sort());
    expect(Object.keys(apiEventSchemas).sort()).toEqual([...apiEventNames].sort());
  });

  it('recognises only its own names, not inherited properties', () => {
    expect(isApiChannel('instance.set-digest')).toBe(true);
    for (const name of ['toString', '__proto__', 'constructor', 42])
      expect(isApiChannel(name) || isApiEventName(name)).toBe(false);
  });

  it('reaches every channel through the control socket', async () => {
    const socket = controlSocketPath(mkdtempSync(join(tmpdir(), 'gh-map-')));
    const server = await startControlServer(socket, echo);
    closers.push(() => new Promise((r) => server.close(r)));
    for (const channel of apiChannels) {
      const outcome = await callEngine(socket, channel, {} as never).catch((e: unknown) => e);
      expect(arrived(channel, outcome), `${channel}: ${String(outcome)}`).toBe(true);
    }
  });

  it('reaches every channel through the browser bridge', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'gh-map-')), 'renderer');
    mkdirSync(root);
    writeFileSync(join(root, 'index.html'), '<!doctype html>');
    const bridge = await startBrowserBridge({
      handlers: echo,
      events: new EventEmitter<EngineEvents>(),
      staticDir: root,
    });
    closers.push(() => bridge.close());
    for (const channel of apiChannels) {
      const answer = await post(bridge.port, routeOf(channel), bridge.token);
      const outcome =
        'error' in answer ? new ApiError(answer.error.code, answer.error.message) : answer.result;
      expect(arrived(channel, outcome), `${channel}: ${JSON.stringify(answer)}`).toBe(true);
    }
  });

  it('registers every channel over IPC, and the preload reaches each one', async () => {
    const registered: string[] = [];
    const ipcMain: IpcMainLike = {
      handle: (name: string) => void registered.push(name),
      removeHandler: () => undefined,
    };
    registerApiHandlers(ipcMain, echo, () => true);
    expect(registered.sort()).toEqual(apiChannels.map(invokeChannelOf).sort());

    const invoked: string[] = [];
    const api = buildGatehouseApi({
      invoke: async (name: string) => {
        invoked.push(name);
        return { result: null };
      },
      on: () => undefined as never,
      removeListener: () => undefined as never,
    });
    for (const channel of apiChannels) await api.call(channel, {} as never);
    expect(invoked).toEqual(apiChannels.map(invokeChannelOf));
    for (const event of apiEventNames) expect(() => api.on(event, () => undefined)).not.toThrow();
  });
});

function post(
  port: number,
  path: string,
  token: string,
): Promise<{ result: unknown } | { error: { code: 'failed'; message: string } }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      },
      (res) => {
        let body = '';
        res.on('data', (b: Buffer) => (body += b.toString()));
        res.on('end', () => resolve(JSON.parse(body)));
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}
