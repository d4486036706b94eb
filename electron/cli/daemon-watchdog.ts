import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { settingsSchema, type Settings } from '../../shared/api/schemas.js';
import { describeRequest } from '../engine/authz/authz-protocol.js';
import {
  startAuthzServer,
  type AuthzDecider,
  type AuthzDecision,
  type AuthzServer,
} from '../engine/authz/authz-server.js';
import { preventionRecord } from '../engine/authz/prevention-record.js';
import { DEFAULT_SETTINGS, SETTINGS_FILE } from '../engine/store/settings-store.js';
import { StoreBusyError } from '../engine/store/store-lock.js';
import { RefusalSpool } from './standin-refusals.js';

/**
 * The watchdog of `gatehouse daemon --authz-socket`: a small parent process that runs the real
 * daemon as its child and restarts it when it dies, because while dockerd is configured for the
 * plugin and nothing answers its socket, every Docker call fails after about 32 s. While the
 * child is down it answers the socket itself, refusing what the plugin decides (fail closed)
 * and passing everything else, so Docker never hangs. A new child takes the socket over only
 * once it holds the config folder's lock and its decision log (see takeOverFromWatchdog), so
 * every refusal is logged: the stand-in's are spooled and moved into the log by the child.
 */

/** Set in the child's environment: it is supervised, so it runs the daemon itself. */
export const SUPERVISED_ENV = 'GATEHOUSE_DAEMON_SUPERVISED';

/** Child to watchdog, over the IPC channel: "I hold the lock and the log: stop answering". */
const TAKE_OVER = 'gatehouse:take-over';
/** Watchdog to child: the stand-in is closed; the socket is the child's to serve. */
const RELEASED = 'gatehouse:released';

export interface BackoffPolicy {
  /** Delay before the first restart. */
  initialMs: number;
  /** The delay doubles after each quick failure, up to this. */
  maxMs: number;
  /** A child that ran this long was stable: the next restart starts from initialMs again. */
  stableMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 250, maxMs: 5_000, stableMs: 30_000 };

/** The restart delays: 250 ms doubling to 5 s, back to 250 ms after a stable run. */
export class RestartBackoff {
  #failures = 0;

  constructor(private readonly policy: BackoffPolicy = DEFAULT_BACKOFF) {}

  /** Quick failures in a row, the last one included (0 before any). */
  get failures(): number {
    return this.#failures;
  }

  /** The delay before restarting a child that ran `ranMs`. */
  next(ranMs: number): number {
    if (ranMs >= this.policy.stableMs) this.#failures = 0;
    const delay = Math.min(this.policy.initialMs * 2 ** this.#failures, this.policy.maxMs);
    this.#failures++;
    return delay;
  }
}

export type ExitAction = { action: 'exit'; code: number } | { action: 'restart' };

/**
 * What to do when the child exits: after a stop we asked for, exit as it did; otherwise
 * (crash, signal, any exit code, 0 included: whoever stopped it did not stop the watchdog)
 * restart it. Never give up on a failing child: a watchdog that exits leaves the socket
 * unanswered and Docker hanging; the fallback refuses meanwhile and says why.
 */
export function onChildExit(
  requested: boolean,
  code: number | null,
  signal: NodeJS.Signals | null,
): ExitAction {
  if (!requested) return { action: 'restart' };
  return { action: 'exit', code: code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1) };
}

export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `was killed by ${signal}`;
  return code === null ? 'could not be started' : `exited with code ${code}`;
}

/** What the fallback knows about the child that is down. */
export interface ChildState {
  /** How its last run ended, e.g. "exited with code 1". */
  exit: string;
  /** Its last line on stderr, if any (typically the reason it could not start). */
  lastError: string | undefined;
  /** Quick failures in a row. */
  failures: number;
}

/** Why the daemon does not serve, e.g. "Gatehouse's daemon is restarting (the last run ...)". */
export function daemonDown(child: ChildState): string {
  const last = `the last run ${child.exit}${child.lastError ? `: ${child.lastError}` : ''}`;
  return child.failures >= 2
    ? `Gatehouse's daemon cannot start (it failed ${child.failures} times in a row; ${last})`
    : `Gatehouse's daemon is restarting (${last})`;
}

/** The refusal the fallback gives, after "gatehouse: " (added by the plugin server). */
export function fallbackMessage(what: string, child: ChildState): string {
  return (
    `${what} now: ${daemonDown(child)}. Refused because Gatehouse fails closed while it cannot decide. ` +
    'Try again in a few seconds; if this persists, see `gatehouse authz status` and the daemon output, fix the problem named here, ' +
    'or turn prevention off with `gatehouse authz uninstall`'
  );
}

