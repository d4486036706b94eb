import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEventMessage } from '../../electron/engine/api/api-events.js';
import { probePlugin } from '../../electron/engine/authz/authz-install.js';
import { RemoteEngine } from '../../electron/engine/control/remote-engine.js';
import { SETTINGS_FILE } from '../../electron/engine/store/settings-store.js';
import { must } from '../env/containers.js';
import { startDockerd, type Dockerd } from '../env/dockerd.js';
import { importImage } from '../env/images.js';
import { authzFlags, PLUGIN_SPEC_DIR } from './support/authz-plugin.js';
import { configDirWith, gatehouse, spawnDaemon, waitFor } from './support/engine-harness.js';

/**
 * The watchdog of `gatehouse daemon --authz-socket`: a private dockerd uses the plugin
 * (installed at runtime by `gatehouse authz install`); the daemon under the watchdog is killed,
 * crash-loops on a corrupt settings file, and is stopped, and Docker never hangs for 32 s.
 */
let dockerd: Dockerd;
let dir: string;
let daemonConfig: string;
let socketPath: string;
let configDir: string;
let allowedId: string;
let unknownId: string;
let watchdog: ChildProcess;
let out = '';
const name = `gh-test-${randomBytes(4).toString('hex')}`;
const spec = join(PLUGIN_SPEC_DIR, `${name}.spec`);

const setupFlags = () => authzFlags({ name, socketPath, daemonConfig, dockerd });
const status = () => gatehouse(['--docker-host', dockerd.host, 'authz', 'status', ...setupFlags()]);

/** How often `text` occurs in the watchdog's and its child's output so far. */
const count = (text: string) => out.split(text).length - 1;
/** The pid of the child the watchdog started last. */
const childPid = () => Number([...out.matchAll(/started the daemon \(pid (\d+)\)/g)].at(-1)?.[1]);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A docker command that must end within `ms` (a dead plugin would hold it for ~32 s). */
async function timed(ms: number, ...args: string[]) {
  const started = performance.now();
  const r = await dockerd.docker(args);
  const elapsed = performance.now() - started;
  expect(elapsed, `docker ${args.join(' ')} took ${elapsed.toFixed(0)} ms`).toBeLessThan(ms);
  return r;
}
const run = (image: string, ms = 8_000) =>
  timed(ms, 'run', '--rm', '--network', 'none', image, 'echo', 'RAN');

