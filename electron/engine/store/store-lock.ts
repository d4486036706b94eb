import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';

/**
 * One writer at a time for a config folder: a running engine holds the lock for its whole
 * life; the CLI holds it only while it edits the store directly (no engine running).
 */
export class StoreBusyError extends Error {}

export async function lockStore(
  configDir: string,
  opts: { wait: boolean; onLost?: (error: Error) => void },
): Promise<() => Promise<void>> {
  mkdirSync(configDir, { recursive: true, mode: 0o700 });
  try {
    return await lockfile.lock(configDir, {
      lockfilePath: join(configDir, 'gatehouse.lock'),
      realpath: false,
      stale: 15_000,
      update: 5_000,
      retries: opts.wait ? { retries: 20, minTimeout: 50, maxTimeout: 500 } : 0,
      // The lock can be taken over if this process stalls past `stale` (a machine asleep).
      // An engine reports it and keeps enforcing; without a handler the error is thrown.
      ...(opts.onLost ? { onCompromised: opts.onLost } : {}),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED')
      throw new StoreBusyError(
        `the settings in ${configDir} are in use by another Gatehouse process (a daemon starting up, the desktop app, or another command); try again in a moment`,
      );
    throw error;
  }
}
