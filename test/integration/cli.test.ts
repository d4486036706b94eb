import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { connectDockerd, type DockerClient } from '../env/dockerd.js';
import { importImage } from '../env/images.js';
import { mustRun, removeAllContainers, runDetached } from '../env/containers.js';
import type { ApiEventMessage } from '../../electron/engine/api/api-events.js';
import { RemoteEngine } from '../../electron/engine/control/remote-engine.js';
import { CLI, configDirWith, gatehouse, waitFor } from './support/engine-harness.js';

/** The `gatehouse` command as a user runs it, against the shared real dockerd. */
let dockerd: DockerClient;
let allowedId: string;
let unknownId: string;
let daemon: ChildProcess | undefined;

const gh = (configDir: string, ...args: string[]) =>
  gatehouse(['--config-dir', configDir, '--docker-host', dockerd.host, ...args]);

const exists = async (name: string) => (await dockerd.docker(['inspect', name])).code === 0;

/** Starts `gatehouse daemon` and resolves with its output so far once it printed `ready`. */
async function startDaemon(
  configDir: string,
  ...options: string[]
): Promise<{ output: () => string }> {
  const child = spawn(process.execPath, [
    CLI,
    '--config-dir',
    configDir,
    '--docker-host',
    dockerd.host,
    'daemon',
    ...options,
  ]);
  daemon = child;
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  await waitFor(
    'the daemon to print ready',
    async () => out.includes('ready') || child.exitCode !== null,
  );
  if (child.exitCode !== null) throw new Error(`daemon exited: ${out}`);
  return { output: () => out };
}

beforeAll(async () => {
  dockerd = connectDockerd(inject('dockerdDir'));
  allowedId = await importImage(dockerd, 'cli/allowed:1');
  unknownId = await importImage(dockerd, 'cli/unknown:1');
});

beforeEach(() => removeAllContainers(dockerd));

afterEach(async () => {
  if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon?.once('exit', r));
  }
  daemon = undefined;
});

