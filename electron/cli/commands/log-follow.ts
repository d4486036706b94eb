import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type { DecisionRecord } from '../../../shared/api/schemas.js';
import { parseRecord } from '../../engine/log/decision-log.js';

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
  const poll = () => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.ino !== inode || stat.size < offset) {
      inode = stat.ino;
      offset = 0;
      partial = '';
    }
    if (stat.size === offset) return;
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.alloc(stat.size - offset);
      readSync(fd, buffer, 0, buffer.length, offset);
      offset = stat.size;
      const lines = (partial + buffer.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
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
