import { existsSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { PROBE_PARAM, PROBE_SEEN_PATH, WHO_PATH } from './authz-server.js';
import { preventionUnsupported } from './prevention-support.js';
import { writeFileDurably } from '../store/durable-write.js';
import { assertPrivate, assertPrivateFolder, trustedOwners } from '../store/path-safety.js';

/**
 * `gatehouse authz install | uninstall | status` on Linux: the plugin spec file, the
 * `authorization-plugins` entry in dockerd's configuration file, and a SIGHUP so dockerd
 * reloads it without a restart. Every step says what it changed; uninstall needs nothing
 * from the plugin, so it works when the plugin is dead.
 */

export const DEFAULT_PLUGIN_NAME = 'gatehouse';
export const DEFAULT_PLUGINS_DIR = '/etc/docker/plugins';
export const DEFAULT_DAEMON_CONFIG = '/etc/docker/daemon.json';
export { DEFAULT_AUTHZ_SOCKET } from '../../../shared/prevention.js';
const DOCKERD_PID_FILES = ['/var/run/docker.pid', '/run/docker.pid'];
const KEY = 'authorization-plugins';

export interface AuthzInstallOptions {
  name: string;
  socketPath: string;
  pluginsDir: string;
  daemonConfig: string;
  /** dockerd's pid; else read from its pid file. */
  dockerdPid?: number | undefined;
}

/** dockerd's configuration file: any JSON object; only our key is checked. */
const daemonConfigSchema = z.looseObject({ [KEY]: z.array(z.string()).optional() });
type DaemonConfig = z.infer<typeof daemonConfigSchema>;

export class AuthzSetupError extends Error {}

export function specFile(options: Pick<AuthzInstallOptions, 'name' | 'pluginsDir'>): string {
  return join(options.pluginsDir, `${options.name}.spec`);
}

/** The plugin name added to the list, or the config unchanged when it is there already. */
export function withPlugin(config: DaemonConfig, name: string): DaemonConfig | undefined {
  const list = config[KEY] ?? [];
  return list.includes(name) ? undefined : { ...config, [KEY]: [...list, name] };
}

/** The plugin name taken out (the key too when nothing is left), or undefined if absent. */
export function withoutPlugin(config: DaemonConfig, name: string): DaemonConfig | undefined {
  const list = config[KEY];
  if (!list?.includes(name)) return undefined;
  const rest = list.filter((n) => n !== name);
  const others: DaemonConfig = { ...config };
  delete others[KEY];
  return rest.length ? { ...others, [KEY]: rest } : others;
}

export function readDaemonConfig(path: string): DaemonConfig | undefined {
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new AuthzSetupError(
      `${path} is not valid JSON (${(error as Error).message}); fix it first, nothing was changed`,
    );
  }
  const parsed = daemonConfigSchema.safeParse(json);
  if (!parsed.success)
    throw new AuthzSetupError(
      `${path} is not a dockerd configuration Gatehouse can edit (${parsed.error.issues[0]?.message ?? 'invalid'}); nothing was changed`,
    );
  return parsed.data;
}

function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileDurably(path, text, 0o644); // dockerd's files are world-readable, as dockerd keeps them
}

/**
 * Why the plugin socket cannot be trusted, or undefined: it must belong to root, to this user,
 * or to the one who ran us through sudo (the daemon's user), in a folder no one else can write.
 * Otherwise another user may have bound it first with a server that allows everything.
 */
export function untrustedSocket(socketPath: string): string | undefined {
  const sudoUid = Number(process.env['SUDO_UID']);
  const owners = trustedOwners(Number.isInteger(sudoUid) ? [sudoUid] : []);
  try {
    assertPrivateFolder("the plugin socket's folder", dirname(socketPath), owners);
    assertPrivate('the plugin socket', socketPath, owners);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export function findDockerdPid(explicit?: number): number {
  if (explicit !== undefined) return explicit;
  for (const file of DOCKERD_PID_FILES) {
    try {
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0) return pid;
    } catch {
      // Try the next one.
    }
  }
  throw new AuthzSetupError(
    `cannot find dockerd's pid (${DOCKERD_PID_FILES.join(', ')}); pass --dockerd-pid`,
  );
}

function reload(pid: number): string {
  try {
    process.kill(pid, 'SIGHUP');
  } catch (error) {
    throw new AuthzSetupError(
      `could not send SIGHUP to dockerd (pid ${pid}): ${(error as Error).message}; dockerd applies the change at its next reload or restart`,
    );
  }
  return `sent SIGHUP to dockerd (pid ${pid}): it reloads its configuration, no restart`;
}

/** Does the plugin answer `Plugin.Activate` on its socket within `timeoutMs`? */
export function probePlugin(socketPath: string, timeoutMs = 2_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request(
      { socketPath, path: '/Plugin.Activate', method: 'POST', timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve(
            res.statusCode === 200 && text.includes('authz')
              ? undefined
              : `answered ${res.statusCode ?? '?'} ${text.slice(0, 100)}`,
          );
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => resolve(error.message));
    req.end('{}');
  });
}

/** The spec socket of an installed plugin, if its spec file names one. */
export function specSocket(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8').trim();
  return text.startsWith('unix://') ? text.slice('unix://'.length) : undefined;
}

/**
 * Installs: checks the plugin answers (a configured plugin that is down makes every Docker
 * call fail after about 32 s, and dockerd's reload activates it), writes the spec, adds the
 * name to the configuration, SIGHUP. Returns what it changed, one line each.
 */
