import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createBridgeTransport,
  takeToken,
  TOKEN_STORAGE_KEY,
  type WebSocketLike,
} from '../../../renderer/src/api/bridge-transport.js';
import { ApiCallError } from '../../../renderer/src/api/errors.js';
import { createIpcTransport } from '../../../renderer/src/api/ipc-transport.js';
import type { GatehouseApi } from '../../../renderer/src/api/types.js';
import { record } from './fake-api.js';

class FakeWebSocket implements WebSocketLike {
  static instances: FakeWebSocket[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason?: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  closed = false;

  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeWebSocket.instances.push(this);
  }

  close() {
    this.closed = true;
  }

  open() {
    this.onopen?.({});
  }

  receive(message: unknown) {
    this.onmessage?.({ data: typeof message === 'string' ? message : JSON.stringify(message) });
  }

  drop() {
    this.onclose?.({ code: 1006 });
  }
}

function jsonResponse(status: number, body: unknown): Response {
  return {
    ok: status >= 200 && status < 300,
    status,
    json: async () => body,
  } as Response;
}

beforeEach(() => {
  FakeWebSocket.instances = [];
  window.sessionStorage.clear();
  window.history.replaceState(null, '', '/');
});

describe('browser bridge transport', () => {
  it('moves the token from the URL hash to sessionStorage and out of the address bar', () => {
    window.history.replaceState(null, '', '/index.html?x=1#token=s3cr3t-T0ken');
    const replace = vi.spyOn(window.history, 'replaceState');
    const api = createBridgeTransport({ fetch: vi.fn(), WebSocket: FakeWebSocket });
    expect(window.sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBe('s3cr3t-T0ken');
    expect(window.location.hash).toBe('');
    expect(window.location.pathname + window.location.search).toBe('/index.html?x=1');
    expect(replace).toHaveBeenCalledOnce();
    replace.mockRestore();
    api.close();
  });

  it('keeps the route and reuses the stored token after a reload', () => {
    window.history.replaceState(null, '', '/#/activity/abc&token=t1');
    expect(takeToken(window)).toBe('t1');
    expect(window.location.hash).toBe('#/activity/abc');
    expect(takeToken(window)).toBe('t1');
  });

  it('POSTs /api/<channel> with the Bearer token and returns the result', async () => {
    window.history.replaceState(null, '', '/#token=tok123');
    const fetch = vi.fn(async () => jsonResponse(200, { result: { stopped: 'abc' } }));
    const api = createBridgeTransport({ fetch, WebSocket: FakeWebSocket });
    const result = await api.call('containers.stop', { containerId: '0123456789ab' });
    expect(result).toEqual({ stopped: 'abc' });
    expect(fetch).toHaveBeenCalledOnce();
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe(`${window.location.origin}/api/containers.stop`);
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>)['Authorization']).toBe('Bearer tok123');
    expect(JSON.parse(init.body as string)).toEqual({ containerId: '0123456789ab' });
  });

  it('turns an {error} answer into an ApiCallError with its problems', async () => {
    window.history.replaceState(null, '', '/#token=tok123');
    const error = {
      code: 'invalid-request',
      message: 'invalid allowlist.add request',
      problems: ['"nope" is not a digest'],
    };
    const api = createBridgeTransport({
      fetch: async () => jsonResponse(400, { error }),
      WebSocket: FakeWebSocket,
    });
    const failure = await api.call('allowlist.add', { entries: ['nope'] }).catch((e) => e);
    expect(failure).toBeInstanceOf(ApiCallError);
    expect(failure).toMatchObject(error);
  });

  it('reports a refused token, a network failure and a missing token', async () => {
    window.history.replaceState(null, '', '/#token=old');
    const refused = createBridgeTransport({
      fetch: async () => jsonResponse(401, {}),
      WebSocket: FakeWebSocket,
    });
    await expect(refused.call('status.get', {})).rejects.toMatchObject({ code: 'unauthorized' });
    const offline = createBridgeTransport({
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
      WebSocket: FakeWebSocket,
    });
    await expect(offline.call('status.get', {})).rejects.toMatchObject({ code: 'network' });
    window.sessionStorage.clear();
    const fetch = vi.fn();
    const none = createBridgeTransport({ fetch, WebSocket: FakeWebSocket });
    await expect(none.call('status.get', {})).rejects.toMatchObject({ code: 'unauthorized' });
    expect(fetch).not.toHaveBeenCalled();
  });

  it('opens /events with the token in a subprotocol and dispatches {event, data}', () => {
    window.history.replaceState(null, '', '/#token=tok123');
    const api = createBridgeTransport({ fetch: vi.fn(), WebSocket: FakeWebSocket });
    const decisions: unknown[] = [];
    const off = api.on('decision', (d) => decisions.push(d));
    const containers = vi.fn();
    api.on('containers', containers);
    expect(FakeWebSocket.instances).toHaveLength(1);
    const ws = FakeWebSocket.instances[0]!;
    expect(ws.url).toBe(`ws://${window.location.host}/events`);
    expect(ws.protocols).toEqual(['gatehouse.v1', 'gatehouse.token.tok123']);
    ws.open();
    const decision = record({ decision: 'removed' });
    ws.receive({ event: 'decision', data: decision });
    ws.receive({ event: 'containers', data: {} });
    ws.receive('not json');
    ws.receive({ event: 'unknown', data: {} });
    expect(decisions).toEqual([decision]);
    expect(containers).toHaveBeenCalledOnce();
    off();
    api.close();
    expect(ws.closed).toBe(true);
  });

  it('reconnects with growing backoff and reports the stream state', () => {
    window.history.replaceState(null, '', '/#token=tok123');
    const timers: { callback: () => void; ms: number }[] = [];
    const api = createBridgeTransport({
      fetch: vi.fn(),
      WebSocket: FakeWebSocket,
      setTimeout: (callback, ms) => timers.push({ callback, ms }),
      clearTimeout: () => {},
      random: () => 0.5,
    });
    const states: string[] = [];
    api.onLiveState?.((s) => states.push(s));
    api.on('settings', () => {});
    FakeWebSocket.instances[0]!.open();
    FakeWebSocket.instances[0]!.drop();
    expect(timers.map((t) => t.ms)).toEqual([500]);
    timers[0]!.callback();
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.instances[1]!.drop();
    timers[1]!.callback();
    FakeWebSocket.instances[2]!.drop();
    expect(timers.map((t) => t.ms)).toEqual([500, 1000, 2000]);
    timers[2]!.callback();
    FakeWebSocket.instances[3]!.open();
    FakeWebSocket.instances[3]!.drop();
    // A successful open resets the backoff.
    expect(timers.at(-1)?.ms).toBe(500);
    expect(states.slice(0, 4)).toEqual(['closed', 'connecting', 'open', 'closed']);
    api.close();
  });
});