/** Waits until the watchdog's child has served the plugin and is ready `n` times in all. */
const readyTimes = (n: number, timeoutMs = 30_000) =>
  waitFor(
    `the daemon to be ready (${n})`,
    async () => {
      if (watchdog.exitCode !== null) throw new Error(`watchdog exited: ${out}`);
      return count('gatehouse ready') >= n;
    },
    timeoutMs,
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; output:\n${out}`);
  });

beforeAll(async () => {
  dir = mkdtempSync('/tmp/gh-azw-');
  daemonConfig = join(dir, 'daemon.json');
  socketPath = join(dir, 'authz.sock');
  writeFileSync(daemonConfig, '{}\n');
  dockerd = await startDockerd({ extraArgs: [`--config-file=${daemonConfig}`] });
  allowedId = await importImage(dockerd, 'wd/allowed:1');
  unknownId = await importImage(dockerd, 'wd/unknown:1');
  configDir = configDirWith({ mode: 'enforce', allow: [allowedId] });
  watchdog = spawnDaemon(configDir, dockerd.host, ['--authz-socket', socketPath], (text) => {
    out += text;
  });
  await readyTimes(1);
  await install('wd/unknown:1');
});

/** `gatehouse authz install`, then waits until dockerd refuses a create of `refusedImage`. */
async function install(refusedImage: string): Promise<void> {
  const r = await gatehouse(['authz', 'install', ...setupFlags()]);
  expect(r.code, r.stderr).toBe(0);
  await waitFor('dockerd to use the plugin', async () => {
    const created = await dockerd.docker(['create', '--network', 'none', refusedImage]);
    if (created.code === 0) await must(dockerd, ['rm', created.stdout.trim()]);
    return created.code !== 0;
  });
}

afterAll(async () => {
  const pid = out ? childPid() : NaN;
  watchdog?.kill('SIGKILL');
  if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
  // A dead plugin would hang dockerd's calls: take it out before dockerd goes.
  rmSync(spec, { force: true });
  await dockerd?.dispose();
  rmSync(dir, { recursive: true, force: true });
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

describe('the watchdog of gatehouse daemon --authz-socket', () => {
  it('runs the daemon as its child; authz status exits 0 while the plugin answers and is used', async () => {
    const pid = childPid();
    expect(pid).toBeGreaterThan(0);
    expect(pid).not.toBe(watchdog.pid);
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toContain(`PPid:\t${watchdog.pid}\n`);
    const r = await status();
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('uses the plugin: prevention is on');
  });

  it('restarts a daemon killed with SIGKILL; Docker never hangs and prevention resumes', async () => {
    const killed = childPid();
    process.kill(killed, 'SIGKILL');
    // At once: answered by the watchdog's fallback or by the new child, never a 32 s hang.
    expect((await timed(5_000, 'ps')).code).toBe(0);
    const meanwhile = await run('wd/unknown:1');
    expect(meanwhile.code).toBe(125);
    expect(meanwhile.stderr).toContain(`authorization denied by plugin ${name}: gatehouse: `);
    // The new child waits for the lock the killed one left (until it is stale, up to 15 s)
    // instead of failing after 9 s and restarting again; the stand-in answers meanwhile.
    await readyTimes(2);
    expect(count('restarting it in'), out).toBe(1);
    expect(out).toMatch(
      new RegExp(`the daemon \\(pid ${killed}\\) was killed by SIGKILL; restarting it in 250 ms`),
    );
    expect(childPid()).not.toBe(killed);
    expect((await run('wd/allowed:1')).stdout.trim()).toBe('RAN');
    const refused = await run('wd/unknown:1');
    expect(refused.code).toBe(125);
    expect(refused.stderr).toContain(
      `image wd/unknown:1 (${unknownId}) may not create a container`,
    );
    expect(refused.stderr).toContain('not on the allowlist');
  });

  it('logs every stand-in refusal exactly once, from the restarted daemon, which serves the plugin only once it holds the log', async () => {
    const killed = childPid();
    const name = `standin-${randomBytes(4).toString('hex')}`;
    const logged = () =>
      readFileSync(join(configDir, 'decisions.jsonl'), 'utf8')
        .split('\n')
        .filter((line) => line.includes(`"containerName":"${name}"`));
    const from = out.length;
    const readies = count('gatehouse ready');
    process.kill(killed, 'SIGKILL');
    const refused = await timed(
      8_000,
      ...['run', '--rm', '--network', 'none', '--name', name, 'wd/unknown:1', 'echo', 'RAN'],
    );
    expect(refused.code).toBe(125);
    // The stand-in's refusal ("restarting", or "cannot start" after two quick deaths in a row).
    expect(refused.stderr).toMatch(
      /gatehouse: image wd\/unknown:1 may not create a container now: Gatehouse's daemon .*the last run was killed by SIGKILL/,
    );
    await waitFor('the new daemon to serve the plugin', async () =>
      out.slice(from).includes('gatehouse authz: serving'),
    );
    // Its guard watched Docker (after taking the lock) before its plugin answered.
    const since = out.slice(from);
    expect(since.indexOf('docker: connected')).toBeGreaterThanOrEqual(0);
    expect(since.indexOf('docker: connected')).toBeLessThan(
      since.indexOf('gatehouse authz: serving'),
    );
    const records = logged().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toEqual([
      expect.objectContaining({
        containerName: name,
        imageRef: 'wd/unknown:1',
        decision: 'prevented',
        trigger: 'authz:create',
        reason: expect.stringContaining('the last run was killed by SIGKILL'),
      }),
    ]);
    // Moved, not copied: another restart does not log it again.
    await readyTimes(readies + 1);
    process.kill(childPid(), 'SIGKILL');
    await readyTimes(readies + 2);
    expect(out.slice(from).split('gatehouse authz: serving')).toHaveLength(3);
    expect(logged()).toHaveLength(1);
    expect(readdirSync(configDir).filter((f) => f.startsWith('standin-refusals'))).toEqual([]);
  });

  it('answers for a daemon that cannot start (corrupt settings): docker ps works, runs are refused naming the problem', async () => {
    const settings = join(configDir, SETTINGS_FILE);
    const good = readFileSync(settings, 'utf8');
    const restarts = count('restarting it in');
    const readies = count('gatehouse ready');
    writeFileSync(settings, '{"schemaVersion": 1, "enforcement": ');
    try {
      process.kill(childPid(), 'SIGKILL');
      // The killed run, then at least two runs that fail at once.
      await waitFor(
        'the daemon to fail again',
        async () => count('restarting it in') >= restarts + 3,
      );
      expect(out).toMatch(/exited with code 1 \(The settings file .* is not valid/);
      expect((await timed(5_000, 'ps', '-a')).code).toBe(0);
      for (const image of ['wd/unknown:1', 'wd/allowed:1']) {
        const r = await run(image);
        expect(r.code).toBe(125);
        expect(r.stdout).not.toContain('RAN');
        expect(r.stderr).toContain(
          `gatehouse: image ${image} may not create a container now: Gatehouse's daemon cannot start (it failed`,
        );
        expect(r.stderr).toContain(`The settings file ${settings} is not valid`);
        expect(r.stderr).toContain('Refused because Gatehouse fails closed');
        expect(r.stderr).toContain('gatehouse authz uninstall');
      }
      // A stand-in is not prevention working: status says so and exits 5.
      const r = await status();
      expect(r.code).toBe(5);
      expect(r.stdout).toMatch(
        /answers: +only the watchdog, refusing runs: Gatehouse's daemon cannot start/,
      );
    } finally {
      writeFileSync(settings, good);
    }
    // Fixed: the next restart (at most 5 s away) serves the engine's policy again.
    await readyTimes(readies + 1);
    expect((await run('wd/allowed:1')).stdout.trim()).toBe('RAN');
  });

  it('asks the desktop app attached to the daemon just in time: its approval lets that docker run through', async () => {
    // What the desktop app does when a daemon runs on its folder: it becomes that daemon's face.
    const face = await RemoteEngine.attach(configDir);
    if (!face) throw new Error('no daemon answers on the config folder');
    const got: ApiEventMessage[] = [];
    face.subscribe((m) => got.push(m));
    try {
      await waitFor('the event stream', async () => {
        await face.handlers['prevention.set']({ ask: true });
        return got.some((m) => m.event === 'settings');
      });
      const waiting = run('wd/unknown:1', 20_000);
      await waitFor('the question', async () => got.some((m) => m.event === 'approvals'));
      const [pending, ...more] = await face.handlers['approvals.list']({});
      expect(more).toEqual([]);
      expect(pending).toMatchObject({ imageRef: 'wd/unknown:1', digest: unknownId });
      const id = pending?.id ?? '';
      expect(await face.handlers['approvals.answer']({ id, approve: true })).toEqual({
        answered: true,
      });
      expect((await waiting).stdout.trim()).toBe('RAN');
      const allowlist = await face.handlers['allowlist.list']({});
      expect(allowlist.map((e) => e.digest)).toContain(unknownId);
    } finally {
      await face.handlers['prevention.set']({ ask: false });
      await face.close();
    }
  });

  it('stops with its daemon on SIGTERM and leaves nothing answering; authz status then exits 5', async () => {
    const child = childPid();
    watchdog.kill('SIGTERM');
    const [code] = (await once(watchdog, 'exit')) as [number | null];
    expect(code).toBe(0);
    await waitFor('the daemon to exit', async () => !alive(child), 5_000);
    expect(await probePlugin(socketPath)).toBeDefined();
    expect(existsSync(socketPath)).toBe(false);

    const down = await status();
    expect(down.code).toBe(5);
    expect(down.stdout).toMatch(/answers: +NO/);

    const r = await gatehouse(['authz', 'uninstall', ...setupFlags()]);
    expect(r.code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 500)); // dockerd reloads on its own time
    expect(
      (await timed(10_000, 'run', '--rm', '--network', 'none', 'wd/unknown:1', 'true')).code,
    ).toBe(0);
    // Not installed: nothing is broken, so 0.
    expect((await status()).code).toBe(0);
  });

  it('a daemon whose watchdog was killed outright keeps serving, even once it writes to stderr', async () => {
    const readies = count('gatehouse ready');
    watchdog = spawnDaemon(configDir, dockerd.host, ['--authz-socket', socketPath], (text) => {
      out += text;
    });
    await readyTimes(readies + 1);
    await importImage(dockerd, 'wd/other:1');
    await install('wd/other:1');
    const orphan = childPid();
    watchdog.kill('SIGKILL');
    await once(watchdog, 'exit');
    // A refusal the daemon cannot log: its problem line goes to the dead watchdog's pipe.
    const log = join(configDir, 'decisions.jsonl');
    rmSync(log, { force: true });
    mkdirSync(log);
    const refused = await run('wd/other:1');
    expect(refused.code).toBe(125);
    expect(refused.stderr).toContain('image wd/other:1');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(alive(orphan)).toBe(true);
    expect((await run('wd/allowed:1')).stdout.trim()).toBe('RAN');
    process.kill(orphan, 'SIGTERM');
    await waitFor('the orphan to exit', async () => !alive(orphan), 10_000);
    rmSync(log, { recursive: true, force: true });
    expect((await gatehouse(['authz', 'uninstall', ...setupFlags()])).code).toBe(0);
  });
});
