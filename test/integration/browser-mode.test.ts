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
import { configDirWith, gatehouse, waitFor } from './support/engine-harness.js';
import { startUiDaemon, type UiDaemon } from './support/ui-daemon.js';

/** `gatehouse daemon --ui` as a browser uses it, against the shared real dockerd. */
let dockerd: DockerClient;
let unknownId: string;
let daemon: UiDaemon | undefined;

/** A stand-in for the built renderer, which this test does not need. */
function uiDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gh-ui-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Gatehouse</title>');
  return dir;
}

beforeAll(async () => {
  dockerd = connectDockerd(inject('dockerdDir'));
  unknownId = await importImage(dockerd, 'browser/unknown:1');
});

beforeEach(() => removeAllContainers(dockerd));

afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
});

describe('gatehouse daemon --ui', () => {
  it('serves the API and live decisions to the holder of the printed token only', async () => {
    const configDir = configDirWith({ mode: 'enforce' });
    daemon = await startUiDaemon(configDir, dockerd.host, uiDir());
    const { link, token } = daemon;
    expect(link.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

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

    expect(await daemon.stop()).toBe(0);
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