describe('ipc transport (window.gatehouse)', () => {
  afterEach(() => {
    delete window.gatehouse;
  });

  it('passes calls and events through and normalises errors', async () => {
    const listeners: ((data: unknown) => void)[] = [];
    const preload: GatehouseApi = {
      call: vi.fn(async (channel: string) => {
        if (channel === 'allowlist.add')
          throw Object.assign(
            new Error("Error invoking remote method 'gatehouse:call': Error: bad digest"),
            { code: 'invalid-request', problems: ['"x" is not a digest'] },
          );
        return { removed: 'acme' };
      }) as GatehouseApi['call'],
      on: ((_event: string, listener: (data: unknown) => void) => {
        listeners.push(listener);
        return () => {};
      }) as GatehouseApi['on'],
    };
    const api = createIpcTransport(preload);
    expect(await api.call('trust.remove', { name: 'acme' })).toEqual({ removed: 'acme' });
    const failure = await api.call('allowlist.add', { entries: ['x'] }).catch((e) => e);
    expect(failure).toBeInstanceOf(ApiCallError);
    expect(failure).toMatchObject({
      code: 'invalid-request',
      message: 'bad digest',
      problems: ['"x" is not a digest'],
    });
    const seen = vi.fn();
    api.on('settings', seen);
    listeners[0]!({});
    expect(seen).toHaveBeenCalledOnce();
  });

  it('is chosen when the preload exposes window.gatehouse', async () => {
    const { createGatehouseClient } = await import('../../../renderer/src/api/client.js');
    window.gatehouse = { call: vi.fn(), on: vi.fn() } as unknown as GatehouseApi;
    expect(createGatehouseClient().transport).toBe('ipc');
    delete window.gatehouse;
    expect(createGatehouseClient().transport).toBe('bridge');
  });
});
