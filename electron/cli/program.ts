import { join } from 'node:path';
import { Command } from 'commander';
import { choice, positiveInt } from './arguments.js';
import { DECISION_LOG_FILE } from '../engine/log/decision-log.js';
import { defaultConfigDir } from '../engine/store/config-dir.js';
import { callApi, type CliContext } from './api-access.js';
import { runDaemon, uiPort } from './commands/daemon.js';
import { outliveWatchdog, runWatchdog, SUPERVISED_ENV } from './daemon-watchdog.js';
import { followDecisionLog } from './commands/log-follow.js';
import { displayJson } from '../../shared/display-text.js';
import {
  displayLines,
  formatDecision,
  formatPrevention,
  printJson,
  readInput,
  short,
  shown,
} from './output.js';
import { registerTrustCommands } from './commands/trust.js';
import { registerAuthzCommands } from './commands/authz.js';
import { registerInstanceCommands } from './commands/instance.js';
import { registerEnginesCommand } from './commands/engines.js';
import { stopsOnSignals } from './stop-signals.js';

/** As the allowlist.import request allows: its text is at most 5,000,000 characters. */
const ALLOWLIST_FILE = { maxBytes: 5_000_000, what: 'an allowlist file' };

/** Exit codes scripts can rely on. */
export const EXIT = { ok: 0, error: 1, usage: 2, notAllowed: 3 } as const;