export async function installAuthz(
  options: AuthzInstallOptions & {
    force?: boolean;
    /** The Docker host the user works with: a remote one or Docker Desktop cannot load it. */
    dockerHost?: string;
  },
): Promise<string[]> {
  const unsupported = preventionUnsupported(process.platform, options.dockerHost);
  if (unsupported) throw new AuthzSetupError(unsupported);
  const untrusted = untrustedSocket(options.socketPath);
  if (untrusted)
    throw new AuthzSetupError(
      `${untrusted}. dockerd would take its answers as the policy; nothing was changed`,
    );
  const problem = await probePlugin(options.socketPath);
  if (problem && !options.force)
    throw new AuthzSetupError(
      `the plugin does not answer on ${options.socketPath} (${problem}); start \`gatehouse daemon --authz-socket ${options.socketPath}\` first: while a configured plugin is down, every Docker call fails after about 32 s. Nothing was changed`,
    );
  const config = readDaemonConfig(options.daemonConfig);
  const pid = findDockerdPid(options.dockerdPid);
  const changes: string[] = [];
  const spec = specFile(options);
  const content = `unix://${options.socketPath}\n`;
  if (existsSync(spec) && readFileSync(spec, 'utf8') === content)
    changes.push(`${spec} already points at unix://${options.socketPath}: unchanged`);
  else {
    writeAtomically(spec, content);
    changes.push(`wrote ${spec}: unix://${options.socketPath}`);
  }
  const next = withPlugin(config ?? {}, options.name);
  if (next) {
    writeAtomically(options.daemonConfig, `${JSON.stringify(next, null, 2)}\n`);
    changes.push(
      `${config ? 'added' : `created ${options.daemonConfig} with`} "${options.name}" ${config ? 'to' : 'in'} ${KEY}${config ? ` in ${options.daemonConfig}` : ''}`,
    );
  } else changes.push(`${options.daemonConfig} already lists "${options.name}": unchanged`);
  changes.push(reload(pid));
  return changes;
}

/** Uninstalls, whether or not the plugin runs: configuration first, SIGHUP, then the spec. */
export function uninstallAuthz(options: AuthzInstallOptions): string[] {
  const changes: string[] = [];
  const config = readDaemonConfig(options.daemonConfig);
  const next = config ? withoutPlugin(config, options.name) : undefined;
  if (next) {
    writeAtomically(options.daemonConfig, `${JSON.stringify(next, null, 2)}\n`);
    changes.push(`removed "${options.name}" from ${KEY} in ${options.daemonConfig}`);
    changes.push(reload(findDockerdPid(options.dockerdPid)));
  } else changes.push(`${options.daemonConfig} does not list "${options.name}": unchanged`);
  const spec = specFile(options);
  if (existsSync(spec)) {
    rmSync(spec);
    changes.push(`removed ${spec}`);
  } else changes.push(`${spec} does not exist: unchanged`);
  return changes;
}

export interface AuthzStatus {
  name: string;
  specFile: string;
  /** The socket the spec names, if the spec exists. */
  specSocket?: string;
  configured: boolean;
  daemonConfig: string;
  socketPath: string;
  answers: boolean;
  /** Set when what answers only stands in for the daemon (its watchdog): why it is down. */
  standIn?: string;
  problem?: string;
}

export async function authzStatus(options: AuthzInstallOptions): Promise<AuthzStatus> {
  const spec = specFile(options);
  const socket = specSocket(spec);
  const config = readDaemonConfig(options.daemonConfig);
  const socketPath = socket ?? options.socketPath;
  const problem = untrustedSocket(socketPath) ?? (await probePlugin(socketPath));
  const standIn = problem === undefined ? await whoAnswers(socketPath) : undefined;
  return {
    name: options.name,
    specFile: spec,
    ...(socket ? { specSocket: socket } : {}),
    configured: !!config?.[KEY]?.includes(options.name),
    daemonConfig: options.daemonConfig,
    socketPath,
    answers: problem === undefined,
    ...(standIn ? { standIn } : {}),
    ...(problem ? { problem } : {}),
  };
}

/** The stand-in's reason when the watchdog answers for a daemon that is down; else undefined. */
async function whoAnswers(socketPath: string): Promise<string | undefined> {
  try {
    const answer = (await postJson(socketPath, WHO_PATH, {})) as { standIn?: unknown };
    return typeof answer?.standIn === 'string' ? answer.standIn : undefined;
  } catch {
    return undefined; // a plugin that is not Gatehouse's (or an older one): nothing to add
  }
}

/**
 * Whether dockerd really asks the plugin: pings dockerd with a nonce the plugin remembers,
 * then asks the plugin whether it saw it. (`docker info` lists only the plugins dockerd was
 * started with, not those a SIGHUP added.) Call only while the plugin answers.
 */
export async function probeInUse(
  socketPath: string,
  ping: (query: Record<string, string>) => Promise<void>,
): Promise<boolean> {
  const nonce = randomBytes(16).toString('hex');
  await ping({ [PROBE_PARAM]: nonce });
  const answer = await postJson(socketPath, PROBE_SEEN_PATH, { nonce });
  return (answer as { seen?: unknown } | undefined)?.seen === true;
}

function postJson(socketPath: string, path: string, body: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'POST', timeout: 2_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString()));
        } catch (error) {
          reject(error as Error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('the plugin did not answer within 2 s')));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
