import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { DecisionRecord } from '../../shared/api/schemas.js';
import { parseRecord } from '../engine/log/decision-log.js';

/**
 * The refusals the watchdog's stand-in made while the daemon was down. The decision log has
 * one writer, the process holding the config folder's lock (the daemon, or the desktop app);
 * the stand-in holds no lock, so it spools its refusals here, durably, and the daemon moves
 * them into the log once it holds the lock again and before it serves the plugin.
 */
export const SPOOL_FILE = 'standin-refusals.jsonl';
/** Taken by the daemon that drains it: a crash mid-drain leaves it for the next daemon. */
const DRAINING_FILE = 'standin-refusals.draining.jsonl';
/** How many refusals did not fit, written over (durably) at each one. */
const OVERFLOW_FILE = 'standin-refusals.overflow';
/** About 1,500 refusals; more are counted, not kept (a loop of refused runs must not fill the disk). */
export const SPOOL_MAX_BYTES = 1 << 20;

export class RefusalSpool {
  readonly #path: string;
  readonly #overflowPath: string;

  constructor(configDir: string) {
    this.#path = join(configDir, SPOOL_FILE);
    this.#overflowPath = join(configDir, OVERFLOW_FILE);
  }

  /**
   * Appends a refusal and flushes it to disk before the refusal is answered. False when the
   * spool is full: the refusal is counted instead.
   */
  append(record: DecisionRecord): boolean {
    const line = Buffer.from(`${JSON.stringify(record)}\n`);
    const size = existsSync(this.#path) ? statSync(this.#path).size : 0;
    if (size + line.length > SPOOL_MAX_BYTES) {
      // Read back each time: a daemon may have drained (and reset) it since.
      const count = readCount(this.#overflowPath) + 1;
      writeDurably(this.#overflowPath, 'w', Buffer.from(`${count}\n`));
      return false;
    }
    writeDurably(this.#path, 'a', line);
    return true;
  }
}

function writeDurably(path: string, flags: 'a' | 'w', data: Buffer): void {
  const fd = openSync(path, flags, 0o600);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Moves the spooled refusals into the log through `write` (oldest first), then one record
 * counting those that did not fit, if any; returns how many records it wrote. Only for the
 * holder of the config folder's lock, while no stand-in answers.
 */
export function drainRefusals(configDir: string, write: (record: DecisionRecord) => void): number {
  const spool = join(configDir, SPOOL_FILE);
  const draining = join(configDir, DRAINING_FILE);
  const overflowPath = join(configDir, OVERFLOW_FILE);
  let written = 0;
  // A spool taken by a daemon that died before it finished is drained first.
  for (const path of [draining, spool]) {
    if (!existsSync(path)) continue;
    if (path === spool) renameSync(spool, draining);
    for (const line of readBounded(draining).split('\n')) {
      const record = line ? parseRecord(line) : undefined;
      if (!record) continue;
      write(record);
      written++;
    }
    rmSync(draining, { force: true });
  }
  const overflow = readCount(overflowPath);
  if (overflow > 0) {
    write(overflowRecord(overflow));
    written++;
  }
  rmSync(overflowPath, { force: true });
  return written;
}

function readCount(path: string): number {
  if (!existsSync(path)) return 0;
  const count = Number.parseInt(readFileSync(path, 'utf8').slice(0, 20), 10);
  return Number.isSafeInteger(count) && count > 0 ? count : 0;
}

/** The spool's first SPOOL_MAX_BYTES: nothing longer was written by the stand-in. */
function readBounded(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(statSync(path).size, SPOOL_MAX_BYTES));
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function overflowRecord(count: number, time = new Date()): DecisionRecord {
  return {
    time: time.toISOString(),
    containerId: '',
    containerName: '',
    imageRef: '',
    imageId: '',
    digests: [],
    decision: 'prevented',
    reason: `${count} more refusals by the watchdog while the daemon was down are not listed one by one: its spool (${SPOOL_MAX_BYTES} bytes) was full`,
    trigger: 'authz:stand-in',
  };
}
