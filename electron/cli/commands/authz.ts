import type { Command } from 'commander';
import { positiveInt } from '../arguments.js';
import type { CliContext } from '../api-access.js';
import { printJson } from '../output.js';
import {
  authzStatus,
  DEFAULT_AUTHZ_SOCKET,
  DEFAULT_DAEMON_CONFIG,
  DEFAULT_PLUGIN_NAME,
  DEFAULT_PLUGINS_DIR,
  installAuthz,
  probeInUse,
  uninstallAuthz,
  type AuthzInstallOptions,
  type AuthzStatus,
} from '../../engine/authz/authz-install.js';
import { createDockerClient } from '../../engine/docker/docker-client.js';
import { realHostEnvironment, resolveDockerHost } from '../../engine/docker/docker-host.js';

interface SetupFlags {
  name: string;
  socket: string;
  pluginsDir: string;
  daemonConfig: string;
  dockerdPid?: number;
}

function setupOptions(command: Command): Command {
  return command
    .option('--name <name>', 'plugin name', DEFAULT_PLUGIN_NAME)
    .option(
      '--socket <path>',
      'the socket `gatehouse daemon --authz-socket` serves',
      DEFAULT_AUTHZ_SOCKET,
    )
    .option('--plugins-dir <dir>', "dockerd's plugin spec folder", DEFAULT_PLUGINS_DIR)
    .option(
      '--daemon-config <file>',
      "dockerd's configuration file (--config-file)",
      DEFAULT_DAEMON_CONFIG,
    )
    .option(
      '--dockerd-pid <pid>',
      "dockerd's pid (default: from /var/run/docker.pid)",
      positiveInt,
    );
}

/**
 * Exit codes of `gatehouse authz status` beyond 0 (as configured) and 1 (could not tell): after
 * `check`'s 3 and `verify`'s 4.
 */
export const EXIT_AUTHZ = {
  /**
   * Installed (spec file or daemon configuration) but nothing answers (Docker calls hang), or
   * only the watchdog answers for a daemon that is down (runs are refused).
   */
  down: 5,
  /** Installed and answering, but dockerd does not ask it: prevention is off. */
  unused: 6,
} as const;

/**
 * The exit code for a status: 0 when prevention works as installed, or when it is not
 * installed at all (nothing is broken: Docker works and the reactive guard applies; `--json`
 * says `configured: false`), 5 when installed but down, 6 when up but unused, 1 when dockerd
 * could not be asked.
 */
export function authzStatusExit(
  status: Pick<AuthzStatus, 'configured' | 'specSocket' | 'answers' | 'standIn'>,
  inUse: boolean | undefined,
): number {
  const installed = status.configured || status.specSocket !== undefined;
  // The watchdog refusing for a daemon that is down is not prevention working.
  if (status.standIn !== undefined) return installed ? EXIT_AUTHZ.down : 0;
  if (inUse === true) return 0;
  if (!status.answers) return installed ? EXIT_AUTHZ.down : 0;
  if (inUse === undefined) return 1;
  return installed ? EXIT_AUTHZ.unused : 0;
}

const optionsOf = (f: SetupFlags): AuthzInstallOptions => ({
  name: f.name,
  socketPath: f.socket,
  pluginsDir: f.pluginsDir,
  daemonConfig: f.daemonConfig,
  dockerdPid: f.dockerdPid,
});

