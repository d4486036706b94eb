import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectDockerd, ping, type DockerClient, type DockerResult } from './dockerd.js';
import { onProcessExit } from './process-exit.js';

/**
 * A private, rootful `podman system service` serving the Docker-compatible API on a unix
 * socket, with its own storage (vfs), run folder and event log: the recipe in
 * ../shared/notes/test-environment.md. The docker CLI talks to it like to dockerd; `podman`
 * runs Podman's own CLI against the same storage (e.g. `import`).
 */
export interface PodmanService extends DockerClient {
  readonly dir: string;
  podman(args: string[], input?: Buffer): Promise<DockerResult>;
  /** Stops the service (SIGTERM) and starts it again on the same storage. */
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startPodman(): Promise<PodmanService> {
  const dir = await mkdtemp('/tmp/gh-pm-');
  for (const sub of ['root', 'run', 'tmp', 'docker-config']) await mkdir(join(dir, sub));
  const socketPath = join(dir, 'docker.sock');
  // No CAP_SYS_RESOURCE here: Podman's default nofile limit cannot be set; no network either.
  await writeFile(
    join(dir, 'containers.conf'),
    `[containers]
default_ulimits = ["nofile=20000:20000", "nproc=20000:20000"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "${join(dir, 'events.log')}"
tmp_dir = "${join(dir, 'tmp')}"
runtime = "runc"
`,
  );
  await writeFile(
    join(dir, 'storage.conf'),
    `[storage]
driver = "vfs"
graphroot = "${join(dir, 'root')}"
runroot = "${join(dir, 'run')}"
`,
  );
  const env = {
    ...process.env,
    CONTAINERS_CONF: join(dir, 'containers.conf'),
    CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'),
  };
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();
  const launch = async () => {
    const log = await open(join(dir, 'podman.log'), 'a');
    try {
      child = spawn('podman', ['system', 'service', '--time=0', `unix://${socketPath}`], {
        env,
        stdio: ['ignore', log.fd, log.fd],
      });
      exited = once(child, 'exit');
      child.on('error', () => {});
    } finally {
      await log.close();
    }
    const deadline = Date.now() + 30_000;
    while (!(await ping(socketPath))) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`podman system service did not answer; see ${join(dir, 'podman.log')}`);
      await sleep(100);
    }
  };
  const killSync = () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const unregister = onProcessExit(() => {
    killSync();
    rmSync(dir, { recursive: true, force: true });
  });
  await launch();

  const cli = (command: string, args: string[], input?: Buffer) =>
    new Promise<DockerResult>((resolve) => {
      const p = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      p.on('close', (code) => resolve({ stdout, stderr, code: code ?? -1 }));
      p.stdin.end(input);
    });

  // The docker CLI against the service: connectDockerd's layout fits (docker.sock, docker-config).
  const docker = connectDockerd(dir);
  return {
    ...docker,
    dir,
    podman: (args, input) => cli('podman', args, input),
    async restart() {
      child?.kill('SIGTERM');
      await exited;
      await launch();
    },
    async dispose() {
      unregister();
      // Containers the tests left: removed through Podman itself, then the service stopped.
      await cli('podman', ['rm', '-af', '-t', '0']);
      child?.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      killSync();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
