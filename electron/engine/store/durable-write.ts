import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Every write of saved state goes through here (settings, their last good copy, the decision
 * log, dockerd's plugin files): a failure leaves what was on disk as it was and is thrown as a
 * StorageError that says what happened, to which file, and that nothing changed.
 */
export class StorageError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${reason} while saving ${file}: nothing was changed`, options);
    this.name = 'StorageError';
  }
}

/** Plain words for the errors a full, broken or locked-down file system gives. */
const REASONS: Record<string, string> = {
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error (a failing disk?)',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EFBIG: 'file too large for this file system',
  EISDIR: 'the path is a directory',
  ENOENT: 'its folder does not exist',
};

function reasonOf(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return (e.code && REASONS[e.code]) ?? e.message ?? String(error);
}

/** Writes all of `data` at the fd's position; a write that makes no progress is an error. */
function writeAll(fd: number, data: Buffer): void {
  let done = 0;
  while (done < data.length) {
    const n = writeSync(fd, data, done, data.length - done);
    // A file system that accepts nothing more without an error code: report it as full.
    if (n <= 0)
      throw Object.assign(new Error(`short write (${done} of ${data.length} bytes)`), {
        code: 'ENOSPC',
      });
    done += n;
  }
}

/** Makes a rename or a new file in `dir` survive a power cut (no-op where folders cannot be opened). */
function syncFolder(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `file` with `data` so that it is either wholly the old or wholly the new content:
 * a temp file in the same folder (created exclusively, never through a planted link) gets all
 * the bytes and an fsync, then is renamed over the file and the folder is synced. Any error
 * removes the temp file and leaves the old file byte-identical.
 */
export function writeFileDurably(file: string, data: string | Buffer, mode = 0o600): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const dir = dirname(file);
  const temp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', mode);
    fchmodSync(fd, mode); // the umask narrowed the mode given to open
    writeAll(fd, bytes);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, file);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    throw new StorageError(file, reasonOf(error), { cause: error });
  }
  try {
    syncFolder(dir);
  } catch (error) {
    // The new content is in place; only its survival of a power cut is in doubt.
    throw new StorageError(dir, `${reasonOf(error)} (syncing the folder after the write)`, {
      cause: error,
    });
  }
}

/**
 * Appends whole lines to `file` (`text` ends with a newline) and answers the file's new size.
 * A failed append (disk full part-way) is cut back to where it began, so no fragment is left
 * for the next line to join, and is thrown as a StorageError for the caller to report. A line
 * a crash cut short before is ended first, so it spoils only itself.
 */
export function appendLines(file: string, text: string, mode = 0o600): number {
  let fd: number;
  try {
    fd = openSync(file, 'a+', mode);
  } catch (error) {
    throw new StorageError(file, reasonOf(error), { cause: error });
  }
  let start = 0;
  try {
    start = fstatSync(fd).size;
    const last = Buffer.alloc(1);
    const unterminated = start > 0 && readSync(fd, last, 0, 1, start - 1) === 1 && last[0] !== 0x0a;
    const bytes = Buffer.from(unterminated ? `\n${text}` : text, 'utf8');
    writeAll(fd, bytes);
    return start + bytes.length;
  } catch (error) {
    try {
      ftruncateSync(fd, start);
    } catch {
      // Cutting back failed too: the fragment has no newline, so the next append ends it.
    }
    throw new StorageError(file, reasonOf(error), { cause: error });
  } finally {
    closeSync(fd);
  }
}