/** `gatehouse authz install | uninstall | status`: prevention mode on a Linux dockerd. */
export function registerAuthzCommands(program: Command, ctx: () => CliContext): void {
  const authz = program
    .command('authz')
    .description(
      'prevention: make dockerd ask Gatehouse before a container is created or run (Linux)',
    );

  setupOptions(
    authz
      .command('install')
      .description(
        'write the plugin spec, add it to the daemon configuration and reload dockerd (SIGHUP); the plugin must answer first',
      ),
  )
    .option('--force', 'install even if the plugin does not answer now')
    .action(async (f: SetupFlags & { force?: boolean }) => {
      const { url: dockerHost } = resolveDockerHost(ctx().dockerHost, realHostEnvironment());
      for (const line of await installAuthz({ ...optionsOf(f), force: !!f.force, dockerHost }))
        console.log(line);
      console.log(
        'prevention is on once dockerd has reloaded; `gatehouse authz status` checks it. Keep the plugin running: while it is down, every Docker call fails after about 32 s (`gatehouse authz uninstall` undoes this, plugin running or not)',
      );
    });

  setupOptions(
    authz.command('uninstall').description('undo install: works whether the plugin runs or not'),
  ).action((f: SetupFlags) => {
    for (const line of uninstallAuthz(optionsOf(f))) console.log(line);
  });

  setupOptions(
    authz
      .command('status')
      .description('whether dockerd is configured for the plugin, uses it, and whether it answers'),
  )
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Exit codes:
  0  prevention works as installed: the plugin answers and dockerd uses it
     (also 0 when it is not installed at all: nothing is broken, Gatehouse is reactive only)
  1  could not tell (e.g. dockerd did not answer, or its configuration file is not valid)
  ${EXIT_AUTHZ.down}  installed but the plugin does not answer: every Docker call fails after about 32 s
     (or only the watchdog answers, refusing runs, while the daemon is down)
  ${EXIT_AUTHZ.unused}  the plugin answers but dockerd does not use it (not reloaded?): prevention is off`,
    )
    .action(async (f: SetupFlags & { json?: boolean }) => {
      const status = await authzStatus(optionsOf(f));
      // Asking dockerd is safe only when the plugin answers: otherwise the call itself hangs.
      let inUse: boolean | undefined;
      let dockerProblem: string | undefined;
      if (status.answers) {
        try {
          inUse = await pluginInUse(ctx(), status.name, status.socketPath);
        } catch (error) {
          dockerProblem = (error as Error).message;
        }
      }
      process.exitCode = authzStatusExit(status, inUse);
      if (f.json)
        return printJson({
          ...status,
          ...(inUse === undefined ? {} : { inUse }),
          ...(dockerProblem ? { dockerProblem } : {}),
        });
      console.log(`plugin:      ${status.name}`);
      console.log(
        `spec:        ${status.specSocket ? `${status.specFile} -> unix://${status.specSocket}` : `${status.specFile} (absent)`}`,
      );
      console.log(
        `configured:  ${status.configured ? 'yes' : 'no'} (authorization-plugins in ${status.daemonConfig})`,
      );
      console.log(
        `answers:     ${!status.answers ? `NO: ${status.socketPath}: ${status.problem ?? ''}` : status.standIn ? `only the watchdog, refusing runs: ${status.standIn}` : `yes, on ${status.socketPath}`}`,
      );
      console.log(
        `dockerd:     ${inUse === undefined ? `not asked (${dockerProblem ?? 'the plugin is down, so every Docker call would hang for about 32 s; start it or run `gatehouse authz uninstall`'})` : !inUse ? 'does not use the plugin: reactive only' : status.standIn ? 'uses the plugin, but its daemon is down: runs are refused until it is back' : 'uses the plugin: prevention is on'}`,
      );
    });
}

/**
 * Whether dockerd asks the plugin: `docker info` lists the plugins it was started with; one a
 * SIGHUP added shows only through a probe the plugin sees. Within 5 s.
 */
async function pluginInUse(ctx: CliContext, name: string, socketPath: string): Promise<boolean> {
  const docker = createDockerClient(resolveDockerHost(ctx.dockerHost, realHostEnvironment()));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('dockerd did not answer within 5 s')), 5_000);
  });
  const ask = async () => {
    const info = (await docker.info()) as { Plugins?: { Authorization?: string[] | null } };
    if (info.Plugins?.Authorization?.includes(name)) return true;
    return probeInUse(
      socketPath,
      (query) =>
        new Promise<void>((resolve, reject) =>
          docker.modem.dial(
            { path: '/_ping?', method: 'GET', options: query, statusCodes: { 200: true } },
            (error) => (error ? reject(error as Error) : resolve()),
          ),
        ),
    );
  };
  try {
    return await Promise.race([ask(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
