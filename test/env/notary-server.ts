import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { mkdtemp, open, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { onProcessExit } from './process-exit.js';
import { freePort } from './free-port.js';

const execFileAsync = promisify(execFile);

export interface NotaryServer {
  /** `https://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** The throwaway CA that issued the server's certificate. */
  readonly caPem: string;
  readonly caFile: string;
  readonly dir: string;
  readonly logFile: string;
  /** Stops the server (its trust data is in memory and goes with it) and removes its directory. */
  stop(): Promise<void>;
}

/**
 * A real notary-server (Docker Content Trust) on 127.0.0.1 with in-memory storage and local
 * signing, so it needs neither notary-signer nor a database. TLS is mandatory for Notary
 * clients, so a throwaway CA issues a certificate for IP 127.0.0.1.
 */
export async function startNotaryServer(): Promise<NotaryServer> {
  const dir = await mkdtemp('/tmp/gh-notary-');
  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  const logFile = join(dir, 'notary-server.log');
  await makeCertificates(dir);
  const caFile = join(dir, 'ca.crt');
  const caPem = await readFile(caFile, 'utf8');
  const config = {
    server: {
      http_addr: `127.0.0.1:${port}`,
      tls_key_file: join(dir, 'server.key'),
      tls_cert_file: join(dir, 'server.crt'),
    },
    trust_service: { type: 'local', hostname: '', port: '', key_algorithm: 'ecdsa' },
    storage: { backend: 'memory' },
    logging: { level: 'warn' },
  };
  await writeFile(join(dir, 'server.json'), JSON.stringify(config, null, 2));

  const log = await open(logFile, 'a');
  const child = spawn('notary-server', ['-config', join(dir, 'server.json')], {
    cwd: dir,
    stdio: ['ignore', log.fd, log.fd],
  });
  await log.close();
  child.on('error', () => {}); // spawn failures show up as an exit below
  const exited = once(child, 'exit');
  const running = () => child.exitCode === null && child.signalCode === null;
  const unregister = onProcessExit(() => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const stop = async () => {
    unregister();
    if (running()) child.kill('SIGTERM');
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
    if (!running() || Date.now() > deadline) {
      unregister();
      child.kill('SIGKILL');
      const tail = await readFile(logFile, 'utf8').catch(() => '');
      throw new Error(`notary-server did not answer ${url}/_notary_server/health:\n${tail}`);
    }
    if (await healthy(url, caPem)) return { url, port, caPem, caFile, dir, logFile, stop };
    await sleep(100);
  }
}

async function makeCertificates(dir: string) {
  const openssl = (...args: string[]) => execFileAsync('openssl', args, { cwd: dir });
  const p256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  // prettier-ignore
  await openssl('req', '-x509', ...p256, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2',
    '-subj', '/CN=gatehouse-test-ca');
  // prettier-ignore
  await openssl('req', ...p256, '-keyout', 'server.key', '-out', 'server.csr',
    '-subj', '/CN=127.0.0.1');
  // Go's TLS checks the IP SAN, not the CN.
  await writeFile(
    join(dir, 'ext.cnf'),
    'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  );
  // prettier-ignore
  await openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key',
    '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-out', 'server.crt');
}

function healthy(url: string, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${url}/_notary_server/health`, { ca, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
