import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ApiError,
  dispatch,
  type ApiHandlers,
} from '../../../../electron/engine/api/api-handlers.js';
import { startControlServer } from '../../../../electron/engine/control/control-server.js';
import { controlSocketPath } from '../../../../electron/engine/control/control-socket.js';
import {
  callEngine,
  NoEngineError,
  requestHandover,
} from '../../../../electron/engine/control/control-client.js';
import { InvalidInputError } from '../../../../electron/engine/policy/allowlist-editor.js';
import { apiChannels } from '../../../../shared/api/channels.js';

/** Handlers that record what reached them; the engine's own are covered by integration tests. */
function recordingHandlers(seen: unknown[]): ApiHandlers {
  const fail = async () => {
    throw new Error('not used here');
  };
  const used: Partial<ApiHandlers> = {
    'allowlist.add': async (r) => {
      seen.push(r);
      if (r.entries.includes(`sha256:${'f'.repeat(64)}`))
        throw new InvalidInputError('Nothing was added: refused');
      return { added: r.entries, alreadyPresent: [] };
    },
    'mode.set': async (r) => {
      seen.push(r);
      throw new Error('docker exploded');
    },
  };
  return {
    ...Object.fromEntries(apiChannels.map((channel) => [channel, fail])),
    ...used,
  } as ApiHandlers;
}

describe('API dispatch', () => {
  it('validates requests before any handler runs', async () => {
    const seen: unknown[] = [];
    const h = recordingHandlers(seen);
    await expect(dispatch(h, 'allowlist.add', { entries: [] })).rejects.toThrow(
      /entries: give at least one entry/,
    );
    await expect(dispatch(h, 'allowlist.add', { entries: ['x'], extra: 1 })).rejects.toThrow(
      /Unrecognized key/,
    );
    await expect(dispatch(h, 'allowlist.add', { entries: ['x'], label: 'a\nb' })).rejects.toThrow(
      /label: a label cannot contain control characters, line breaks or bidi controls: found \\n/,
    );
    await expect(dispatch(h, 'mode.set', { mode: 'lenient' })).rejects.toMatchObject({
      code: 'invalid-request',
    });
    await expect(dispatch(h, 'shell.exec', {})).rejects.toMatchObject({ code: 'unknown-channel' });
    expect(seen).toEqual([]);
  });

  it('maps refused input and failures to their codes', async () => {
    const h = recordingHandlers([]);
    await expect(
      dispatch(h, 'allowlist.add', { entries: [`sha256:${'f'.repeat(64)}`] }),
    ).rejects.toMatchObject({
      code: 'invalid-request',
      message: 'Nothing was added: refused',
    });
    await expect(dispatch(h, 'mode.set', { mode: 'audit' })).rejects.toBeInstanceOf(ApiError);
  });
});

describe('control socket', () => {
  let close: (() => void) | undefined;
  afterEach(() => close?.());

  it('serves the API owner-only and answers errors as errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-ctl-'));
    const path = controlSocketPath(dir);
    const seen: unknown[] = [];
    const server = await startControlServer(path, recordingHandlers(seen));
    close = () => server.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const a = `sha256:${'a'.repeat(64)}`;
    await expect(callEngine(path, 'allowlist.add', { entries: [a] })).resolves.toEqual({
      added: [a],
      alreadyPresent: [],
    });
    await expect(callEngine(path, 'allowlist.add', { entries: [] })).rejects.toMatchObject({
      name: 'ApiError',
      code: 'invalid-request',
      problems: ['entries: give at least one entry'],
    });
    await expect(callEngine(path, 'mode.set', { mode: 'audit' })).rejects.toThrow(
      /docker exploded/,
    );
    const raw = await new Promise<number>((resolve, reject) => {
      const req = request({ socketPath: path, path: '/api/allowlist.add', method: 'POST' }, (res) =>
        resolve(res.statusCode ?? 0),
      );
      req.on('error', reject);
      req.end('{not json');
    });
    expect(raw).toBe(400);
  });

  it('replaces a socket left by a dead engine, refuses to share a live one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-ctl-'));
    const path = controlSocketPath(dir);
    writeFileSync(path, ''); // what a crashed engine leaves: a file nobody listens on
    const server = await startControlServer(path, recordingHandlers([]));
    close = () => server.close();
    await expect(startControlServer(path, recordingHandlers([]))).rejects.toThrow(
      /already listens/,
    );
  });

  it('answers a handover request only where one is accepted, and acts after answering', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-ctl-'));
    const path = controlSocketPath(dir);
    expect(await requestHandover(path)).toBe('none');
    const daemonLike = await startControlServer(path, recordingHandlers([]));
    expect(await requestHandover(path)).toBe('refused');
    daemonLike.close();
    let handedOver = 0;
    const appLike = await startControlServer(path, recordingHandlers([]), {
      onHandover: () => handedOver++,
    });
    close = () => appLike.close();
    expect(await requestHandover(path)).toBe('granted');
    expect(handedOver).toBe(1);
  });

  it('tells the CLI when no engine listens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-ctl-'));
    await expect(callEngine(controlSocketPath(dir), 'status.get', {})).rejects.toBeInstanceOf(
      NoEngineError,
    );
  });

  it('refuses a socket path the OS cannot bind', () => {
    expect(() => controlSocketPath(`/tmp/${'x'.repeat(120)}`)).toThrow(
      /too long .* shorter --config-dir/,
    );
    expect(controlSocketPath('C:\\Users\\dev\\AppData\\Roaming\\Gatehouse', 'win32')).toMatch(
      /^\\\\\.\\pipe\\gatehouse-[0-9a-f]{16}$/,
    );
  });
});
