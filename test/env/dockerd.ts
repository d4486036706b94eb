import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { onProcessExit } from './process-exit.js';

const DOCKERD = '/usr/sbin/dockerd';
// The Debian docker CLI 20.10, matching the daemon; /usr/local/bin/docker is a newer client.
const DOCKER = '/usr/bin/docker';

export interface DockerResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface DockerOptions {
  input?: Buffer | string;
  /** Extra environment, e.g. DOCKER_CONTENT_TRUST settings. */
  env?: Record<string, string>;
}

/** Runs the docker CLI against one daemon. Never throws on a non-zero exit: tests assert on it. */
export interface DockerClient {
  readonly host: string;
  readonly socketPath: string;
  docker(args: string[], opts?: DockerOptions): Promise<DockerResult>;
}

export interface Dockerd extends DockerClient {
  readonly dir: string;
  readonly logFile: string;
  /** SIGTERM, then SIGKILL after timeoutMs (default 30 s: dockerd gives containers 10 s). */
  stop(options?: { timeoutMs?: number }): Promise<void>;
  /** Stops and starts again on the same paths and data-root: containers survive. */
  restart(): Promise<void>;
  /** Kills everything at once and removes the directory. */
  dispose(): Promise<void>;
}

// Everything lives under one short directory: unix socket paths are limited to ~100 bytes,
// and containerd puts its shim sockets under the exec-root.
function layout(dir: string) {
  return {
    socketPath: join(dir, 'docker.sock'),
    dataRoot: join(dir, 'data'),
    execRoot: join(dir, 'exec'),
    pidFile: join(dir, 'docker.pid'),
    logFile: join(dir, 'dockerd.log'),
    configDir: join(dir, 'docker-config'),
  };
}

/** A CLI for a daemon started by startDockerd, in this or another process (e.g. global setup). */
export function connectDockerd(dir: string): DockerClient {
  const { socketPath, configDir } = layout(dir);
  const host = `unix://${socketPath}`;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // The user's own daemon and client settings must not leak in.
    if (v !== undefined && !/^DOCKER_(HOST|CONTEXT|CONFIG|TLS_VERIFY|CERT_PATH)$/.test(k))
      env[k] = v;
  }
  return {
    host,
    socketPath,
    async docker(args, opts = {}) {
      const child = spawn(DOCKER, ['-H', host, ...args], {
        env: { ...env, DOCKER_CONFIG: configDir, ...opts.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.stdin.on('error', () => {}); // EPIPE if docker exits before reading its input
      child.stdin.end(opts.input);
      const [code] = (await once(child, 'close')) as [number | null];
      return {
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        code: code ?? -1, // killed by a signal
      };
    },
  };
}

export async function startDockerd(options: { extraArgs?: string[] } = {}): Promise<Dockerd> {
  const dir = await mkdtemp('/tmp/gh-');
  const paths = layout(dir);
  await mkdir(paths.configDir);
  const args = [
    `--host=unix://${paths.socketPath}`,
    `--data-root=${paths.dataRoot}`,
    `--exec-root=${paths.execRoot}`,
    `--pidfile=${paths.pidFile}`,
    // No bridge and no firewall rules: containers run with --network none and the host's
    // network setup stays untouched. dockerd starts its own containerd under the exec-root.
    '--bridge=none',
    '--iptables=false',
    '--ip6tables=false',
    ...(options.extraArgs ?? []),
  ];
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();

  const launch = async () => {
    const log = await open(paths.logFile, 'a');
    try {
      child = spawn(DOCKERD, args, { stdio: ['ignore', log.fd, log.fd] });
      exited = once(child, 'exit');
      child.on('error', () => {}); // spawn failures show up as an exit below
    } finally {
      await log.close();
    }
    await waitForPing(paths.socketPath, child, paths.logFile);
  };

  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  // The hard way out: dockerd killed, then what a killed dockerd leaves running.
  const killAllSync = () => {
    if (running()) child?.kill('SIGKILL');
    killLeftoversSync(paths.execRoot);
  };
  const unregister = onProcessExit(() => {
    killAllSync();
    removeDirSync(dir);
  });

  const stop = async ({ timeoutMs = 30_000 } = {}) => {
    if (!running()) return;
    child?.kill('SIGTERM');
    // An unref'd timer: a pending escalation must not keep the process alive.
    const timedOut = await Promise.race([
      exited.then(() => false),
      sleep(timeoutMs, true, { ref: false }),
    ]);
    if (timedOut) {
      killAllSync();
      await exited;
    }
    // dockerd stops its managed containerd on the way out; make sure it is gone before a
    // restart starts another one on the same state directory.
    await reapWithin(join(paths.execRoot, 'containerd', 'containerd.toml'), 5_000);
  };

  try {
    await launch();
  } catch (e) {
    killAllSync(); // keep the directory: the error points at its log
    unregister();
    throw e;
  }

  return {
    ...connectDockerd(dir),
    dir,
    logFile: paths.logFile,
    stop,
    async restart() {
      await stop();
      await launch();
    },
    async dispose() {
      unregister();
      killAllSync();
      await exited;
      removeDirSync(dir);
    },
  };
}

async function waitForPing(socketPath: string, child: ChildProcess, logFile: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `dockerd exited (${child.exitCode ?? child.signalCode}) before answering /_ping; ` +
          `log ${logFile}:\n${await tail(logFile)}`,
      );
    }
    if (await ping(socketPath)) return;
    if (Date.now() > deadline) {
      throw new Error(`dockerd did not answer /_ping within 60 s; log ${logFile}`);
    }
    await sleep(100);
  }
}

/** Whether an engine answers `GET /_ping` on this unix socket (dockerd, Podman's service). */
export function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function tail(file: string, lines = 20): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Pids of processes whose command line contains `text` (a path only our daemon uses). */
function pidsReferencing(text: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(text)) pids.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

function killPids(pids: number[]) {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

async function reapWithin(text: string, ms: number) {
  const deadline = Date.now() + ms;
  while (pidsReferencing(text).length > 0 && Date.now() < deadline) await sleep(50);
  killPids(pidsReferencing(text));
}

/**
 * A dockerd killed with SIGKILL takes its containerd along (pdeathsig) but not the
 * containers: each keeps running under its containerd-shim, reparented to init. Kill the
 * containers through runc's state under our exec-root (this also removes their cgroups), then
 * the shims and containerd, found by our exec-root in their command lines: dockerd passes it
 * as `--exec-root DIR`, the others as `DIR/...`.
 */
function killLeftoversSync(execRoot: string) {
  const runcRoot = join(execRoot, 'runtime-runc', 'moby');
  let ids: string[] = [];
  try {
    ids = readdirSync(runcRoot);
  } catch {
    // No container was ever started.
  }
  for (const id of ids) spawnSync('runc', ['--root', runcRoot, 'delete', '--force', id]);
  killPids(pidsReferencing(`${execRoot}/`));
  // The orphaned containerd stays a zombie for ~2 s (this machine's init reaps lazily), and a
  // zombie passes dockerd's kill(pid, 0) check: a restart would wait for it and time out.
  rmSync(join(execRoot, 'containerd', 'containerd.pid'), { force: true });
}

/** dockerd bind-mounts its data-root and leaves overlay and netns mounts when killed. */
function removeDirSync(dir: string) {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((mp) => mp.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const mp of mounts) spawnSync('umount', ['-l', mp]);
  rmSync(dir, { recursive: true, force: true });
}
