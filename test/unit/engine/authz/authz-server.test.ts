import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  startAuthzServer,
  WHO_PATH,
  type AuthzDecider,
  type AuthzServer,
} from '../../../../electron/engine/authz/authz-server.js';

let server: AuthzServer | undefined;
let dir: string | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function post(
  socketPath: string,
  path: string,
  body: unknown,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const req = request({ socketPath, path, method: 'POST' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          json: JSON.parse(Buffer.concat(chunks).toString()),
        }),
      );
    });
    req.on('error', reject);
    req.end(text);
  });
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
const authzReq = (method: string, uri: string, body?: unknown) => ({
  User: '',
  RequestMethod: method,
  RequestUri: uri,
  RequestBody: body === undefined ? null : b64(body),
  RequestHeaders: { 'Content-Type': 'application/json' },
});

/** Allows `good/*` images and container `ok`; records what it was asked. */
function fakeDecider(seen: string[], hooks: { create?: () => Promise<void> } = {}): AuthzDecider {
  return {
    async decide(request) {
      if (request.kind === 'create') {
        const image = request.image;
        seen.push(`create ${image}`);
        await hooks.create?.();
        if (image === 'boom') throw new Error('docker exploded');
        return image.startsWith('good/')
          ? { allowed: true, message: 'on the allowlist' }
          : { allowed: false, message: `image ${image} is not allowed` };
      }
      if (request.kind !== 'container') throw new Error(`not faked: ${request.kind}`);
      const { container, action } = request;
      seen.push(`${action} ${container}`);
      return container === 'ok'
        ? { allowed: true, message: 'fine' }
        : { allowed: false, message: `container ${container} is not allowed` };
    },
  };
}

async function start(
  decider: AuthzDecider,
  decisionTimeoutMs?: number,
  standIn?: () => string,
): Promise<string> {
  dir = mkdtempSync(join(tmpdir(), 'gh-authz-'));
  const socketPath = join(dir, 'sub', 'authz.sock');
  server = await startAuthzServer({
    socketPath,
    decider,
    ...(decisionTimeoutMs === undefined ? {} : { decisionTimeoutMs }),
    ...(standIn ? { standIn } : {}),
  });
  return socketPath;
}

