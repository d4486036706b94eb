import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { engineCandidates } from './engine-candidates.js';

/**
 * Which Docker engine to talk to, in the order the docker CLI itself uses: an explicit
 * `--docker-host`, then DOCKER_HOST, then the current `docker context`, then the platform's
 * default socket. Pure apart from the file reads it is given, so it is unit-tested.
 */
export interface DockerHost {
  /** unix:///path, npipe:////./pipe/name, tcp://host:port or ssh://user@host */
  url: string;
  source: 'option' | 'DOCKER_HOST' | 'context' | 'default';
  /** TLS material for tcp:// hosts (from DOCKER_CERT_PATH or the context's tls folder). */
  tls?: { ca?: string; cert?: string; key?: string };
}

export interface HostEnvironment {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  home: string;
  exists(path: string): boolean;
  read(path: string): string;
}

export const realHostEnvironment = (): HostEnvironment => ({
  env: process.env,
  platform: process.platform,
  home: homedir(),
  exists: existsSync,
  read: (path) => readFileSync(path, 'utf8'),
});

const SUPPORTED = /^(unix|npipe|tcp|ssh|http|https):\/\//;

export class DockerHostError extends Error {}

export function resolveDockerHost(
  option: string | undefined,
  hostEnv: HostEnvironment,
): DockerHost {
  if (option) return { url: checkUrl(option, '--docker-host'), source: 'option' };
  const fromEnv = hostEnv.env['DOCKER_HOST'];
  if (fromEnv) {
    const host: DockerHost = { url: checkUrl(fromEnv, 'DOCKER_HOST'), source: 'DOCKER_HOST' };
    const certPath = hostEnv.env['DOCKER_CERT_PATH'];
    if (hostEnv.env['DOCKER_TLS_VERIFY'] && certPath) host.tls = readTls(certPath, hostEnv);
    return host;
  }
  const fromContext = contextHost(hostEnv);
  if (fromContext) return fromContext;
  return { url: defaultSocket(hostEnv), source: 'default' };
}

function checkUrl(url: string, where: string): string {
  if (!SUPPORTED.test(url))
    throw new DockerHostError(
      `${where} is ${JSON.stringify(url)}: expected unix:///path/docker.sock, npipe:////./pipe/NAME, tcp://HOST:PORT or ssh://USER@HOST`,
    );
  return url;
}

const dockerConfigFile = z.object({ currentContext: z.string().optional() }).loose();
const contextMeta = z
  .object({ Endpoints: z.object({ docker: z.object({ Host: z.string() }).loose() }).loose() })
  .loose();

function contextHost(hostEnv: HostEnvironment): DockerHost | undefined {
  const configDir = hostEnv.env['DOCKER_CONFIG'] ?? join(hostEnv.home, '.docker');
  let name = hostEnv.env['DOCKER_CONTEXT'];
  const configPath = join(configDir, 'config.json');
  if (!name && hostEnv.exists(configPath)) {
    const parsed = dockerConfigFile.safeParse(safeJson(hostEnv.read(configPath)));
    if (!parsed.success)
      throw new DockerHostError(`${configPath} is not a valid docker config file`);
    name = parsed.data.currentContext;
  }
  if (!name || name === 'default') return undefined;
  // The docker CLI stores a context under the sha256 of its name.
  const id = createHash('sha256').update(name).digest('hex');
  const metaPath = join(configDir, 'contexts', 'meta', id, 'meta.json');
  if (!hostEnv.exists(metaPath))
    throw new DockerHostError(
      `docker context ${JSON.stringify(name)} is selected but ${metaPath} does not exist: run "docker context use default" or pass --docker-host`,
    );
  const meta = contextMeta.safeParse(safeJson(hostEnv.read(metaPath)));
  if (!meta.success)
    throw new DockerHostError(
      `${metaPath} does not name a Docker endpoint (Endpoints.docker.Host)`,
    );
  const host: DockerHost = {
    url: checkUrl(meta.data.Endpoints.docker.Host, `docker context ${JSON.stringify(name)}`),
    source: 'context',
  };
  const tlsDir = join(configDir, 'contexts', 'tls', id, 'docker');
  if (hostEnv.exists(tlsDir)) host.tls = readTls(tlsDir, hostEnv);
  return host;
}

function readTls(dir: string, hostEnv: HostEnvironment): NonNullable<DockerHost['tls']> {
  const tls: NonNullable<DockerHost['tls']> = {};
  for (const part of ['ca', 'cert', 'key'] as const) {
    const path = join(dir, `${part}.pem`);
    if (hostEnv.exists(path)) tls[part] = hostEnv.read(path);
  }
  return tls;
}

/**
 * Docker Desktop's sockets in the user's home folder: `run` on macOS (and Linux), `desktop`
 * behind Linux's `desktop-linux` context. Its dockerd runs in a VM.
 */
export const DOCKER_DESKTOP_SOCKETS = [
  '.docker/run/docker.sock',
  '.docker/desktop/docker.sock',
] as const;

/** Is this host URL one of Docker Desktop's sockets (in any home folder)? */
export function isDockerDesktopSocket(url: string): boolean {
  return url.startsWith('unix://') && DOCKER_DESKTOP_SOCKETS.some((s) => url.endsWith(`/${s}`));
}

/**
 * The first known engine socket that exists, in the documented order (engine-candidates);
 * named pipes cannot be checked, so on Windows the first. With none there, the first: the
 * connection error then names the platform's usual socket.
 */
function defaultSocket(hostEnv: HostEnvironment): string {
  const candidates = engineCandidates(hostEnv);
  const present = candidates.find(
    (c) => c.url.startsWith('unix://') && hostEnv.exists(c.url.slice('unix://'.length)),
  );
  return (present ?? candidates[0])?.url ?? 'unix:///var/run/docker.sock';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
