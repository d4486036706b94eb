import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ApiEventMessage } from '../../electron/engine/api/api-events.js';
import type { SwitchableFace } from '../../electron/engine/api/switchable-face.js';
import { openAppEngine } from '../../electron/engine/control/app-engine.js';
import { runDetached, removeAllContainers } from '../env/containers.js';
import { connectDockerd, type DockerClient } from '../env/dockerd.js';
import { importImage } from '../env/images.js';
import { configDirWith, gatehouse, spawnDaemon, waitFor } from './support/engine-harness.js';

/**
 * The desktop app's engine (`openAppEngine`, what electron/main wires, run here in Node): it
 * runs the engine itself until a `gatehouse daemon` starts on the same folder, then hands over
 * and goes on as the daemon's face.
 */
let dockerd: DockerClient;
let allowedId: string;
let unknownId: string;
let app: SwitchableFace | undefined;
let daemon: ChildProcess | undefined;
let configDir: string | undefined;

beforeAll(async () => {
  dockerd = connectDockerd(inject('dockerdDir'));
  allowedId = await importImage(dockerd, 'app/allowed:1');
  unknownId = await importImage(dockerd, 'app/unknown:1');
});

afterEach(async () => {
  await app?.close();
  if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
    daemon.kill('SIGTERM');
    await once(daemon, 'exit');
  }
  await removeAllContainers(dockerd);
  if (configDir) rmSync(configDir, { recursive: true, force: true });
  app = daemon = configDir = undefined;
});

describe("the desktop app's engine", () => {
  it('hands over to a daemon started on its folder and becomes its face', async () => {
    configDir = configDirWith({ mode: 'enforce', allow: [allowedId] });
    const problems: string[] = [];
    const face = (app = await openAppEngine({
      configDir,
      dockerHost: dockerd.host,
      log: (m) => problems.push(m),
    }));
    expect(face.kind).toBe('local');
    await waitFor('the local engine to be ready', async () => face.status().ready);
    const got: ApiEventMessage[] = [];
    face.subscribe((m) => got.push(m));

    let out = '';
    daemon = spawnDaemon(configDir, dockerd.host, [], (text) => (out += text));
    await waitFor('the daemon to be ready', async () => {
      if (daemon?.exitCode !== null) throw new Error(`daemon exited: ${out}`);
      return out.includes('gatehouse ready');
    });
    expect(out).toContain('the desktop app hands the config folder over');
    await waitFor('the app to attach', async () => face.kind === 'attached');
    await waitFor('the catch-up events', async () => got.some((m) => m.event === 'approvals'));
    expect(face.status()).toMatchObject({ enforcing: true, ready: true, configDir });

    // One engine now, the daemon's: the app's calls and the CLI's meet there.
    await face.handlers['allowlist.add']({ entries: [unknownId], label: 'from the app' });
    const listed = await gatehouse(['--config-dir', configDir, 'allowlist', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ digest: unknownId })]),
    );
    await face.handlers['allowlist.remove']({ entries: [unknownId] });
    await runDetached(dockerd, 'seen-by-app', 'app/unknown:1');
    const removed = await waitFor('the removal, reported by the daemon', async () =>
      got.find((m) => m.event === 'decision' && m.data.containerName === 'seen-by-app'),
    );
    expect(removed.data).toMatchObject({ decision: 'removed', imageId: unknownId });
    expect(problems).toEqual([]);
  });

  it('is the face of a daemon that already runs, from the start', async () => {
    configDir = configDirWith({ mode: 'enforce', allow: [allowedId] });
    let out = '';
    daemon = spawnDaemon(configDir, dockerd.host, [], (text) => (out += text));
    await waitFor('the daemon to be ready', async () => out.includes('gatehouse ready'));
    app = await openAppEngine({ configDir, dockerHost: dockerd.host, log: () => undefined });
    expect(app.kind).toBe('attached');
    expect(out).not.toContain('hands the config folder over');
    // A daemon does not hand over: a second one stops at once, saying why.
    const second = await gatehouse([
      ...['--config-dir', configDir, '--docker-host', dockerd.host, 'daemon'],
    ]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`another gatehouse daemon runs on ${configDir}`);
  });

  it('runs the engine again once the daemon it is attached to has stopped for good', async () => {
    configDir = configDirWith({ mode: 'enforce', allow: [allowedId] });
    let out = '';
    daemon = spawnDaemon(configDir, dockerd.host, [], (text) => (out += text));
    await waitFor('the daemon to be ready', async () => out.includes('gatehouse ready'));
    const face = (app = await openAppEngine({
      configDir,
      dockerHost: dockerd.host,
      log: () => undefined,
    }));
    expect(face.kind).toBe('attached');
    const got: ApiEventMessage[] = [];
    face.subscribe((m) => got.push(m));
    daemon.kill('SIGTERM'); // stopped, and no watchdog brings it back
    await once(daemon, 'exit');
    await waitFor('the app to run the engine', async () => face.kind === 'local', 45_000);
    await waitFor('the local engine to be ready', async () => face.status().ready);
    expect(face.status()).toMatchObject({ enforcing: true, configDir });
    await runDetached(dockerd, 'after-daemon', 'app/unknown:1');
    const removed = await waitFor('the removal, by the app itself', async () =>
      got.find((m) => m.event === 'decision' && m.data.containerName === 'after-daemon'),
    );
    expect(removed.data).toMatchObject({ decision: 'removed', imageId: unknownId });
  }, 90_000);
});