describe('gatehouse daemon and the control socket', () => {
  it('applies CLI changes at once through the running daemon, then stops cleanly', async () => {
    const configDir = configDirWith({ mode: 'enforce', allow: [allowedId] });
    const { output } = await startDaemon(configDir);
    expect(output()).toMatch(
      /gatehouse ready: watching unix:\/\/.* \(enforcement on, mode enforce/,
    );

    const status = await gh(configDir, 'status', '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      daemonRunning: true,
      ready: true,
      connection: { state: 'connected', dockerHost: dockerd.host },
      enforcement: { enabled: true, mode: 'enforce' },
      prevention: { ask: false, builds: 'allow', plugin: { state: 'off' } },
      counts: { allowlist: 1 },
    });

    await mustRun(dockerd, 'app', 'cli/allowed:1');
    const add = await gh(configDir, 'allowlist', 'add', unknownId, '--label', 'reviewed');
    expect(add.stdout).toContain('applied by the running engine');

    const remove = await gh(configDir, 'allowlist', 'remove', allowedId);
    expect(remove.code).toBe(0);
    // The daemon swept before answering: the container allowed only by that entry is gone.
    expect(await exists('app')).toBe(false);
    await waitFor('the daemon to report the removal', async () => /REMOVED\s+app/.test(output()));

    daemon?.kill('SIGTERM');
    const [code] = await new Promise<[number | null]>((r) => daemon?.once('exit', (c) => r([c])));
    expect(code).toBe(0);
    expect(existsSync(join(configDir, 'control.sock'))).toBe(false);
    expect(
      JSON.parse(readFileSync(join(configDir, 'settings.json'), 'utf8')).allowlist,
    ).toMatchObject([{ digest: unknownId, label: 'reviewed', source: 'manual' }]);
  });

  it('changes managed containers through the running daemon (every channel reaches it)', async () => {
    const configDir = configDirWith({ mode: 'enforce', allow: [allowedId] });
    await startDaemon(configDir);
    const set = await gh(configDir, 'instance', 'set', 'nosuch', '--clear-digest', '--dry-run');
    expect(set.stderr).not.toMatch(/expected POST/);
    expect(set.stderr).toMatch(/no instance named "?nosuch/);
  });

  it("says whether prevention works: off without the plugin, serving with the daemon's", async () => {
    const configDir = configDirWith({ mode: 'enforce', allow: [allowedId] });
    const idle = await gh(configDir, 'status');
    expect(idle.stdout).toMatch(
      /^prevention: {2}off, reactive guard only; turn it on: gatehouse daemon --authz-socket \/run\/gatehouse\/authz.sock, then sudo gatehouse authz install$/m,
    );
    // Served on a socket dockerd is not configured for: the daemon serves it, dockerd ignores it.
    const socket = join(mkdtempSync(join(tmpdir(), 'gh-authz-')), 'authz.sock');
    await startDaemon(configDir, '--authz-socket', socket);
    const serving = await gh(configDir, 'status');
    expect(serving.stdout).toMatch(
      new RegExp(`^prevention: {2}on: serving the authorization plugin on ${socket} \\(`, 'm'),
    );
    expect(JSON.parse((await gh(configDir, 'status', '--json')).stdout).prevention).toEqual({
      ask: false,
      builds: 'allow',
      plugin: { state: 'serving', socketPath: socket },
    });
    // Builds allowed (the default) are a warning while the plugin serves; refusing them says so.
    expect(serving.stdout).toContain('WARNING: builds are allowed and their steps run undecided');
    const refuse = await gh(configDir, 'prevention', 'builds', 'refuse');
    expect(refuse.stdout).toContain('builds refused while enforcing');
    expect((await gh(configDir, 'status')).stdout).toContain('builds refused while enforcing');
    expect((await gh(configDir, 'prevention', 'builds', 'sometimes')).code).toBe(2);
  });

  it('refuses to start on a corrupt settings file, naming it and changing nothing', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'gh-cfg-'));
    const file = join(configDir, 'settings.json');
    writeFileSync(file, '{"schemaVersion":1,"allowlist":[}');
    const run = await gh(configDir, 'daemon');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(file);
    expect(run.stderr).toMatch(/not valid JSON.*will not start until it is fixed/);
    expect(readFileSync(file, 'utf8')).toBe('{"schemaVersion":1,"allowlist":[}');
  });

  it('follows the decision log as decisions happen', async () => {
    const configDir = configDirWith({ mode: 'enforce', allow: [allowedId] });
    await startDaemon(configDir);
    const follower = spawn(process.execPath, [
      CLI,
      '--config-dir',
      configDir,
      'log',
      '--follow',
      '--json',
    ]);
    let out = '';
    follower.stdout.on('data', (b: Buffer) => (out += b.toString()));
    try {
      await new Promise((r) => setTimeout(r, 500));
      // In enforce mode `docker run` itself may fail: the container can be removed once created.
      await runDetached(dockerd, 'followed', 'cli/unknown:1');
      const line = await waitFor('a followed record', async () =>
        out.split('\n').find((l) => l.includes('"followed"')),
      );
      expect(JSON.parse(line)).toMatchObject({
        containerName: 'followed',
        decision: 'removed',
        imageId: unknownId,
      });
    } finally {
      follower.kill('SIGTERM');
    }
    const log = await gh(configDir, 'log', '--json');
    expect(
      log.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).containerName),
    ).toContain('followed');
  });
  it("is the desktop app's engine: calls and events over the control socket, across a restart", async () => {
    const configDir = configDirWith({ mode: 'enforce', allow: [allowedId] });
    await startDaemon(configDir);
    const face = await RemoteEngine.attach(configDir);
    if (!face) throw new Error('the running daemon was not found');
    const got: ApiEventMessage[] = [];
    face.subscribe((m) => got.push(m));
    try {
      expect(face.status()).toMatchObject({ enforcing: true, ready: true, configDir });
      // A change made through the face comes back as the daemon's event, status refreshed.
      await waitFor('the settings event', async () => {
        await face.handlers['notifications.set']({ enabled: false });
        return got.some((m) => m.event === 'settings');
      });
      expect(face.status().notifications).toEqual({ enabled: false });
      await runDetached(dockerd, 'faced', 'cli/unknown:1');
      const removed = await waitFor('the removal event', async () =>
        got.find((m) => m.event === 'decision' && m.data.containerName === 'faced'),
      );
      expect(removed.data).toMatchObject({ decision: 'removed', imageId: unknownId });

      // The daemon stops (a crash, or its watchdog restarting it): the face says so...
      daemon?.kill('SIGTERM');
      await waitFor(
        'the disconnection',
        async () => face.status().connection.state === 'disconnected',
      );
      expect(face.status()).toMatchObject({ enforcing: false, ready: false });
      // ...and once a daemon is back, it reattaches and tells its listeners to refetch.
      got.length = 0;
      await startDaemon(configDir);
      await waitFor('the catch-up', async () => got.some((m) => m.event === 'approvals'));
      await waitFor('the status', async () => face.status().enforcing);
      expect(face.status()).toMatchObject({ ready: true, notifications: { enabled: false } });
    } finally {
      await face.close();
    }
  });
});

