/** Docker's container events are a few KiB; labels (set by whoever creates a container) can make one 16 MiB+. */
export const MAX_EVENT_LINE_BYTES = 1 << 20;

const NEWLINE = 0x0a;

export type EventLine = { kind: 'line'; text: string } | { kind: 'oversized'; bytes: number };

/**
 * Splits Docker's event stream (JSON objects, one per line) in time linear in its size, with a
 * bounded buffer: each byte is looked at once, and a line longer than `maxBytes` is dropped as
 * it arrives, up to its newline, instead of being kept whole. A dropped line is reported
 * (`oversized`): it may have been an event the guard needed, so the caller must catch up.
 */
export class EventLineSplitter {
  /** The start of the current line, at most `maxBytes` in all. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Bytes of an oversized line dropped so far, while skipping to its newline; -1 otherwise. */
  #skipped = -1;

  constructor(private readonly maxBytes = MAX_EVENT_LINE_BYTES) {}

  /** The complete lines (and dropped ones) that `chunk` ends, in stream order. */
  push(chunk: Buffer): EventLine[] {
    const out: EventLine[] = [];
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline < 0 ? chunk.length : newline;
      this.#take(chunk.subarray(start, end));
      if (newline < 0) return out;
      this.#finishLine(out);
      start = newline + 1;
    }
  }

  #take(part: Buffer): void {
    if (part.length === 0) return;
    if (this.#skipped >= 0) {
      this.#skipped += part.length;
      return;
    }
    if (this.#pendingBytes + part.length > this.maxBytes) {
      this.#skipped = this.#pendingBytes + part.length;
      this.#pending = [];
      this.#pendingBytes = 0;
      return;
    }
    // Copied: the stream may reuse the chunk's memory, and a slice would pin all of it.
    this.#pending.push(Buffer.from(part));
    this.#pendingBytes += part.length;
  }

  #finishLine(out: EventLine[]): void {
    if (this.#skipped >= 0) {
      out.push({ kind: 'oversized', bytes: this.#skipped });
      this.#skipped = -1;
      return;
    }
    const text = Buffer.concat(this.#pending, this.#pendingBytes).toString('utf8').trim();
    this.#pending = [];
    this.#pendingBytes = 0;
    if (text) out.push({ kind: 'line', text });
  }
}
