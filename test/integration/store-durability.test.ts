import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, watch, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { settingsSchema } from '../../shared/api/schemas.js';
import { CLI, gatehouse, spawnDaemon, waitFor } from './support/engine-harness.js';
import { mountTinyFs, type TinyFs } from './support/tiny-fs.js';

/** Saved state on a real 64 kB tmpfs and under SIGKILL: never lost, never half-written. */
let tiny: TinyFs;
let daemon: ChildProcess | undefined;
const dockerHost = () => inject('dockerHost');

const digest = (i: number) => `sha256:${i.toString(16).padStart(64, '0')}`;
const gh = (configDir: string, ...args: string[]) =>
  gatehouse(['--config-dir', configDir, '--docker-host', dockerHost(), ...args]);
const settingsOf = (configDir: string) => join(configDir, 'settings.json');
const allowlistOf = (configDir: string) =>
  settingsSchema
    .parse(JSON.parse(readFileSync(settingsOf(configDir), 'utf8')))
    .allowlist.map((e) => e.digest as string);

beforeAll(() => {
  tiny = mountTinyFs('64k');
});

afterAll(() => tiny?.unmount());

afterEach(async () => {
  if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
    daemon.kill('SIGTERM');
    await once(daemon, 'exit');
  }
  daemon = undefined;
  tiny.free();
});

describe('durable writes on a full 64 kB file system', () => {
  it('a CLI add of 2000 digests fails naming the file, which stays byte-identical', async () => {
    const configDir = join(tiny.dir, 'cli');
    expect((await gh(configDir, 'allowlist', 'add', digest(1))).code).toBe(0);
    const before = readFileSync(settingsOf(configDir));

    const run = await gh(
      configDir,
      'allowlist',
      'add',
      ...Array.from({ length: 2000 }, (_, i) => digest(i + 2)),
    );

    expect(run.code).not.toBe(0);
    expect(run.stdout).not.toMatch(/added|saved/);
    expect(run.stderr).toContain(
      `disk full while saving ${settingsOf(configDir)}: nothing was changed`,
    );
    expect(readFileSync(settingsOf(configDir)).equals(before)).toBe(true);
    // No temp file or lock left behind.
    expect(readdirSync(configDir).filter((f) => f !== 'settings.last-good.json')).toEqual([
      'settings.json',
    ]);
    expect(allowlistOf(configDir)).toEqual([digest(1)]);
  });

  it('a daemon refuses a write with the reason, keeps serving reads, and writes again once there is space', async () => {
    const configDir = join(tiny.dir, 'daemon');
    mkdirSync(configDir, { mode: 0o700 });
    let out = '';
    daemon = spawnDaemon(configDir, dockerHost(), [], (text) => (out += text));
    await waitFor('the daemon to be ready', async () => out.includes('gatehouse ready'));
    expect((await gh(configDir, 'allowlist', 'add', digest(1))).code).toBe(0);
    const before = readFileSync(settingsOf(configDir));

    tiny.fill();
    const refused = await gh(configDir, 'allowlist', 'add', digest(2));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      `disk full while saving ${settingsOf(configDir)}: nothing was changed`,
    );
    expect(readFileSync(settingsOf(configDir)).equals(before)).toBe(true);

    // Reads still answer from the daemon, with the policy as it was.
    const list = await gh(configDir, 'allowlist', 'list', '--json');
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { digest: string }[]).map((e) => e.digest)).toEqual([
      digest(1),
    ]);
    const status = await gh(configDir, 'status', '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      daemonRunning: true,
      counts: { allowlist: 1 },
    });

    tiny.free();
    const added = await gh(configDir, 'allowlist', 'add', digest(2));
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(allowlistOf(configDir)).toEqual([digest(1), digest(2)]);
    expect(daemon.exitCode).toBeNull();
  });
});

describe('a CLI writer killed at random moments', () => {
  it('20 SIGKILLs in 200 sequential adds: the file always parses and holds every acknowledged add', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'gh-kill-'));
    const writes = 200;
    const killed = new Set<number>();
    while (killed.size < 20) killed.add(Math.floor(Math.random() * writes));
    const acknowledged: string[] = [];
    let killedAfterAck = 0;
    let killedHolding = 0;
    // A killed run is cut somewhere within a normal run's length, measured as we go.
    let typicalMs = 1_500;

    for (let i = 0; i < writes; i++) {
      const child = spawn(process.execPath, [
        CLI,
        '--config-dir',
        configDir,
        '--docker-host',
        dockerHost(),
        'allowlist',
        'add',
        digest(i),
      ]);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const kill = (withinMs: number) =>
        (timer = setTimeout(() => child.kill('SIGKILL'), Math.random() * withinMs));
      // Half the kills at any moment of a run (mostly Node starting up), half while the run
      // holds the folder's lock and writes, where a kill leaves a lock and a temp file behind.
      const watcher =
        killed.has(i) && i % 2 === 1
          ? watch(configDir, (_, name) => {
              if (name === 'gatehouse.lock' && !timer) kill(30);
            })
          : undefined;
      if (killed.has(i) && !watcher) kill(typicalMs);
      const [code, signal] = (await once(child, 'close')) as [number | null, string | null];
      clearTimeout(timer);
      watcher?.close();
      if (signal !== null && existsSync(join(configDir, 'gatehouse.lock'))) killedHolding++;
      if (signal === null) {
        expect({ i, code, stderr }).toEqual({ i, code: 0, stderr: '' });
        typicalMs = performance.now() - started;
      }
      if (stdout.includes(`added ${digest(i)}`)) {
        acknowledged.push(digest(i));
        if (signal !== null) killedAfterAck++;
      }
      // After every run, killed or not: whole, valid, and nothing acknowledged is missing.
      // (No file yet is the defaults: a run killed before its first save.)
      const present = new Set(existsSync(settingsOf(configDir)) ? allowlistOf(configDir) : []);
      expect(acknowledged.filter((d) => !present.has(d))).toEqual([]);
    }
    expect(acknowledged.length).toBeGreaterThanOrEqual(writes - killed.size);
    console.log(
      `kill test: ${killed.size} runs chosen for a kill, ${killedHolding} killed holding the lock, ${killedAfterAck} killed after acknowledging, ${acknowledged.length} of ${writes} adds acknowledged`,
    );
  }, 900_000);
});