/** The `gatehouse` command. Built as a function so tests run it in-process. */
export function buildProgram(): Command {
  const program = new Command('gatehouse')
    .description('Decides which container images may run on this Docker engine.')
    .option(
      '--config-dir <dir>',
      "settings folder (env GATEHOUSE_CONFIG_DIR; default: the desktop app's)",
    )
    .option(
      '--docker-host <url>',
      'Docker engine, e.g. unix:///var/run/docker.sock (default: DOCKER_HOST, the docker context, the platform socket)',
    )
    .showHelpAfterError()
    // Usage errors quote the arguments given.
    .configureOutput({
      writeOut: (text) => process.stdout.write(displayLines(text)),
      writeErr: (text) => process.stderr.write(displayLines(text)),
    })
    .exitOverride();

  const ctx = (): CliContext => {
    const opts = program.opts<{ configDir?: string; dockerHost?: string }>();
    return { configDir: opts.configDir ?? defaultConfigDir(), dockerHost: opts.dockerHost };
  };

  program
    .command('daemon')
    .description('run the engine in the foreground until SIGINT/SIGTERM')
    .option(
      '--ui [port]',
      'also serve the UI to a browser on 127.0.0.1 (default port 0: a free one); prints its link',
      uiPort,
    )
    .option(
      '--authz-socket <path>',
      'also serve the Docker authorization plugin (prevention) on this unix socket, under a watchdog',
    )
    .option(
      '--no-watchdog',
      'with --authz-socket: run the daemon in this process, for an external supervisor (e.g. systemd Restart=always)',
    )
    .addHelpText(
      'after',
      `
With --authz-socket the daemon runs as the child of a small watchdog process: while a
configured plugin is down, every Docker call fails after about 32 s. The watchdog restarts
the daemon when it dies (250 ms doubling to 5 s, reset after 30 s of stable running) and
answers the socket meanwhile: it refuses what the plugin decides (create, start, exec, ...)
and passes every other call. SIGINT/SIGTERM stop both.`,
    )
    .action(async (o: { ui?: true | number; authzSocket?: string; watchdog: boolean }) => {
      const c = ctx();
      stopsOnSignals();
      if (o.authzSocket !== undefined && o.watchdog && !process.env[SUPERVISED_ENV]) {
        process.exitCode = await runWatchdog({
          socketPath: o.authzSocket,
          configDir: c.configDir,
          // The same node and CLI entry, with the same arguments.
          command: process.execPath,
          args: [...process.execArgv, ...process.argv.slice(1)],
        });
        return;
      }
      if (process.env[SUPERVISED_ENV]) outliveWatchdog();
      await runDaemon(c, { uiPort: o.ui === true ? 0 : o.ui, authzSocket: o.authzSocket });
    });

  program
    .command('status')
    .description('connection, enforcement, mode, prevention and counts')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const { result: s, viaEngine } = await callApi(ctx(), 'status.get', {});
      if (o.json) return printJson({ ...s, daemonRunning: viaEngine });
      const c = s.connection;
      console.log(
        `daemon:      ${viaEngine ? (s.ready ? 'running, ready' : 'running, not ready') : 'not running'}`,
      );
      if (viaEngine) {
        const error = c.error ? shown` (${c.error})` : '';
        console.log(shown`docker:      ${c.state} ${c.dockerHost}` + error);
      }
      console.log(`enforcement: ${s.enforcement.enabled ? 'on' : 'off'}`);
      console.log(`mode:        ${s.enforcement.mode}`);
      console.log(`prevention:  ${formatPrevention(s.prevention)}`);
      console.log(`allowlist:   ${s.counts.allowlist} entries`);
      console.log(`quarantined: ${s.counts.quarantined} containers`);
      console.log(shown`config:      ${s.configDir}`);
    });

  program
    .command('enforcement')
    .description('turn enforcement on or off')
    .argument('<state>', 'on or off', choice(['on', 'off']))
    .action(async (state: string) => {
      const answer = await callApi(ctx(), 'enforcement.set', { enabled: state === 'on' });
      console.log(`enforcement ${state}${applied(answer.viaEngine)}`);
    });

  program
    .command('mode')
    .description('what happens to a container that is not allowed')
    .argument(
      '<mode>',
      'enforce (stop and remove), quarantine (stop and keep) or audit (report only)',
      choice(['enforce', 'quarantine', 'audit']),
    )
    .action(async (mode: 'enforce' | 'quarantine' | 'audit') => {
      const answer = await callApi(ctx(), 'mode.set', { mode });
      console.log(`mode ${mode}${applied(answer.viaEngine)}`);
    });

  program
    .command('prevention')
    .description('what the authorization plugin decides beyond images')
    .command('builds')
    .description(
      'allow (the default: docker build works, its steps are not decided) or refuse builds while enforcing',
    )
    .argument('<policy>', 'allow or refuse', choice(['allow', 'refuse']))
    .action(async (builds: 'allow' | 'refuse') => {
      const answer = await callApi(ctx(), 'prevention.set', { builds });
      console.log(
        `builds ${builds === 'allow' ? 'allowed' : 'refused while enforcing'}${applied(answer.viaEngine)}`,
      );
    });

  const allowlist = program
    .command('allowlist')
    .description('the digests and image IDs allowed to run');
  allowlist
    .command('list')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const { result } = await callApi(ctx(), 'allowlist.list', {});
      if (o.json) return printJson(result);
      if (!result.length)
        console.log(
          'the allowlist is empty: add digests with `gatehouse allowlist add sha256:...`',
        );
      for (const e of result)
        console.log(
          shown`${e.digest}  ${e.source.padEnd(9)} ${e.addedAt}${e.label ? `  ${e.label}` : ''}`,
        );
    });
  allowlist
    .command('add')
    .argument('<entry...>', 'sha256:<64 hex> digests or image IDs')
    .option('--label <text>', 'what the entry is, e.g. the image name')
    .action(async (entries: string[], o: { label?: string }) => {
      const { result, viaEngine } = await callApi(ctx(), 'allowlist.add', {
        entries,
        ...(o.label !== undefined ? { label: o.label } : {}),
      });
      for (const d of result.added) console.log(shown`added ${d}`);
      for (const d of result.alreadyPresent) console.log(shown`already on the allowlist: ${d}`);
      if (result.added.length) console.log(applied(viaEngine).trim());
    });
  allowlist
    .command('remove')
    .argument('<entry...>', 'digests to remove')
    .action(async (entries: string[]) => {
      const { result, viaEngine } = await callApi(ctx(), 'allowlist.remove', { entries });
      for (const d of result.removed) console.log(shown`removed ${d}`);
      for (const d of result.notPresent) console.log(shown`not on the allowlist: ${d}`);
      if (result.removed.length) console.log(applied(viaEngine).trim());
    });
  allowlist
    .command('import')
    .description('add every digest in a file (one per line, # comments allowed; - for stdin)')
    .argument('<file>')
    .action(async (file: string) => {
      const text = await readInput(file, ALLOWLIST_FILE);
      const { result, viaEngine } = await callApi(ctx(), 'allowlist.import', { text });
      console.log(
        `imported ${result.added.length} entries (${result.alreadyPresent.length} already present)${applied(viaEngine)}`,
      );
    });
  allowlist
    .command('export')
    .description('print the allowlist, one digest per line (labels as # comments)')
    .action(async () => {
      const { result } = await callApi(ctx(), 'allowlist.export', {});
      // One entry a line, as written: each line is shown safely, line by line.
      for (const line of result.text.split('\n').slice(0, -1)) console.log(shown`${line}`);
    });

  program
    .command('log')
    .description('the decision log')
    .option('--json', 'print JSON lines')
    .option('-n, --lines <n>', 'how many of the newest records', positiveInt, 50)
    .option('-f, --follow', 'keep printing new decisions')
    .action(async (o: { json?: boolean; lines: number; follow?: boolean }) => {
      const c = ctx();
      const { result } = await callApi(c, 'log.list', { limit: o.lines });
      const print = (r: (typeof result)[number]) =>
        console.log(o.json ? displayJson(r) : formatDecision(r));
      result.forEach(print);
      if (!o.follow) return;
      stopsOnSignals();
      const stop = followDecisionLog(join(c.configDir, DECISION_LOG_FILE), print);
      await new Promise<void>((resolve) =>
        ['SIGINT', 'SIGTERM'].forEach((s) => process.once(s, () => (stop(), resolve()))),
      );
    });

  program
    .command('check')
    .description(
      'decide on every container now without acting; exit 0 if all are allowed, 3 if not',
    )
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const { result } = await callApi(ctx(), 'check.run', {});
      if (o.json) printJson(result);
      else
        for (const c of result.containers)
          console.log(
            shown`${c.allowed ? 'allowed' : 'NOT ALLOWED'}  ${c.containerName} (${c.state}) image ${c.imageRef} [${short(c.imageId)}]: ${c.reason}`,
          );
      if (!o.json && !result.containers.length) console.log('no containers');
      process.exitCode = result.allAllowed ? EXIT.ok : EXIT.notAllowed;
    });

  registerTrustCommands(program, ctx);
  registerAuthzCommands(program, ctx);
  registerInstanceCommands(program, ctx);
  registerEnginesCommand(program, ctx);
  return program;
}

function applied(viaEngine: boolean): string {
  return viaEngine
    ? ' (applied by the running engine)'
    : ' (saved; no engine is running, it applies when one starts)';
}
