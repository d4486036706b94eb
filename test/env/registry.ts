import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { mkdtemp, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { onProcessExit } from './process-exit.js';
import { freePort } from './free-port.js';

export interface Registry {
  /** `127.0.0.1:PORT`: dockerd allows plain HTTP to loopback registries without configuration. */
  readonly host: string;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly dir: string;
  readonly logFile: string;
  /** Stops the registry and removes its storage. */
  stop(): Promise<void>;
}

export async function startRegistry(): Promise<Registry> {
  const dir = await mkdtemp('/tmp/gh-reg-');
  const host = `127.0.0.1:${await freePort()}`;
  const url = `http://${host}`;
  const logFile = join(dir, 'registry.log');
  const configFile = join(dir, 'config.yml');
  // JSON is valid YAML.
  const config = {
    version: '0.1',
    log: { level: 'warn', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: join(dir, 'data') }, delete: { enabled: true } },
    http: { addr: host },
  };
  await writeFile(configFile, JSON.stringify(config, null, 2));

  const log = await open(logFile, 'a');
  const child = spawn('docker-registry', ['serve', configFile], {
    stdio: ['ignore', log.fd, log.fd],
  });
  await log.close();
  child.on('error', () => {}); // spawn failures show up as an exit below
  const exited = once(child, 'exit');
  const unregister = onProcessExit(() => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const stop = async () => {
    unregister();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timedOut = await Promise.race([
      exited.then(() => false),
      sleep(10_000, true, { ref: false }),
    ]);
    if (timedOut) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      unregister();
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not answer ${url}/v2/; log ${logFile}`);
    }
    const ok = await fetch(`${url}/v2/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { host, url, dir, logFile, stop };
    await sleep(100);
  }
}
