import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/**
 * Reads of outside input that stop at a limit: a file can be /dev/zero, a FIFO or 100 GB, and
 * reading it whole first would exhaust memory before anything could refuse it. A regular
 * file's size is checked before reading; anything else is read in chunks up to the limit.
 */

/** The input is over its limit; the message names it, the limit and what it is for. */
export class InputTooLargeError extends Error {
  override name = 'InputTooLargeError';
}

export interface Limit {
  /** The most bytes accepted. */
  maxBytes: number;
  /** What the input is for, e.g. "an allowlist file". */
  what: string;
}

const CHUNK = 64 * 1024;

function tooLarge(source: string, { maxBytes, what }: Limit): InputTooLargeError {
  return new InputTooLargeError(
    `${source} is larger than ${formatBytes(maxBytes)}, the most accepted for ${what}`,
  );
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1_000_000 && bytes % 1_000_000 === 0) return `${bytes / 1_000_000} MB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** A file's bytes, refused with InputTooLargeError past the limit. */
export async function readFileBounded(path: string, limit: Limit): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const stat = await file.stat();
    if (stat.isFile() && stat.size > limit.maxBytes) throw tooLarge(path, limit);
    return await readBounded(file.createReadStream({ autoClose: false }), path, limit);
  } finally {
    await file.close();
  }
}

/** A stream's bytes (standard input, a socket), refused past the limit; the stream is destroyed. */
export async function readBounded(stream: Readable, source: string, limit: Limit): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early destroys the stream: nothing past the limit is read.
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit.maxBytes) throw tooLarge(source, limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The synchronous form, for callers that read small local files at start-up. */
export function readFileBoundedSync(path: string, limit: Limit): Buffer {
  const fd = openSync(path, 'r');
  try {
    const stat = fstatSync(fd);
    if (stat.isFile() && stat.size > limit.maxBytes) throw tooLarge(path, limit);
    const buffer = Buffer.alloc(
      Math.min(limit.maxBytes + 1, stat.isFile() ? stat.size + 1 : CHUNK),
    );
    let size = 0;
    let target = buffer;
    for (;;) {
      if (size === target.length) {
        if (size > limit.maxBytes) throw tooLarge(path, limit);
        const grown = Buffer.alloc(Math.min(limit.maxBytes + 1, size * 2));
        target.copy(grown);
        target = grown;
      }
      const read = readSync(fd, target, size, target.length - size, null);
      if (read === 0) break;
      size += read;
    }
    if (size > limit.maxBytes) throw tooLarge(path, limit);
    return target.subarray(0, size);
  } finally {
    closeSync(fd);
  }
}
