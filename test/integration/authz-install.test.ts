import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must } from '../env/containers.js';
import { startDockerd, type Dockerd } from '../env/dockerd.js';
import { importImage } from '../env/images.js';
import { authzFlags, PLUGIN_SPEC_DIR } from './support/authz-plugin.js';
import { configDirWith, gatehouse, spawnDaemon, waitFor } from './support/engine-harness.js';

/**
 * `gatehouse daemon --authz-socket` and `gatehouse authz install | status | uninstall`
 * against a private dockerd started with `--config-file` in a temp dir: installed at
 * runtime by SIGHUP, no restart, and undone with the plugin dead.
 */
let dockerd: Dockerd;
let dir: string;
let daemonConfig: string;
let socketPath: string;
let configDir: string;
let allowedId: string;
let unknownId: string;
let daemon: ChildProcess | undefined;
let daemonOut = '';
const name = `gh-test-${randomBytes(4).toString('hex')}`;
const spec = join(PLUGIN_SPEC_DIR, `${name}.spec`);

const setupFlags = () => authzFlags({ name, socketPath, daemonConfig, dockerd });

async function authzPlugins(): Promise<string[]> {
  const out = await must(dockerd, ['info', '--format', '{{json .Plugins.Authorization}}']);
  return (JSON.parse(out) as string[] | null) ?? [];
}

beforeAll(async () => {
  dir = mkdtempSync('/tmp/gh-azi-');
  daemonConfig = join(dir, 'daemon.json');
  socketPath = join(dir, 'authz.sock');
  writeFileSync(daemonConfig, `${JSON.stringify({ debug: false }, null, 2)}\n`);
  dockerd = await startDockerd({ extraArgs: [`--config-file=${daemonConfig}`] });
  allowedId = await importImage(dockerd, 'inst/allowed:1');
  unknownId = await importImage(dockerd, 'inst/unknown:1');
  configDir = configDirWith({ mode: 'enforce', allow: [allowedId] });
});

afterAll(async () => {
  daemon?.kill('SIGKILL');
  // Undo whatever a failed test left, before dockerd goes (a dead plugin would hang its calls).
  rmSync(spec, { force: true });
  await dockerd?.dispose();
  rmSync(dir, { recursive: true, force: true });
  rmSync(configDir, { recursive: true, force: true });
});

