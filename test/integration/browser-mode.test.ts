import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { WebSocket } from 'ws';
import type { BridgeEventMessage } from '../../electron/engine/browser-bridge/browser-bridge.js';
import { connectDockerd, type DockerClient } from '../env/dockerd.js';
import { importImage } from '../env/images.js';
import { removeAllContainers, runDetached } from '../env/containers.js';
import { CLI, configDirWith, gatehouse, waitFor } from './support/engine-harness.js';

/** `gatehouse daemon --ui` as a browser uses it, against the shared real dockerd. */
let dockerd: DockerClient;
let unknownId: string;
let daemon: ChildProcess | undefined;

/** A stand-in for the built renderer, which this test does not need. */
function uiDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gh-ui-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Gatehouse</title>');
  return dir;
}

/** Starts the daemon with the UI and resolves with the link it printed, once it is ready. */
async function startUiDaemon(configDir: string): Promise<URL> {
  const child = spawn(
    process.execPath,
    [CLI, 'daemon', '--ui', '0', '--config-dir', configDir, '--docker-host', dockerd.host],
    { env: { ...process.env, GATEHOUSE_UI_DIR: uiDir() } },
  );
  daemon = child;
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const link = await waitFor('the daemon to print its UI link and ready', async () => {
    if (child.exitCode !== null) throw new Error(`daemon exited: ${out}`);
    const printed = /^gatehouse ui: (\S+)$/m.exec(out)?.[1];
    return out.includes('gatehouse ready') && printed;
  });
  return new URL(link);
}

beforeAll(async () => {
  dockerd = connectDockerd(inject('dockerdDir'));
  unknownId = await importImage(dockerd, 'browser/unknown:1');
});

beforeEach(() => removeAllContainers(dockerd));

afterEach(async () => {
  if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
    daemon.kill('SIGTERM');
    await once(daemon, 'exit');
  }
  daemon = undefined;
});

describe('gatehouse daemon --ui', () => {
  it('serves the API and live decisions to the holder of the printed token only', async () => {
    const configDir = configDirWith({ mode: 'enforce' });
    const link = await startUiDaemon(configDir);
    expect(link.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const token = /^#token=([A-Za-z0-9_-]{43})$/.exec(link.hash)?.[1] ?? '';
    expect(token).not.toBe('');

    const status = (headers: Record<string, string>) =>
      fetch(`${link.origin}/api/status.get`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{}',
      });
    const ok = await status({ authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      result: { ready: true, enforcing: true, enforcement: { enabled: true, mode: 'enforce' } },
    });
    expect((await status({})).status).toBe(401);
    const foreign = await status({
      authorization: `Bearer ${token}`,
      origin: 'http://evil.example',
    });
    expect(foreign.status).toBe(403);

    const page = await fetch(`${link.origin}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain(
      `connect-src 'self' ws://${link.host}`,
    );

    const ws = new WebSocket(
      `ws://${link.host}/events`,
      ['gatehouse.v1', `gatehouse.token.${token}`],
      { origin: link.origin },
    );
    const messages: BridgeEventMessage[] = [];
    ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString())));
    await once(ws, 'open');
    try {
      // In enforce mode `docker run` itself may fail: the container can be removed once created.
      await runDetached(dockerd, 'browsed', 'browser/unknown:1');
      const decided = await waitFor('the decision over the WebSocket', async () =>
        messages.find((m) => m.event === 'decision' && m.data.containerName === 'browsed'),
      );
      expect(decided.data).toMatchObject({ decision: 'removed', imageId: unknownId });
      expect(messages.some((m) => m.event === 'containers')).toBe(true);
    } finally {
      ws.terminate();
    }

    daemon?.kill('SIGTERM');
    const [code] = (await once(daemon as ChildProcess, 'exit')) as [number | null];
    expect(code).toBe(0);
    await expect(fetch(`${link.origin}/`)).rejects.toThrow();
  });

  it('refuses to start without a built UI, saying how to build it', async () => {
    const configDir = configDirWith({ mode: 'audit' });
    const empty = mkdtempSync(join(tmpdir(), 'gh-ui-'));
    const run = await gatehouse(
      ['--config-dir', configDir, '--docker-host', dockerd.host, 'daemon', '--ui'],
      { GATEHOUSE_UI_DIR: empty },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(join(empty, 'index.html'));
    expect(run.stderr).toContain('npm run build');
  });
});
