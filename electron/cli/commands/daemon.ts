import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { engineHandlers } from '../../engine/api/api-handlers.js';
import {
  startBrowserBridge,
  type BrowserBridge,
} from '../../engine/browser-bridge/browser-bridge.js';
import { startControlServer } from '../../engine/control/control-server.js';
import { requestHandover } from '../../engine/control/control-client.js';
import { controlSocketPath } from '../../engine/control/control-socket.js';
import { Engine } from '../../engine/engine.js';
import type { CliContext } from '../api-access.js';
import { displayText } from '../../../shared/display-text.js';
import { formatDecision, shown } from '../output.js';
import { startAuthzServer, type AuthzServer } from '../../engine/authz/authz-server.js';
import { EngineAuthzDecider } from '../../engine/authz/engine-decider.js';
import {
  LOCK_PATIENCE_MS,
  startWhenUnlocked,
  SUPERVISED_ENV,
  takeOverFromWatchdog,
} from '../daemon-watchdog.js';
import { drainRefusals } from '../standin-refusals.js';

export interface DaemonOptions {
  /** Also serve the UI in a browser on 127.0.0.1, on this port (0: a free one). */
  uiPort?: number | undefined;
  /** Also serve the Docker authorization plugin (prevention mode) on this unix socket. */
  authzSocket?: string | undefined;
}

/**
 * Runs the engine in the foreground until SIGINT/SIGTERM. Prints one line containing `ready`
 * once it watches events and has finished its first sweep (again after each reconnect), and
 * with `uiPort` one line `gatehouse ui: http://127.0.0.1:PORT/#token=...`.
 */
