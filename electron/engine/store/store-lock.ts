import { randomBytes } from 'node:crypto';
import { linkSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from './durable-write.js';
import { openPrivateFolder } from './path-safety.js';

/**
 * One writer at a time for a config folder: a running engine holds the lock for its whole
 * life; the CLI holds it only while it edits the store directly (no engine running).
 *
 * The lock file names its holder (pid and, on Linux, the process's start time, so a reused pid
 * is not taken for it). A holder that is gone is taken over at once; a live one never is.
 */
export class StoreBusyError extends Error {}

export const LOCK_FILE = 'gatehouse.lock';
const WAIT_MS = 9_000;
const CHECK_EVERY_MS = 5_000;
/** proper-lockfile (used before) made the lock a folder whose mtime it touched every 5 s. */
const OLD_STYLE_STALE_MS = 15_000;

interface Holder {
  pid: number;
  /** /proc/PID/stat start time (clock ticks since boot), where there is one. */
  start?: string;
  nonce: string;
}

/** When the process started (Linux), which with the pid names it uniquely; else undefined. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command name (field 2) is in parentheses and may hold spaces or ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The locks this process holds, by nonce: a lock naming our pid but none of these is a dead namesake's. */
const heldHere = new Set<string>();

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isAlive(holder: Holder): boolean {
  if (holder.pid === process.pid) return heldHere.has(holder.nonce);
  if (!exists(holder.pid)) return false;
  const start = processStartTime(holder.pid);
  return holder.start === undefined || start === undefined || start === holder.start;
}

function parseHolder(text: string): Holder | undefined {
  try {
    const json = JSON.parse(text) as Partial<Holder>;
    if (Number.isInteger(json.pid) && (json.pid ?? 0) > 0 && typeof json.nonce === 'string')
      return json as Holder;
  } catch {
    // Not ours: treated as a dead holder's.
  }
  return undefined;
}

/** What the holder is, for the busy message: its pid and, where it can be read, its command. */
function describe(holder: Holder): string {
  try {
    const cmd = readFileSync(`/proc/${holder.pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return `pid ${holder.pid}: ${cmd.slice(0, 120)}`;
  } catch {
    return `pid ${holder.pid}`;
  }
}

type Attempt = { taken: true } | { taken: false; busy?: Holder };

/**
 * One try: the lock file appears whole or not at all (a complete temp file hard-linked into
 * place), so a reader never sees a half-written holder.
 */
function tryTake(lockPath: string, ownText: string): Attempt {
  const temp = `${lockPath}.${process.pid}.${randomBytes(6).toString('hex')}`;
  writeFileDurably(temp, ownText);
  try {
    linkSync(temp, lockPath);
    return { taken: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(temp, { force: true });
  }
  let text: string;
  try {
    text = readFileSync(lockPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { taken: false }; // released just now: try again
    if (code === 'EISDIR') return takeOverOldStyle(lockPath);
    throw error;
  }
  const holder = parseHolder(text);
  if (holder && isAlive(holder)) return { taken: false, busy: holder };
  takeOver(lockPath, text);
  return { taken: false };
}

/**
 * Removes a dead holder's lock. It is moved aside first (one mover wins) and removed only if
 * it is still the one judged dead; a live holder's lock that was moved by a contender that
 * read it late is put back.
 */
function takeOver(lockPath: string, deadText: string): void {
  const aside = `${lockPath}.dead.${process.pid}.${randomBytes(6).toString('hex')}`;
  try {
    renameSync(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    if (readFileSync(aside, 'utf8') !== deadText) linkSync(aside, lockPath);
  } catch (error) {
    // EEXIST: a third process took it meanwhile; the displaced holder's check reports it.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(aside, { force: true });
  }
}

function takeOverOldStyle(lockPath: string): Attempt {
  if (Date.now() - statSync(lockPath).mtimeMs < OLD_STYLE_STALE_MS)
    return { taken: false, busy: { pid: 0, nonce: '' } };
  rmSync(lockPath, { recursive: true, force: true });
  return { taken: false };
}

/** A temp file of writeFileDurably or of this lock, named with the pid of its writer. */
const LEFTOVER = /^(?:\..+|gatehouse\.lock(?:\.dead)?)\.(\d+)\.[0-9a-f]{12}(?:\.tmp)?$/;

/** Removes what killed writers left (their pid is gone); run once the folder is ours. */
function removeLeftovers(configDir: string): void {
  for (const name of readdirSync(configDir)) {
    const pid = LEFTOVER.exec(name)?.[1];
    if (pid && !exists(Number(pid))) rmSync(join(configDir, name), { force: true });
  }
}

export async function lockStore(
  configDir: string,
  opts: { wait: boolean; onLost?: (error: Error) => void },
): Promise<() => Promise<void>> {
  openPrivateFolder('the config folder', configDir);
  const lockPath = join(configDir, LOCK_FILE);
  const start = processStartTime(process.pid);
  const own: Holder = {
    pid: process.pid,
    ...(start ? { start } : {}),
    nonce: randomBytes(12).toString('hex'),
  };
  const ownText = JSON.stringify(own);
  const deadline = Date.now() + (opts.wait ? WAIT_MS : 0);
  for (let tries = 0; ; tries++) {
    const attempt = tryTake(lockPath, ownText);
    if (attempt.taken) {
      heldHere.add(own.nonce);
      removeLeftovers(configDir);
      break;
    }
    // A dead holder or a release in between is retried at once; a live holder is waited for.
    if (attempt.busy && Date.now() >= deadline) {
      const who = attempt.busy.pid ? describe(attempt.busy) : 'an older Gatehouse version';
      throw new StoreBusyError(
        `the settings in ${configDir} are in use by another Gatehouse process (${who}): a daemon, the desktop app, or another command; stop it or try again in a moment`,
      );
    }
    if (attempt.busy || tries > 20) await new Promise((r) => setTimeout(r, 100));
  }
  const stillOurs = () => {
    try {
      return readFileSync(lockPath, 'utf8') === ownText;
    } catch {
      return false;
    }
  };
  // Never expected (only a dead holder is taken over), but two engines enforcing one folder
  // must not go unnoticed.
  const check = setInterval(() => {
    if (stillOurs()) return;
    clearInterval(check);
    const lost = new Error(`the lock ${lockPath} was taken by another process`);
    if (opts.onLost) opts.onLost(lost);
    else throw lost;
  }, CHECK_EVERY_MS);
  check.unref();
  return async () => {
    clearInterval(check);
    heldHere.delete(own.nonce);
    if (stillOurs()) rmSync(lockPath, { force: true });
  };
}
