import { EventEmitter, once } from 'node:events';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import {
  request,
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ApiHandlers } from '../../../../electron/engine/api/api-handlers.js';
import {
  startBrowserBridge,
  type BridgeEventMessage,
  type BrowserBridge,
} from '../../../../electron/engine/browser-bridge/browser-bridge.js';
import type { EngineEvents } from '../../../../electron/engine/engine.js';
import { DEFAULT_SETTINGS } from '../../../../electron/engine/store/settings-store.js';
import { apiChannels, type EngineStatus } from '../../../../shared/api/channels.js';
import type { DecisionRecord } from '../../../../shared/api/schemas.js';

const status: EngineStatus = {
  connection: {
    state: 'connected',
    dockerHost: 'unix:///fake.sock',
    since: new Date(0).toISOString(),
  },
  enforcement: { enabled: true, mode: 'enforce' },
  notifications: { enabled: false },
  prevention: { ask: false, builds: 'allow', plugin: { state: 'off' } },
  counts: { allowlist: 0, quarantined: 0 },
  enforcing: true,
  ready: true,
  configDir: '/fake',
};

/** Only status.get and allowlist.add answer; the engine's own handlers have their own tests. */
function fakeHandlers(): ApiHandlers {
  const fail = async () => {
    throw new Error('not used here');
  };
  const used: Partial<ApiHandlers> = {
    'status.get': async () => status,
    'allowlist.add': async (r) => ({ added: r.entries, alreadyPresent: [] }),
  };
  return {
    ...Object.fromEntries(apiChannels.map((channel) => [channel, fail])),
    ...used,
  } as ApiHandlers;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function call(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        let body = '';
        res.on('data', (b: Buffer) => (body += b.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const decision: DecisionRecord = {
  time: new Date(0).toISOString(),
  containerId: 'a'.repeat(64),
  containerName: 'stray',
  imageRef: 'team/unknown:1',
  imageId: `sha256:${'b'.repeat(64)}`,
  digests: [],
  decision: 'removed',
  reason: 'not on the allowlist',
  trigger: 'start',
};

let bridge: BrowserBridge;
let engine: EventEmitter<EngineEvents>;
let root: string;

beforeEach(async () => {
  const parent = mkdtempSync(join(tmpdir(), 'gh-ui-'));
  writeFileSync(join(parent, 'secret.txt'), 'TOP SECRET');
  root = join(parent, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Gatehouse</title>');
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1);');
  writeFileSync(join(root, 'assets', 'app.css'), 'body{}');
  symlinkSync(join(parent, 'secret.txt'), join(root, 'assets', 'link.txt'));
  engine = new EventEmitter<EngineEvents>();
  bridge = await startBrowserBridge({ handlers: fakeHandlers(), events: engine, staticDir: root });
});

afterEach(() => bridge.close());

const api = (channel: string, body: unknown, headers: Record<string, string> = {}) =>
  call(bridge.port, `/api/${channel}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${bridge.token}`,
      'content-type': 'application/json',
      ...headers,
    },
    body: JSON.stringify(body),
  });

describe('the browser bridge', () => {
  it('prints a loopback URL with a fresh 32-byte token in the fragment', () => {
    expect(bridge.url).toBe(`http://127.0.0.1:${bridge.port}/#token=${bridge.token}`);
    expect(Buffer.from(bridge.token, 'base64url')).toHaveLength(32);
    expect(bridge.port).toBeGreaterThan(0);
  });

  it('answers API calls with the token, like the control socket', async () => {
    const ok = await api('status.get', {});
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ result: status });
    expect(ok.headers['cache-control']).toBe('no-store');

    const invalid = await api('allowlist.add', { entries: [] });
    expect(invalid.status).toBe(400);
    expect(JSON.parse(invalid.body)).toEqual({
      error: {
        code: 'invalid-request',
        message: expect.stringMatching(/invalid allowlist.add request/),
        problems: ['entries: give at least one entry'],
      },
    });
    expect((await api('shell.exec', {})).status).toBe(404);
    expect((await api('mode.set', { mode: 'audit' })).status).toBe(500);
  });

  it('refuses calls without the token or with a wrong one (401)', async () => {
    const none = await call(bridge.port, '/api/status.get', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body).error.code).toBe('unauthorized');
    const wrong = await api('status.get', {}, { authorization: `Bearer ${'x'.repeat(43)}` });
    expect(wrong.status).toBe(401);
    const short = await api('status.get', {}, { authorization: 'Bearer x' });
    expect(short.status).toBe(401);
  });

  it('refuses a foreign Origin and a Host that is not loopback with our port (403)', async () => {
    const origin = await api('status.get', {}, { origin: 'http://evil.example' });
    expect(origin.status).toBe(403);
    expect(JSON.parse(origin.body).error.code).toBe('forbidden');
    expect((await api('status.get', {}, { origin: 'null' })).status).toBe(403);
    const host = await api('status.get', {}, { host: `evil.example:${bridge.port}` });
    expect(host.status).toBe(403);
    expect((await api('status.get', {}, { host: '127.0.0.1:1' })).status).toBe(403);
    // The page may be opened as localhost too.
    const local = { origin: `http://localhost:${bridge.port}`, host: `localhost:${bridge.port}` };
    expect((await api('status.get', {}, local)).status).toBe(200);
    // Static files get the same checks (DNS rebinding reads the page too).
    expect((await call(bridge.port, '/', { headers: { host: 'evil.example' } })).status).toBe(403);
  });

  it('refuses non-POST, non-JSON and oversized requests', async () => {
    const auth = { authorization: `Bearer ${bridge.token}` };
    const get = await call(bridge.port, '/api/status.get', { headers: auth });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const text = await call(bridge.port, '/api/status.get', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(text.status).toBe(415);
    const notJson = await call(bridge.port, '/api/status.get', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"mode":',
    });
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body).error.message).toBe('request body is not JSON');
    const large = await api('allowlist.import', { text: 'x'.repeat(7 * 1024 * 1024) });
    expect(large.status).toBe(413);
  });

  it('serves the built renderer with a strict CSP and content types, no token needed', async () => {
    const index = await call(bridge.port, '/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>Gatehouse</title>');
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['content-security-policy']).toBe(
      `default-src 'self'; connect-src 'self' ws://127.0.0.1:${bridge.port} ws://localhost:${bridge.port}; ` +
        "img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; " +
        "base-uri 'none'; form-action 'none'",
    );
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['referrer-policy']).toBe('no-referrer');
    const js = await call(bridge.port, '/assets/app.js?v=1');
    expect([js.status, js.headers['content-type'], js.body]).toEqual([
      200,
      'text/javascript; charset=utf-8',
      'console.log(1);',
    ]);
    expect((await call(bridge.port, '/assets/app.css')).headers['content-type']).toBe(
      'text/css; charset=utf-8',
    );
    expect((await call(bridge.port, '/missing.js')).status).toBe(404);
    expect((await call(bridge.port, '/assets')).status).toBe(404);
    expect((await call(bridge.port, '/', { method: 'POST' })).status).toBe(405);
  });

  it('never serves a file outside the folder', async () => {
    for (const path of [
      '/..%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/link.txt',
    ]) {
      const answer = await call(bridge.port, path);
      expect(answer.status, path).toBe(403);
      expect(answer.body).not.toContain('TOP SECRET');
    }
    // `..` segments are resolved within the URL's own path, so these stay inside (and miss).
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt']) {
      expect((await call(bridge.port, path)).status, path).toBe(404);
    }
    expect((await call(bridge.port, '/%E0%A4%A')).status).toBe(400);
  });
});