export async function runDaemon(ctx: CliContext, options: DaemonOptions = {}): Promise<void> {
  // Checked before the engine takes the config folder's lock: a missing build fails at once.
  const uiSite =
    options.uiPort === undefined
      ? undefined
      : { port: options.uiPort, staticDir: builtRendererDir() };
  const engine = Engine.open({ configDir: ctx.configDir, dockerHost: ctx.dockerHost });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  engine.on('connection', (c) =>
    say(
      c.state === 'disconnected'
        ? shown`docker: cannot watch ${c.dockerHost}: ${c.error ?? 'unknown error'}; retrying`
        : shown`docker: ${c.state} ${c.dockerHost}`,
    ),
  );
  engine.on('decision', (record) => say(formatDecision(record)));
  engine.on('problem', (error) =>
    process.stderr.write(`gatehouse: ${displayText(error.message)}\n`),
  );
  engine.on('swept', (s) => {
    if (!engine.ready) return;
    say(
      `swept ${s.containers} containers (${s.trigger.replace('sweep:', '')}) in ${s.durationMs.toFixed(0)} ms`,
    );
  });
  engine.on('ready', () => {
    const { enforcement } = engine.status();
    say(
      shown`gatehouse ready: watching ${engine.host.url} (enforcement ${enforcement.enabled ? 'on' : 'off'}, mode ${enforcement.mode}, config ${ctx.configDir})`,
    );
  });
  // The desktop app running its own engine on the folder makes way and becomes our face.
  const handover = await requestHandover(controlSocketPath(ctx.configDir));
  if (handover === 'refused')
    throw new Error(
      `another gatehouse daemon runs on ${ctx.configDir} (it answers on its control socket); stop it first`,
    );
  if (handover === 'granted')
    say("gatehouse: the desktop app hands the config folder over and becomes this daemon's face");
  // Wait for the lock the app releases, or (with the plugin served) the one a killed daemon
  // left until it is stale (the watchdog restarts it, and its stand-in answers meanwhile).
  const patience = options.authzSocket || handover === 'granted' ? LOCK_PATIENCE_MS : 0;
  await startWhenUnlocked(() => engine.start(), patience);
  // The plugin only now, with the lock and the decision log held: every refusal it makes is
  // logged, and so are the watchdog stand-in's, moved from its spool first.
  let authz: AuthzServer | undefined;
  if (options.authzSocket !== undefined) {
    try {
      if (supervised()) await watching(engine);
      await takeOverFromWatchdog();
      drainStandInRefusals(engine, ctx.configDir, say);
      authz = await startAuthzServer({
        socketPath: options.authzSocket,
        decider: new EngineAuthzDecider(engine.docker, engine, preventionAsk(engine)),
        // A refusal becomes a `prevented` record, printed by the 'decision' listener above.
        decided: (what, decision) => engine.recordPrevention(what, decision),
      });
    } catch (error) {
      await engine.stop();
      throw error;
    }
    engine.markPreventionServed(authz.socketPath);
    say(shown`gatehouse authz: serving the authorization plugin on ${authz.socketPath}`);
    const { plugin } = engine.status().prevention;
    if (plugin.state === 'unsupported')
      process.stderr.write(shown`gatehouse authz: ${plugin.reason}` + '\n');
  }
  const handlers = engineHandlers(engine);
  let server: Server | undefined;
  let ui: BrowserBridge | undefined;
  try {
    server = await startControlServer(controlSocketPath(ctx.configDir), handlers, {
      events: engine,
    });
    if (uiSite !== undefined) {
      ui = await startBrowserBridge({ handlers, events: engine, ...uiSite });
      say(shown`gatehouse ui: ${ui.url}`);
    }
  } catch (error) {
    server?.close();
    await ui?.close();
    await authz?.close();
    await engine.stop();
    throw error;
  }
  const control = server;
  await new Promise<void>((resolve) => {
    let stopping = false;
    // The listeners stay until the process ends: conf's atomic writer (when-exit) re-raises
    // the signal once, and a signal with no listener of ours would kill us mid-shutdown.
    const shutdown = () => {
      if (stopping) return;
      stopping = true;
      control.close();
      control.closeAllConnections();
      // The plugin last: the engine's own Docker calls in flight (a sweep, a reconciliation)
      // are authorized by it, and would wait ~32 s for an answer without it.
      void Promise.all([ui?.close(), engine.stop()])
        .then(() => authz?.close())
        .then(() => resolve());
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
}

/** Run by the watchdog, whose stand-in answers (and passes Docker's other calls) meanwhile. */
function supervised(): boolean {
  return process.env[SUPERVISED_ENV] !== undefined && process.connected === true;
}

/**
 * Resolves once the engine watches Docker's events and has swept once. Taking the socket over
 * cuts the calls in flight through the stand-in (dockerd then retries them with an empty body,
 * which the plugin refuses): the engine's own subscription and first sweep must not be those.
 */
function watching(engine: Engine): Promise<void> {
  if (engine.ready) return Promise.resolve();
  return new Promise((resolve) => engine.once('ready', () => resolve()));
}

/**
 * The watchdog stand-in's refusals into the log. A failure to write is reported, not fatal (as
 * for the plugin's own refusals): what was not moved stays spooled for the next start.
 */
function drainStandInRefusals(engine: Engine, configDir: string, say: (line: string) => void) {
  try {
    drainRefusals(configDir, (record) => {
      engine.log.append(record);
      say(formatDecision(record));
    });
  } catch (error) {
    process.stderr.write(
      `gatehouse: could not move the watchdog's refusals into the decision log: ${(error as Error).message}\n`,
    );
  }
}

/**
 * The plugin's just-in-time question, read from the setting at each refusal: off, nobody is
 * asked (undefined: a plain denial at once); on, the create waits for an answer in a face
 * (`approvals.answer` records the digest before approving). The queue's 15 s stay inside the
 * plugin's 20 s decision bound, itself inside dockerd's plugin timeout.
 */
export function preventionAsk(
  engine: Engine,
): (imageRef: string, digest: string, reason: string) => Promise<boolean | undefined> {
  return async (imageRef, digest, reason) => {
    if (!engine.store.get().prevention.ask) return undefined;
    return (await engine.approvals.ask(imageRef, digest, reason)) === 'approved';
  };
}

/** `--ui [port]`: a TCP port, 0 for a free one. */
export function uiPort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65_535)
    throw new InvalidArgumentError(`expected a port from 0 to 65535, got ${JSON.stringify(value)}`);
  return n;
}

/** GATEHOUSE_UI_DIR, else the package's dist/renderer, which must hold a built index.html. */
function builtRendererDir(): string {
  const dir = process.env['GATEHOUSE_UI_DIR'] ?? join(packageRoot(), 'dist', 'renderer');
  if (!existsSync(join(dir, 'index.html')))
    throw new Error(
      `the browser UI is not built: ${join(dir, 'index.html')} does not exist; run \`npm run build\` first`,
    );
  return dir;
}

/** The nearest folder with a package.json above this module, from the sources or from dist/. */
function packageRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
