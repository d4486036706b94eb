import { existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decisionRecordSchema, type DecisionRecord } from '../../../shared/api/schemas.js';
import { appendLines } from '../store/durable-write.js';

export const DECISION_LOG_FILE = 'decisions.jsonl';

/**
 * The decision log: JSON lines in the config folder, rotated by size
 * (decisions.jsonl -> decisions.1.jsonl -> ... -> decisions.N.jsonl, the oldest dropped).
 * Appends are synchronous so a record is on disk before the action it reports is taken, and
 * whole lines or nothing (appendLines): a full disk never spoils earlier records. A failed
 * append throws StorageError; the caller reports it. No fsync per record: the page cache
 * outlives a crashed process, and a sync on the guard's path would delay every kill.
 */
export class DecisionLog {
  readonly path: string;
  #size: number;

  constructor(
    private readonly dir: string,
    private readonly limits = { maxBytes: 5 * 1024 * 1024, keep: 3 },
  ) {
    this.path = join(dir, DECISION_LOG_FILE);
    this.#size = existsSync(this.path) ? statSync(this.path).size : 0;
  }

  append(record: DecisionRecord): void {
    const line = `${JSON.stringify(record)}\n`;
    if (this.#size > 0 && this.#size + line.length > this.limits.maxBytes) this.#rotate();
    this.#size = appendLines(this.path, line);
  }

  /** The newest `limit` records, oldest first. Lines that are not records are skipped. */
  read(limit = 1000): DecisionRecord[] {
    const records: DecisionRecord[] = [];
    for (const file of this.#files()) {
      const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).reverse();
      for (const line of lines) {
        const record = parseRecord(line);
        if (record) records.push(record);
        if (records.length >= limit) return records.reverse();
      }
    }
    return records.reverse();
  }

  /** Newest file first. */
  #files(): string[] {
    const rotated = Array.from({ length: this.limits.keep }, (_, i) => this.#rotatedPath(i + 1));
    return [this.path, ...rotated].filter((f) => existsSync(f));
  }

  #rotatedPath(n: number): string {
    return join(this.dir, DECISION_LOG_FILE.replace('.jsonl', `.${n}.jsonl`));
  }

  #rotate(): void {
    rmSync(this.#rotatedPath(this.limits.keep), { force: true });
    for (let n = this.limits.keep - 1; n >= 1; n--)
      if (existsSync(this.#rotatedPath(n)))
        renameSync(this.#rotatedPath(n), this.#rotatedPath(n + 1));
    renameSync(this.path, this.#rotatedPath(1));
    this.#size = 0;
  }
}

export function parseRecord(line: string): DecisionRecord | undefined {
  try {
    const parsed = decisionRecordSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