/**
 * The enforcement settings, read-only and without the config folder's lock (the child may hold
 * it): the defaults when there is no settings file yet, undefined when it cannot be read.
 */
export function readEnforcement(configDir: string): Settings['enforcement'] | undefined {
  let text: string;
  try {
    text = readFileSync(join(configDir, SETTINGS_FILE), 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT'
      ? DEFAULT_SETTINGS.enforcement
      : undefined;
  }
  try {
    const parsed = settingsSchema.safeParse(JSON.parse(text.replace(/^\uFEFF/, '')));
    return parsed.success ? parsed.data.enforcement : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Decides while the daemon is down: with enforcement off or in audit mode (as the settings
 * say), everything passes, as the daemon would let it; otherwise, or when the settings cannot
 * be read, a refusal naming the problem.
 */
export class FallbackDecider implements AuthzDecider {
  constructor(
    private readonly child: () => ChildState,
    private readonly enforcement: () => Settings['enforcement'] | undefined,
  ) {}

  decide(request: Parameters<AuthzDecider['decide']>[0]): Promise<AuthzDecision> {
    return Promise.resolve(this.#decide(describeRequest(request)));
  }

  #decide(what: string): AuthzDecision {
    const enforcement = this.enforcement();
    if (enforcement && (!enforcement.enabled || enforcement.mode === 'audit'))
      return {
        allowed: true,
        message: `enforcement ${enforcement.enabled ? 'in audit mode' : 'off'}`,
      };
    return { allowed: false, message: fallbackMessage(what, this.child()) };
  }
}

export interface WatchdogOptions {
  socketPath: string;
  configDir: string;
  /** The child: the same node and CLI entry with the same arguments. */
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  backoff?: BackoffPolicy;
  /** After forwarding a stop, SIGKILL the child if it has not exited within this. */
  stopTimeoutMs?: number;
  out?: (line: string) => void;
  err?: (line: string) => void;
  /** Where SIGINT and SIGTERM arrive (tests pass an emitter). */
  signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
}

const LAST_ERROR_MAX = 600;

/**
 * Runs the daemon as a supervised child until SIGINT/SIGTERM (forwarded to it); resolves with
 * the exit code the watchdog should end with.
 */
export function runWatchdog(options: WatchdogOptions): Promise<number> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = options.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  const backoff = new RestartBackoff(options.backoff);
  const signals = options.signals ?? process;
  let child: ChildProcess | undefined;
  let fallback: AuthzServer | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  let state: ChildState = { exit: '', lastError: undefined, failures: 0 };
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (finish = resolve));

  const decider = new FallbackDecider(
    () => state,
    () => readEnforcement(options.configDir),
  );
  const spool = new RefusalSpool(options.configDir);

  const closeFallback = async () => {
    const server = fallback;
    fallback = undefined;
    await server?.close();
  };

  const end = async (code: number) => {
    clearTimeout(restartTimer);
    clearTimeout(killTimer);
    await closeFallback();
    signals.off('SIGINT', stop);
    signals.off('SIGTERM', stop);
    finish(code);
  };

  const spawnChild = () => {
    if (stopping) return;
    const startedAt = Date.now();
    let lastError: string | undefined;
    let partial = '';
    const proc = spawn(options.command, options.args, {
      env: { ...(options.env ?? process.env), [SUPERVISED_ENV]: '1' },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    child = proc;
    // The stand-in answers until the child can log what it decides. The child's plugin server
    // refuses a socket that something answers, so ours closes first; dockerd retries a refused
    // connection (after 1 s, then 2 s, ...): a Docker call in the gap is delayed, not failed.
    proc.on('message', (message) => {
      if (message !== TAKE_OVER) return;
      void closeFallback().then(() => {
        if (proc.connected) proc.send(RELEASED);
      });
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      const last = lines.map((l) => l.trim()).findLast((l) => l !== '');
      if (last) lastError = last.replace(/^gatehouse: /, '').slice(0, LAST_ERROR_MAX);
    });
    let exited = false;
    const onExit = (code: number | null, signal: NodeJS.Signals | null, failure?: string) => {
      if (exited) return;
      exited = true;
      child = undefined;
      const tail = partial.trim();
      if (tail) lastError = tail.replace(/^gatehouse: /, '').slice(0, LAST_ERROR_MAX);
      const next = onChildExit(stopping, code, signal);
      if (next.action === 'exit') {
        void end(next.code);
        return;
      }
      const delay = backoff.next(Date.now() - startedAt);
      const how = describeExit(code, signal);
      state = { exit: how, lastError: failure ?? lastError, failures: backoff.failures };
      err(
        `gatehouse watchdog: the daemon${proc.pid ? ` (pid ${proc.pid})` : ''} ${how}${state.lastError ? ` (${state.lastError})` : ''}; restarting it in ${delay} ms; meanwhile the plugin refuses what it would decide`,
      );
      void serveFallback().then((served) => {
        if (!served || stopping) return;
        restartTimer = setTimeout(spawnChild, delay);
      });
    };
    proc.on('exit', (code, signal) => onExit(code, signal));
    proc.on('error', (error) => {
      if (proc.pid === undefined) onExit(null, null, error.message);
    });
    if (proc.pid !== undefined) out(`gatehouse watchdog: started the daemon (pid ${proc.pid})`);
  };

  /** Answers the socket while the child is down; false when we give up. */
  const serveFallback = async (): Promise<boolean> => {
    if (stopping) return false;
    // Still up: the child died before it took the socket over.
    if (fallback) return true;
    try {
      fallback = await startAuthzServer({
        socketPath: options.socketPath,
        decider,
        standIn: () => daemonDown(state),
        decided: (what, decision) => {
          if (decision.allowed) return;
          try {
            spool.append(preventionRecord(what, decision));
          } catch (error) {
            err(
              `gatehouse watchdog: a refusal could not be kept for the decision log: ${(error as Error).message}`,
            );
          }
        },
      });
      if (!stopping) return true;
      await closeFallback(); // stopped while it started
      return false;
    } catch (error) {
      // Another process serves the socket (e.g. a daemon left by a killed watchdog): Docker
      // does not hang, and neither we nor a child of ours can serve it. Give up.
      err(
        `gatehouse watchdog: cannot answer ${options.socketPath} while the daemon is down: ${(error as Error).message}; giving up`,
      );
      stopping = true;
      void end(1);
      return false;
    }
  };

  function stop(signal: NodeJS.Signals): void {
    if (child) {
      child.kill(signal);
      if (!stopping && options.stopTimeoutMs !== 0)
        killTimer = setTimeout(() => child?.kill('SIGKILL'), options.stopTimeoutMs ?? 30_000);
      stopping = true;
      return;
    }
    if (stopping) return;
    stopping = true;
    void end(0);
  }

  signals.on('SIGINT', stop);
  signals.on('SIGTERM', stop);
  spawnChild();
  return done;
}

/**
 * In the daemon, once it holds the config folder's lock and its decision log: asks its
 * watchdog (if it has one) to close the stand-in, and resolves when it has, so the socket can
 * be served. Unsupervised, or with the watchdog gone, at once.
 */
export function takeOverFromWatchdog(proc: NodeJS.Process = process): Promise<void> {
  const send = proc.send?.bind(proc);
  if (!send || !proc.connected) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      proc.off('message', onMessage);
      proc.off('disconnect', done);
      // The channel has no other use: closed, it cannot keep this process alive.
      if (proc.connected) proc.disconnect();
      resolve();
    };
    const onMessage = (message: unknown) => {
      if (message === RELEASED) done();
    };
    proc.on('message', onMessage);
    proc.on('disconnect', done);
    send(TAKE_OVER);
  });
}

