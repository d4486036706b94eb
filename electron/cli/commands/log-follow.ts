import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { DecisionRecord } from '../../../shared/api/schemas.js';
import { parseRecord } from '../../engine/log/decision-log.js';

const MAX_READ_BYTES = 1024 * 1024;

/**
 * Prints records appended to the decision log from now on, until the process is stopped.
 * Polls rather than watches: fs.watch misses rotations on some file systems. A file that
 * shrank or was replaced was rotated, and is read again from its start.
 */
export function followDecisionLog(
  path: string,
  onRecord: (r: DecisionRecord) => void,
  intervalMs = 250,
): () => void {
  let offset = existsSync(path) ? statSync(path).size : 0;
  let inode = existsSync(path) ? statSync(path).ino : 0;
  let partial = '';
  // A chunk can end inside a character: the decoder keeps its first bytes for the next one.
  let decoder = new StringDecoder('utf8');
  const poll = () => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.ino !== inode || stat.size < offset) {
      inode = stat.ino;
      offset = 0;
      partial = '';
      decoder = new StringDecoder('utf8');
    }
    if (stat.size === offset) return;
    const fd = openSync(path, 'r');
    try {
      // At most a chunk a poll: the rest is read at the next one.
      const buffer = Buffer.alloc(Math.min(stat.size - offset, MAX_READ_BYTES));
      offset += readSync(fd, buffer, 0, buffer.length, offset);
      const lines = (partial + decoder.write(buffer)).split('\n');
      partial = lines.pop() ?? '';
      // No record is this long: a line without end is dropped rather than kept growing.
      if (partial.length > MAX_READ_BYTES) partial = '';
      for (const line of lines) {
        const record = parseRecord(line);
        if (record) onRecord(record);
      }
    } finally {
      closeSync(fd);
    }
  };
  const timer = setInterval(poll, intervalMs);
  return () => clearInterval(timer);
}