describe("the bridge's event WebSocket", () => {
  const url = () => `ws://127.0.0.1:${bridge.port}/events`;

  async function refusedWith(ws: WebSocket): Promise<number> {
    const [req, res] = (await once(ws, 'unexpected-response')) as [ClientRequest, IncomingMessage];
    req.destroy();
    return res.statusCode ?? 0;
  }

  it('refuses a handshake without the token, with a wrong one or from a foreign page', async () => {
    expect(await refusedWith(new WebSocket(url()))).toBe(401);
    expect(await refusedWith(new WebSocket(url(), ['gatehouse.v1']))).toBe(401);
    expect(
      await refusedWith(
        new WebSocket(url(), ['gatehouse.v1', `gatehouse.token.${'x'.repeat(43)}`]),
      ),
    ).toBe(401);
    const token = ['gatehouse.v1', `gatehouse.token.${bridge.token}`];
    expect(await refusedWith(new WebSocket(url(), token, { origin: 'http://evil.example' }))).toBe(
      403,
    );
    expect(
      await refusedWith(
        new WebSocket(url(), token, { headers: { host: `evil.example:${bridge.port}` } }),
      ),
    ).toBe(403);
    expect(await refusedWith(new WebSocket(`ws://127.0.0.1:${bridge.port}/other`, token))).toBe(
      404,
    );
    // The token alone is not enough: the server must have a protocol to answer with.
    expect(await refusedWith(new WebSocket(url(), [`gatehouse.token.${bridge.token}`]))).toBe(400);
  });

  it('pushes engine events as ApiEvents to a client with the token', async () => {
    const ws = new WebSocket(url(), ['gatehouse.v1', `gatehouse.token.${bridge.token}`], {
      origin: `http://127.0.0.1:${bridge.port}`,
    });
    await once(ws, 'open');
    expect(ws.protocol).toBe('gatehouse.v1');
    const messages: BridgeEventMessage[] = [];
    ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString())));

    engine.emit('decision', decision, {});
    engine.emit('connection', status.connection);
    engine.emit('settings', DEFAULT_SETTINGS);
    engine.emit('swept', { trigger: 'sweep:connected', containers: 3, durationMs: 1 });
    engine.emit('approvals', []);
    await expect.poll(() => messages.length).toBe(6);
    expect(messages).toEqual([
      { event: 'decision', data: decision },
      { event: 'containers', data: {} },
      { event: 'connection', data: status.connection },
      { event: 'settings', data: {} },
      { event: 'containers', data: {} },
      { event: 'approvals', data: {} },
    ]);

    await bridge.close();
    expect(engine.listenerCount('decision')).toBe(0);
    expect(engine.listenerCount('approvals')).toBe(0);
    if (ws.readyState !== WebSocket.CLOSED) await once(ws, 'close');
  });
});