describe('gatehouse without a daemon', () => {
  it('check reports every container without acting, exit 3 when one is not allowed', async () => {
    const configDir = configDirWith({ mode: 'enforce', allow: [allowedId] });
    await mustRun(dockerd, 'fine', 'cli/allowed:1');
    expect((await gh(configDir, 'check')).code).toBe(0);
    await mustRun(dockerd, 'stray', 'cli/unknown:1');
    const check = await gh(configDir, 'check', '--json');
    expect(check.code).toBe(3);
    const report = JSON.parse(check.stdout);
    expect(report.allAllowed).toBe(false);
    expect(report.containers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ containerName: 'fine', allowed: true }),
        expect.objectContaining({ containerName: 'stray', allowed: false, imageId: unknownId }),
      ]),
    );
    expect(await exists('stray')).toBe(true);
  });

  it('refuses bad entries and bad files with a clear message and saves nothing', async () => {
    const configDir = configDirWith({ mode: 'enforce', allow: [allowedId] });
    const file = join(configDir, 'settings.json');
    const before = readFileSync(file, 'utf8');

    const add = await gh(configDir, 'allowlist', 'add', unknownId, 'nginx:latest');
    expect(add.code).toBe(1);
    expect(add.stderr).toMatch(
      /Nothing was added: "nginx:latest" is not a digest: expected "sha256:"/,
    );

    const list = join(configDir, 'import.txt');
    writeFileSync(list, `# reviewed\n${unknownId}\nsha256:${'A'.repeat(64)}\n`);
    const imported = await gh(configDir, 'allowlist', 'import', list);
    expect(imported.code).toBe(1);
    expect(imported.stderr).toMatch(/Nothing was imported: line 3: .* uppercase/);

    expect((await gh(configDir, 'mode', 'lenient')).code).toBe(2);
    expect((await gh(configDir, 'log', '-n', 'zero')).code).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('lists the engines it finds, the watched one answering with its version', async () => {
    const configDir = configDirWith({ mode: 'audit' });
    const run = await gh(configDir, 'engines', '--json');
    expect(run.code).toBe(0);
    const [watched, ...others] = JSON.parse(run.stdout) as {
      url: string;
      watched: boolean;
      answers: boolean;
      version?: string;
    }[];
    expect(watched).toMatchObject({ url: dockerd.host, watched: true, answers: true });
    expect(watched?.version).toMatch(/^20\./);
    expect(others.map((o) => o.url)).toContain('unix:///run/podman/podman.sock');
    expect(others.every((o) => !o.watched)).toBe(true);
  });

  it("imports and exports Kura's newline format", async () => {
    const configDir = configDirWith({ mode: 'audit' });
    const list = join(configDir, 'import.txt');
    writeFileSync(list, `\n  ${allowedId}  \n# a comment\n${unknownId} # second image\n\n`);
    const imported = await gh(configDir, 'allowlist', 'import', list);
    expect(imported.stdout).toMatch(/imported 2 entries/);
    const exported = await gh(configDir, 'allowlist', 'export');
    expect(exported.stdout).toBe(`${allowedId}\n${unknownId} # second image\n`);
    const listed = JSON.parse((await gh(configDir, 'allowlist', 'list', '--json')).stdout);
    expect(listed.map((e: { source: string }) => e.source)).toEqual(['import', 'import']);
  });
});
