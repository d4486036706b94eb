import * as fs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

// The file system's short writes and failures, which a real disk gives only when full: the
// integration tests make them on a real 64 kB tmpfs, these pin the exact behaviour.
const limits = vi.hoisted(() => ({ perWrite: Infinity, failAfter: Infinity, written: 0 }));
vi.mock('node:fs', async (original) => {
  const real = await original<typeof import('node:fs')>();
  return {
    ...real,
    writeSync: (fd: number, buffer: Buffer, offset: number, length: number) => {
      if (limits.written >= limits.failAfter)
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      const n = Math.min(length, limits.perWrite, limits.failAfter - limits.written);
      limits.written += n;
      return real.writeSync(fd, buffer, offset, n);
    },
  };
});

const { appendLines, StorageError, writeFileDurably } =
  await import('../../../../electron/engine/store/durable-write.js');

const dir = () => mkdtempSync(join(tmpdir(), 'gh-durable-'));

afterEach(() => Object.assign(limits, { perWrite: Infinity, failAfter: Infinity, written: 0 }));

describe('writeFileDurably', () => {
  it('writes every byte through short writes, owner-only', () => {
    const file = join(dir(), 'state.json');
    limits.perWrite = 7;
    const text = 'x'.repeat(10_000);
    writeFileDurably(file, text);
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('on a disk that fills part-way: old file byte-identical, no temp file, the reason and file named', () => {
    const d = dir();
    const file = join(d, 'state.json');
    writeFileSync(file, 'old');
    limits.failAfter = 4096;
    expect(() => writeFileDurably(file, 'n'.repeat(10_000))).toThrow(
      `disk full while saving ${file}: nothing was changed`,
    );
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(d)).toEqual(['state.json']);
  });

  it('a write that makes no progress is a failure, not an endless loop', () => {
    const d = dir();
    const file = join(d, 'state.json');
    limits.perWrite = 0;
    expect(() => writeFileDurably(file, 'new')).toThrow(StorageError);
    expect(readdirSync(d)).toEqual([]);
  });

  it('keeps the mode asked for (dockerd files are world-readable)', () => {
    const file = join(dir(), 'plugin.spec');
    writeFileDurably(file, 'unix:///x\n', 0o644);
    expect(fs.statSync(file).mode & 0o777).toBe(0o644);
  });
});

describe('appendLines', () => {
  it('a failed append is cut back: earlier lines intact, no fragment, the next append whole', () => {
    const file = join(dir(), 'log.jsonl');
    appendLines(file, '{"a":1}\n');
    limits.failAfter = limits.written + 3;
    expect(() => appendLines(file, '{"b":2}\n')).toThrow(
      `disk full while saving ${file}: nothing was changed`,
    );
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n');
    limits.failAfter = Infinity;
    expect(appendLines(file, '{"c":3}\n')).toBe(16);
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n{"c":3}\n');
  });

  it('a line a crash cut short is ended first, so it spoils only itself', () => {
    const file = join(dir(), 'log.jsonl');
    writeFileSync(file, '{"a":1}\n{"b":');
    appendLines(file, '{"c":3}\n');
    expect(readFileSync(file, 'utf8').split('\n')).toEqual(['{"a":1}', '{"b":', '{"c":3}', '']);
  });
});
