import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onProcessExit } from '../../env/process-exit.js';

export interface TinyFs {
  /** The mounted folder (mode 0700, owned by us). */
  dir: string;
  /** Fills every free byte with a filler file, so the next write of any size fails. */
  fill(): void;
  /** Removes the filler. */
  free(): void;
  unmount(): void;
}

/**
 * A real tmpfs of `size` (e.g. '64k'). Needs root; a mount that fails throws (a test of a
 * full disk that cannot make one must fail, not pass unchecked).
 */
export function mountTinyFs(size: string): TinyFs {
  const dir = mkdtempSync(join(tmpdir(), 'gh-tinyfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  } catch (error) {
    throw new Error(
      `cannot mount a ${size} tmpfs on ${dir} (these tests need root): ${(error as Error).message}`,
      { cause: error },
    );
  }
  const unmount = () => {
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  };
  const forget = onProcessExit(unmount);
  const filler = join(dir, 'filler');
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      try {
        for (const chunk of [Buffer.alloc(4096), Buffer.alloc(1)])
          for (;;) {
            try {
              writeSync(fd, chunk);
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
              throw error;
            }
          }
      } finally {
        closeSync(fd);
      }
    },
    free: () => rmSync(filler, { force: true }),
    unmount() {
      forget();
      unmount();
    },
  };
}
