import type { Server } from 'node:http';
import { engineHandlers } from '../../engine/api/api-handlers.js';
import { startControlServer } from '../../engine/control/control-server.js';
import { controlSocketPath } from '../../engine/control/control-socket.js';
import { Engine } from '../../engine/engine.js';
import type { CliContext } from '../api-access.js';
import { formatDecision } from '../output.js';

/**
 * Runs the engine in the foreground until SIGINT/SIGTERM. Prints one line containing `ready`
 * once it watches events and has finished its first sweep (again after each reconnect).
 */
export async function runDaemon(ctx: CliContext): Promise<void> {
  const engine = Engine.open({ configDir: ctx.configDir, dockerHost: ctx.dockerHost });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  engine.on('connection', (c) =>
    say(
      c.state === 'disconnected'
        ? `docker: cannot watch ${c.dockerHost}: ${c.error ?? 'unknown error'}; retrying`
        : `docker: ${c.state} ${c.dockerHost}`,
    ),
  );
  engine.on('decision', (record) => say(formatDecision(record)));
  engine.on('problem', (error) => process.stderr.write(`gatehouse: ${error.message}\n`));
  engine.on('swept', (s) => {
    if (!engine.ready) return;
    say(
      `swept ${s.containers} containers (${s.trigger.replace('sweep:', '')}) in ${s.durationMs.toFixed(0)} ms`,
    );
  });
  engine.on('ready', () => {
    const { enforcement } = engine.status();
    say(
      `gatehouse ready: watching ${engine.host.url} (enforcement ${enforcement.enabled ? 'on' : 'off'}, mode ${enforcement.mode}, config ${ctx.configDir})`,
    );
  });
  await engine.start();
  let server: Server;
  try {
    server = await startControlServer(controlSocketPath(ctx.configDir), engineHandlers(engine));
  } catch (error) {
    await engine.stop();
    throw error;
  }
  await new Promise<void>((resolve) => {
    let stopping = false;
    // The listeners stay until the process ends: conf's atomic writer (when-exit) re-raises
    // the signal once, and a signal with no listener of ours would kill us mid-shutdown.
    const shutdown = () => {
      if (stopping) return;
      stopping = true;
      server.close();
      server.closeAllConnections();
      void engine.stop().then(resolve);
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
}
