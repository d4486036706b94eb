import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { engineHandlers } from '../api/api-handlers.js';
import { localFace, type EngineFace } from '../api/engine-face.js';
import { SwitchableFace } from '../api/switchable-face.js';
import { Engine } from '../engine.js';
import { StoreBusyError } from '../store/store-lock.js';
import { startControlServer } from './control-server.js';
import { controlSocketPath } from './control-socket.js';
import { RemoteEngine } from './remote-engine.js';

/** After agreeing to hand over, how long the app waits for the daemon before running again. */
const HANDOVER_WAIT_MS = 30_000;
/**
 * How long the daemon the app is attached to may be away before the app runs the engine
 * again: longer than a watchdog's restart (its lock wait included, about 20 s), so a crash
 * does not make the app and the restarted daemon take turns.
 */
const TAKE_BACK_MS = 30_000;
/** How long a folder held by a process that does not answer (yet) is waited for. */
const BUSY_WAIT_MS = 30_000;
const POLL_MS = 250;

export interface AppEngineOptions {
  configDir: string;
  /** The Docker host when the app runs the engine (default: resolved as the CLI does). */
  dockerHost?: string | undefined;
  /** Problems the engine survived, and a handover that failed. */
  log: (message: string) => void;
}

/**
 * The desktop app's engine (plain Node, so it runs in the tests; the Electron shell only wires
 * it). When a daemon runs on the folder the app is its face; otherwise the app runs the
 * engine with the control socket the CLI talks to, and hands it over when a daemon starts
 * there (`gatehouse daemon` asks on the control socket): the local engine stops, releasing the
 * folder, and the app attaches to the daemon, or runs again locally if no daemon comes. If
 * the daemon it is attached to stays away (stopped, not restarted), the app runs the engine
 * again.
 */
export async function openAppEngine(options: AppEngineOptions): Promise<SwitchableFace> {
  const { configDir, dockerHost, log } = options;
  // A handover asked while the app is still starting is carried out once it has started.
  const app: { face?: SwitchableFace; handoverAsked?: boolean } = {};
  const reopen = (waitForDaemonMs: number, failure: string) =>
    app.face
      ?.switchTo(() => open(waitForDaemonMs))
      .catch((error: unknown) => log(`${failure}: ${messageOf(error)}`));
  const handOver = () => {
    if (app.face) void reopen(HANDOVER_WAIT_MS, 'could not hand over to the daemon');
    else app.handoverAsked = true;
  };
  // The daemon stopped for good: the app runs the engine again (or attaches to a newer daemon).
  const takeBack = () => void reopen(0, 'could not run the engine again');
  const open = (waitForDaemonMs: number) =>
    attachOrOpenLocal(configDir, openLocal, waitForDaemonMs, {
      afterMs: TAKE_BACK_MS,
      then: takeBack,
    });
  const openLocal = async (): Promise<EngineFace> => {
    const engine = Engine.open({ configDir, dockerHost }); // throws SettingsFileError on a broken file
    await engine.start(); // throws StoreBusyError while another process holds the folder
    let server: Server;
    try {
      server = await startControlServer(controlSocketPath(configDir), engineHandlers(engine), {
        events: engine,
        onHandover: handOver,
      });
    } catch (error) {
      await engine.stop();
      throw error;
    }
    engine.on('problem', (error) => log(error.message));
    return localFace(engine, async () => {
      await closeServer(server);
      await engine.stop();
    });
  };
  app.face = new SwitchableFace(await open(0));
  if (app.handoverAsked) handOver();
  return app.face;
}

/**
 * The daemon's face if one answers within `waitForDaemonMs` (`lost` as RemoteEngine.attach),
 * else the engine run here. A folder held by a process that does not answer yet (a daemon
 * starting) is waited for, then reported (StoreBusyError).
 */
async function attachOrOpenLocal(
  configDir: string,
  openLocal: () => Promise<EngineFace>,
  waitForDaemonMs: number,
  lost: { afterMs: number; then: () => void },
): Promise<EngineFace> {
  const started = Date.now();
  for (;;) {
    const attached = await RemoteEngine.attach(configDir, lost);
    if (attached) return attached;
    const waited = Date.now() - started;
    if (waited >= waitForDaemonMs)
      try {
        return await openLocal();
      } catch (error) {
        if (!(error instanceof StoreBusyError) || waited >= waitForDaemonMs + BUSY_WAIT_MS)
          throw error;
      }
    await sleep(POLL_MS);
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
