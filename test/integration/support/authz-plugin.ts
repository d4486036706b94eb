import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import {
  startAuthzServer,
  type AuthzDecider,
  type AuthzServer,
  type AuthzServerOptions,
} from '../../../electron/engine/authz/authz-server.js';
import { startDockerd, type Dockerd } from '../../env/dockerd.js';
import { onProcessExit } from '../../env/process-exit.js';

/** Where dockerd 20.10 looks for plugin spec files; it has no option for a private folder. */
export const PLUGIN_SPEC_DIR = '/etc/docker/plugins';

export interface PluginBed {
  /** The plugin's name, unique per bed: `--authorization-plugin=NAME`. */
  readonly name: string;
  readonly socketPath: string;
  readonly dockerd: Dockerd;
  readonly server: AuthzServer;
  /** The policy behind the plugin; until set, everything is allowed (dockerd's own startup). */
  decider: AuthzDecider | undefined;
  /** Every decided request, newest last. */
  readonly decided: { kind: string; allowed: boolean; message: string }[];
  /** Also told of every decided request, as the daemon's `decided` (e.g. to record refusals). */
  onDecided: AuthzServerOptions['decided'];
  dispose(): Promise<void>;
}

/**
 * A private dockerd that asks a plugin this process serves. The plugin is up first (dockerd
 * refuses to start without it); its spec is a file with a unique name in /etc/docker/plugins,
 * removed afterwards (also on a crash of the test process).
 */
export async function startPluginBed(
  options: Pick<AuthzServerOptions, 'decisionTimeoutMs'> = {},
): Promise<PluginBed> {
  const name = `gh-test-${randomBytes(4).toString('hex')}`;
  const dir = await mkdtemp('/tmp/gh-az-');
  const socketPath = join(dir, 'authz.sock');
  const specFile = join(PLUGIN_SPEC_DIR, `${name}.spec`);
  const cleanupSync = () => {
    rmSync(specFile, { force: true });
    rmSync(dir, { recursive: true, force: true });
  };
  const unregister = onProcessExit(cleanupSync);
  const decided: PluginBed['decided'] = [];
  const bed: Pick<PluginBed, 'decider' | 'onDecided'> = {
    decider: undefined,
    onDecided: undefined,
  };
  const server = await startAuthzServer({
    socketPath,
    ...options,
    decider: {
      decide: (request) =>
        bed.decider?.decide(request) ?? Promise.resolve({ allowed: true, message: '' }),
    },
    decided: (what, decision) => {
      decided.push({ kind: what.kind, ...decision });
      bed.onDecided?.(what, decision);
    },
  });
  mkdirSync(PLUGIN_SPEC_DIR, { recursive: true });
  writeFileSync(specFile, `unix://${socketPath}\n`);
  let dockerd: Dockerd;
  try {
    dockerd = await startDockerd({ extraArgs: [`--authorization-plugin=${name}`] });
  } catch (error) {
    await server.close();
    cleanupSync();
    unregister();
    throw error;
  }
  return Object.assign(bed, {
    name,
    socketPath,
    dockerd,
    server,
    decided,
    async dispose() {
      // dockerd first: with the plugin gone, any call it still made would hang ~30 s.
      await dockerd.dispose();
      await server.close();
      cleanupSync();
      unregister();
    },
  });
}

/** The `gatehouse authz install | status | uninstall` flags for a private dockerd and plugin. */
export function authzFlags(bed: {
  name: string;
  socketPath: string;
  daemonConfig: string;
  dockerd: Dockerd;
}): string[] {
  const pid = readFileSync(join(bed.dockerd.dir, 'docker.pid'), 'utf8').trim();
  return [
    ...['--name', bed.name, '--socket', bed.socketPath, '--plugins-dir', PLUGIN_SPEC_DIR],
    ...['--daemon-config', bed.daemonConfig, '--dockerd-pid', pid],
  ];
}