describe('gatehouse authz', () => {
  it('refuses to install while the plugin does not answer, changing nothing', async () => {
    const r = await gatehouse(['authz', 'install', ...setupFlags()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the plugin does not answer on ${socketPath}`);
    expect(r.stderr).toContain('Nothing was changed');
    expect(existsSync(spec)).toBe(false);
    expect(JSON.parse(readFileSync(daemonConfig, 'utf8'))).toEqual({ debug: false });
  });

  it('serves the plugin from `gatehouse daemon --authz-socket`, installs it by SIGHUP, and prevents', async () => {
    daemon = spawnDaemon(
      configDir,
      dockerd.host,
      // This process is the plugin: killing it below kills the plugin (no watchdog restarts it).
      ['--authz-socket', socketPath, '--no-watchdog'],
      (text) => (daemonOut += text),
    );
    await waitFor('the daemon to serve the plugin and be ready', async () => {
      if (daemon?.exitCode !== null) throw new Error(`daemon exited: ${daemonOut}`);
      return (
        daemonOut.includes('gatehouse authz: serving') && daemonOut.includes('gatehouse ready')
      );
    });

    // Serving but not installed: nothing is broken, exit 0. A spec dockerd does not use: 6.
    const status = (...more: string[]) =>
      gatehouse(['--docker-host', dockerd.host, 'authz', 'status', ...more, ...setupFlags()]);
    expect((await status()).code).toBe(0);
    writeFileSync(spec, `unix://${socketPath}\n`);
    const unused = await status();
    rmSync(spec);
    expect(unused.code).toBe(6);
    expect(unused.stdout).toContain('does not use the plugin');

    const install = await gatehouse(['authz', 'install', ...setupFlags()]);
    expect(install.stderr).toBe('');
    expect(install.code).toBe(0);
    expect(install.stdout).toContain(`wrote ${spec}: unix://${socketPath}`);
    expect(install.stdout).toContain(`added "${name}" to authorization-plugins in ${daemonConfig}`);
    expect(install.stdout).toContain('sent SIGHUP to dockerd');
    expect(readFileSync(spec, 'utf8')).toBe(`unix://${socketPath}\n`);
    expect(JSON.parse(readFileSync(daemonConfig, 'utf8'))).toEqual({
      debug: false,
      'authorization-plugins': [name],
    });
    await waitFor('dockerd to use the plugin', async () => {
      const r = await dockerd.docker(['create', '--network', 'none', 'inst/unknown:1']);
      if (r.code === 0) await must(dockerd, ['rm', r.stdout.trim()]);
      return r.code !== 0;
    }).catch(async (error: unknown) => {
      throw new Error(
        `${(error as Error).message}; log: ${readFileSync(dockerd.logFile, 'utf8')
          .split('\n')
          .filter((l) => /reload|authz|plugin/i.test(l))
          .slice(-8)
          .join('\n')}`,
      );
    });

    const denied = await dockerd.docker([
      'run',
      '--rm',
      '--network',
      'none',
      'inst/unknown:1',
      'echo',
      'RAN',
    ]);
    expect(denied.code).toBe(125);
    expect(denied.stdout).not.toContain('RAN');
    expect(denied.stderr).toContain(
      `authorization denied by plugin ${name}: gatehouse: image inst/unknown:1 (${unknownId})`,
    );
    expect(denied.stderr).toContain(`gatehouse allowlist add ${unknownId}`);
    expect(
      await must(dockerd, ['run', '--rm', '--network', 'none', 'inst/allowed:1', 'echo', 'ok']),
    ).toBe('ok');
    await waitFor('the daemon to print the prevention', async () =>
      daemonOut.includes('PREVENTED'),
    );
    // Each refusal (the `docker create` that waited for the plugin, then the run) is a
    // `prevented` decision in the log, printed once, as every decision.
    const logged = readFileSync(join(configDir, 'decisions.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { decision: string })
      .filter((r) => r.decision === 'prevented');
    expect(logged).toMatchObject([
      { trigger: 'authz:create', containerId: '', imageRef: 'inst/unknown:1', imageId: unknownId },
      { trigger: 'authz:create', containerId: '', imageRef: 'inst/unknown:1', imageId: unknownId },
    ]);
    const printed = daemonOut.split('\n').filter((l) => l.includes('PREVENTED'));
    expect(printed, daemonOut).toHaveLength(logged.length);
    expect(printed.at(-1)).toContain(
      `PREVENTED   create image inst/unknown:1 [${unknownId.slice(7, 19)}]: not on the allowlist`,
    );

    // Installing again changes nothing but says so.
    const again = await gatehouse(['authz', 'install', ...setupFlags()]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('unchanged');

    const inUse = await status('--json');
    expect(inUse.code).toBe(0);
    expect(JSON.parse(inUse.stdout)).toMatchObject({
      name,
      specSocket: socketPath,
      configured: true,
      answers: true,
      inUse: true,
    });
  });

  it('uninstalls with the plugin dead, and Docker answers again at once', async () => {
    daemon?.kill('SIGKILL');
    if (daemon && daemon.exitCode === null && daemon.signalCode === null)
      await once(daemon, 'exit');
    const status = await gatehouse([
      '--docker-host',
      dockerd.host,
      'authz',
      'status',
      ...setupFlags(),
    ]);
    expect(status.code).toBe(5); // installed, down: Docker calls hang
    expect(status.stdout).toMatch(/answers: +NO/);
    expect(status.stdout).toContain('not asked');

    const r = await gatehouse(['authz', 'uninstall', ...setupFlags()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`removed "${name}" from authorization-plugins in ${daemonConfig}`);
    expect(r.stdout).toContain('sent SIGHUP to dockerd');
    expect(r.stdout).toContain(`removed ${spec}`);
    expect(existsSync(spec)).toBe(false);
    expect(JSON.parse(readFileSync(daemonConfig, 'utf8'))).toEqual({ debug: false });

    await new Promise((resolve) => setTimeout(resolve, 500)); // dockerd reloads on its own time
    const started = performance.now();
    expect(await authzPlugins()).toEqual([]);
    expect(
      await must(dockerd, ['run', '--rm', '--network', 'none', 'inst/unknown:1', 'echo', 'free']),
    ).toBe('free');
    expect(performance.now() - started).toBeLessThan(10_000);

    // Not installed at all: nothing is broken.
    expect((await gatehouse(['authz', 'status', ...setupFlags()])).code).toBe(0);

    const twice = await gatehouse(['authz', 'uninstall', ...setupFlags()]);
    expect(twice.code).toBe(0);
    expect(twice.stdout).toContain('does not list');
    expect(twice.stdout).toContain('does not exist: unchanged');
  });
});