describe('authorization plugin server', () => {
  it('activates as an authz plugin on an owner-only socket', async () => {
    const socket = await start(fakeDecider([]));
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(await post(socket, '/Plugin.Activate', '')).toEqual({
      status: 200,
      json: { Implements: ['authz'] },
    });
  });

  it('says whether it is the daemon or a stand-in for it, and why', async () => {
    const daemon = await start(fakeDecider([]));
    expect(await post(daemon, WHO_PATH, '')).toEqual({ status: 200, json: { standIn: null } });
    await server?.close();
    let why = "Gatehouse's daemon is restarting";
    const standIn = await start(fakeDecider([]), undefined, () => why);
    expect(await post(standIn, WHO_PATH, '')).toEqual({ status: 200, json: { standIn: why } });
    why = "Gatehouse's daemon cannot start";
    expect((await post(standIn, WHO_PATH, '')).json).toEqual({ standIn: why });
  });

  it('decides creates by image and starts by container, with the message in Msg', async () => {
    const seen: string[] = [];
    const socket = await start(fakeDecider(seen));
    const allowed = await post(
      socket,
      '/AuthZPlugin.AuthZReq',
      authzReq('POST', '/v1.41/containers/create?name=a', { Image: 'good/app:1' }),
    );
    expect(allowed.json).toEqual({ Allow: true, Msg: '' });
    const denied = await post(
      socket,
      '/AuthZPlugin.AuthZReq',
      authzReq('POST', '/v1.41/containers/create', { Image: 'evil/app:1' }),
    );
    expect(denied.json).toEqual({
      Allow: false,
      Msg: 'gatehouse: image evil/app:1 is not allowed',
    });
    const start1 = await post(
      socket,
      '/AuthZPlugin.AuthZReq',
      authzReq('POST', '/v1.41/containers/ok/start'),
    );
    expect(start1.json).toMatchObject({ Allow: true });
    const exec = await post(
      socket,
      '/AuthZPlugin.AuthZReq',
      authzReq('POST', '/v1.41/containers/bad/exec'),
    );
    expect(exec.json).toMatchObject({
      Allow: false,
      Msg: 'gatehouse: container bad is not allowed',
    });
    expect(seen).toEqual(['create good/app:1', 'create evil/app:1', 'start ok', 'exec bad']);
  });

  it('passes other calls and every response without asking the policy', async () => {
    const seen: string[] = [];
    const socket = await start(fakeDecider(seen));
    for (const [method, uri] of [
      ['GET', '/v1.41/containers/json'],
      ['POST', '/v1.41/containers/x/stop'],
      ['DELETE', '/v1.41/containers/x'],
    ] as const)
      expect((await post(socket, '/AuthZPlugin.AuthZReq', authzReq(method, uri))).json).toEqual({
        Allow: true,
        Msg: '',
      });
    const response = await post(socket, '/AuthZPlugin.AuthZRes', {
      ...authzReq('POST', '/v1.41/containers/create', { Image: 'evil/app:1' }),
      ResponseStatusCode: 201,
    });
    expect(response.json).toEqual({ Allow: true, Msg: '' });
    expect(seen).toEqual([]);
  });

  it('fails closed: untrusted garbage, a create without an image, a throwing or slow policy', async () => {
    const socket = await start(
      fakeDecider([], {
        create: () => new Promise((r) => setTimeout(r, 0)),
      }),
      200,
    );
    const ask = async (body: unknown) => (await post(socket, '/AuthZPlugin.AuthZReq', body)).json;
    expect(await ask('{not json')).toMatchObject({
      Allow: false,
      Msg: expect.stringContaining('not JSON'),
    });
    expect(await ask({ RequestMethod: 5 })).toMatchObject({
      Allow: false,
      Msg: expect.stringContaining('malformed'),
    });
    expect(await ask(authzReq('POST', '/containers/create', { Cmd: ['sh'] }))).toMatchObject({
      Allow: false,
      Msg: expect.stringContaining('names no image'),
    });
    expect(await ask(authzReq('POST', '/containers/create', { Image: 'boom' }))).toMatchObject({
      Allow: false,
      Msg: expect.stringContaining('docker exploded'),
    });
  });

  it('denies a decision that takes longer than its timeout', async () => {
    const socket = await start(
      fakeDecider([], { create: () => new Promise((r) => setTimeout(r, 2_000)) }),
      100,
    );
    const answer = await post(
      socket,
      '/AuthZPlugin.AuthZReq',
      authzReq('POST', '/containers/create', { Image: 'good/app:1' }),
    );
    expect(answer.json).toMatchObject({
      Allow: false,
      Msg: expect.stringContaining('no decision within 0.1 s'),
    });
  });

  it('serves requests concurrently: a decision waiting on a callback never blocks the callback', async () => {
    let release: (() => void) | undefined;
    const waiting = new Promise<void>((r) => (release = r));
    const socket = await start(fakeDecider([], { create: () => waiting }));
    const blocked = post(
      socket,
      '/AuthZPlugin.AuthZReq',
      authzReq('POST', '/containers/create', { Image: 'good/app:1' }),
    );
    // The "callback" (here: an image inspect the decider would make) is answered meanwhile.
    const callback = await post(
      socket,
      '/AuthZPlugin.AuthZReq',
      authzReq('GET', '/v1.41/images/good/app:1/json'),
    );
    expect(callback.json).toEqual({ Allow: true, Msg: '' });
    release?.();
    expect((await blocked).json).toEqual({ Allow: true, Msg: '' });
  });

  it('answers 50 parallel denied creates, each with its own message', async () => {
    const socket = await start(fakeDecider([]));
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        post(
          socket,
          '/AuthZPlugin.AuthZReq',
          authzReq('POST', '/containers/create', { Image: `evil/${i}` }),
        ),
      ),
    );
    answers.forEach((a, i) =>
      expect(a.json).toEqual({ Allow: false, Msg: `gatehouse: image evil/${i} is not allowed` }),
    );
  });

  it('refuses a socket another process serves', async () => {
    const socket = await start(fakeDecider([]));
    await expect(
      startAuthzServer({ socketPath: socket, decider: fakeDecider([]) }),
    ).rejects.toThrow(/is in use/);
    expect((await post(socket, '/Plugin.Activate', '')).json).toEqual({ Implements: ['authz'] });
  });

  it('replaces a stale socket file left by a crashed run', async () => {
    const socket = await start(fakeDecider([]));
    await server?.close();
    writeFileSync(socket, ''); // what a killed process leaves: a path nobody answers on
    server = await startAuthzServer({ socketPath: socket, decider: fakeDecider([]) });
    expect((await post(socket, '/Plugin.Activate', '')).json).toEqual({ Implements: ['authz'] });
  });
});
