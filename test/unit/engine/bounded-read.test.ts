import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  InputTooLargeError,
  readBounded,
  readFileBounded,
  readFileBoundedSync,
} from '../../../electron/engine/files/bounded-read.js';

const LIMIT = { maxBytes: 1_000_000, what: 'a test file' };

describe('bounded reads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-bounded-'));

  it('refuses /dev/zero, which has no size and no end, once past the limit', async () => {
    await expect(readFileBounded('/dev/zero', LIMIT)).rejects.toThrow(
      new InputTooLargeError('/dev/zero is larger than 1 MB, the most accepted for a test file'),
    );
    expect(() => readFileBoundedSync('/dev/zero', LIMIT)).toThrow(InputTooLargeError);
  });

  it('refuses a large regular file by its size, before reading it', async () => {
    const big = join(dir, 'big');
    writeFileSync(big, '');
    truncateSync(big, 100_000_000_000); // sparse: 100 GB that would never fit in memory
    await expect(readFileBounded(big, LIMIT)).rejects.toThrow(
      `${big} is larger than 1 MB, the most accepted for a test file`,
    );
    expect(() => readFileBoundedSync(big, LIMIT)).toThrow(/is larger than 1 MB/);
  });

  it('reads a file up to and at the limit whole', async () => {
    const file = join(dir, 'exact');
    writeFileSync(file, 'x'.repeat(LIMIT.maxBytes));
    expect((await readFileBounded(file, LIMIT)).length).toBe(LIMIT.maxBytes);
    expect(readFileBoundedSync(file, LIMIT).length).toBe(LIMIT.maxBytes);
    writeFileSync(file, 'héllo');
    expect(readFileBoundedSync(file, LIMIT).toString()).toBe('héllo');
  });

  it('stops reading a stream past the limit and destroys it', async () => {
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 65_536;
        this.push(Buffer.alloc(65_536));
      },
    });
    await expect(readBounded(endless, 'standard input', LIMIT)).rejects.toThrow(
      'standard input is larger than 1 MB',
    );
    expect(endless.destroyed).toBe(true);
    expect(produced).toBeLessThan(4 * LIMIT.maxBytes);
  });
});
