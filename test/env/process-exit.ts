import { constants } from 'node:os';

// One 'exit' listener for every resource the test bed owns, so a crashed or interrupted run
// leaves no daemon behind. Handlers must be synchronous: nothing asynchronous runs once the
// process is exiting.
const handlers = new Set<() => void>();
let installed = false;

function runHandlers() {
  for (const h of handlers) {
    try {
      h();
    } catch {
      // Best effort: one failing cleanup must not stop the others.
    }
  }
  handlers.clear();
}

export function onProcessExit(handler: () => void): () => void {
  if (!installed) {
    installed = true;
    process.on('exit', runHandlers);
    // A signal's default action ends the process without 'exit' handlers, and vitest stops its
    // fork workers with SIGTERM. Where nobody else handles the signal (vitest's main process
    // does, and exits), do the default action ourselves, but through process.exit.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(signal, () => {
        if (process.listenerCount(signal) === 1) process.exit(128 + constants.signals[signal]);
      });
    }
  }
  handlers.add(handler);
  return () => handlers.delete(handler);
}
