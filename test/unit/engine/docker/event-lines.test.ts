import { describe, expect, it } from 'vitest';
import {
  EventLineSplitter,
  type EventLine,
} from '../../../../electron/engine/docker/event-lines.js';

const pushAll = (splitter: EventLineSplitter, chunks: (string | Buffer)[]): EventLine[] =>
  chunks.flatMap((c) => splitter.push(typeof c === 'string' ? Buffer.from(c) : c));

describe('EventLineSplitter', () => {
  it('gives whole lines however the stream cuts them, blank lines dropped', () => {
    const splitter = new EventLineSplitter(100);
    expect(pushAll(splitter, ['{"a":', '1}\n\n{"b"', ':2}\n{"c":3}\n{"d'])).toEqual([
      { kind: 'line', text: '{"a":1}' },
      { kind: 'line', text: '{"b":2}' },
      { kind: 'line', text: '{"c":3}' },
    ]);
    expect(splitter.push(Buffer.from('":4}\r\n'))).toEqual([{ kind: 'line', text: '{"d":4}' }]);
  });

  it('keeps a multi-byte character cut between chunks whole', () => {
    const bytes = Buffer.from('{"name":"é"}\n');
    const cut = bytes.indexOf(0xa9); // the second byte of é
    const splitter = new EventLineSplitter(100);
    expect(pushAll(splitter, [bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual([
      { kind: 'line', text: '{"name":"é"}' },
    ]);
  });

  it('drops a line over the limit as it arrives and reports it, then reads the next line', () => {
    const splitter = new EventLineSplitter(1024);
    const huge = 'x'.repeat(4096);
    const out = pushAll(splitter, [
      '{"ok":1}\n{"labels":"',
      huge.slice(0, 1000),
      huge.slice(1000),
      '"}\n{"ok":2}\n',
    ]);
    expect(out).toEqual([
      { kind: 'line', text: '{"ok":1}' },
      { kind: 'oversized', bytes: '{"labels":"'.length + huge.length + 2 },
      { kind: 'line', text: '{"ok":2}' },
    ]);
  });

  it('a line exactly at the limit is read; one byte more is dropped', () => {
    const splitter = new EventLineSplitter(8);
    expect(splitter.push(Buffer.from('12345678\n123456789\n'))).toEqual([
      { kind: 'line', text: '12345678' },
      { kind: 'oversized', bytes: 9 },
    ]);
  });

  it('garbage without newlines is dropped as it arrives, never all buffered', () => {
    const splitter = new EventLineSplitter(1 << 20);
    const garbage = Buffer.alloc(64 << 10, 0xff);
    // 64 MiB in 64 KiB chunks; quadratic rescanning would take minutes, this is linear.
    for (let i = 0; i < 1024; i++) expect(splitter.push(garbage)).toEqual([]);
    expect(splitter.push(Buffer.from('\n{"ok":1}\n'))).toEqual([
      { kind: 'oversized', bytes: 64 << 20 },
      { kind: 'line', text: '{"ok":1}' },
    ]);
  });

  it('many small events in one big chunk all come out, in order', () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `{"n":${i}}`);
    const out = new EventLineSplitter(100).push(Buffer.from(`${lines.join('\n')}\n`));
    expect(out.map((l) => (l.kind === 'line' ? l.text : '?'))).toEqual(lines);
  });
});