/**
 * In the supervised daemon: a watchdog killed outright (SIGKILL, the OOM killer) leaves the
 * pipe to our stderr without a reader, and the next line written there would end us with
 * EPIPE, leaving the plugin unanswered and Docker hanging. Orphaned, keep serving.
 */
export function outliveWatchdog(
  streams: NodeJS.WriteStream[] = [process.stdout, process.stderr],
): void {
  for (const stream of streams)
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
}

/**
 * How long a daemon serving the plugin keeps trying for the config folder's lock: a daemon
 * killed a moment ago leaves it until it is stale (15 s after its last refresh, which is at
 * most 5 s old). Meanwhile the watchdog's stand-in answers, refusing what the plugin decides.
 */
export const LOCK_PATIENCE_MS = 20_000;

/**
 * `start` (the engine's, which waits about 9 s for the lock and then throws StoreBusyError),
 * tried again while the lock is busy and `patienceMs` has not passed since the first try.
 */
export async function startWhenUnlocked(
  start: () => Promise<void>,
  patienceMs: number,
  now: () => number = Date.now,
): Promise<void> {
  const deadline = now() + patienceMs;
  for (;;) {
    try {
      await start();
      return;
    } catch (error) {
      if (!(error instanceof StoreBusyError) || now() >= deadline) throw error;
    }
  }
}
