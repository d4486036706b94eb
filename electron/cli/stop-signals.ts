import { constants } from 'node:os';

/**
 * SIGINT and SIGTERM end every command promptly, with the shell's codes 130 and 143: conf's
 * atomic writer listens to both and re-raises them, and once any listener exists Node no
 * longer ends the process by itself. The daemon and `log --follow` stop cleanly on them
 * instead, and say so with `stopsOnSignals`.
 */
let handledByCommand = false;

export function exitOnStopSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      if (!handledByCommand) process.exit(128 + constants.signals[signal]);
    });
}

/** The running command shuts down on SIGINT/SIGTERM itself. */
export function stopsOnSignals(): void {
  handledByCommand = true;
}
