import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../../../electron/engine/signatures/notary-v1/canonical-json.js';
import { metadata, NOTARY_01, NOTARY_03 } from './notary-fixtures.js';

const text = (value: unknown) => Buffer.from(canonicalJson(value)).toString('utf8');

describe('canonicalJson (docker/go MarshalCanonical)', () => {
  it('re-serialises every fixture `signed` object to the bytes Notary wrote and signed', () => {
    const files = [
      ...(['root', 'timestamp', 'snapshot', 'targets'] as const).map((role) =>
        metadata(NOTARY_01, role),
      ),
      ...(['root', 'timestamp', 'snapshot', 'targets', 'targets/releases'] as const).map((role) =>
        metadata(NOTARY_03, role),
      ),
    ];
    for (const file of files) {
      const raw = file.toString('utf8');
      const signed = raw.slice('{"signed":'.length, raw.lastIndexOf(',"signatures":'));
      expect(text(JSON.parse(raw).signed)).toBe(signed);
    }
  });

  it('sorts keys bytewise as Go does, not by UTF-16 code unit', () => {
    // In UTF-16 U+1F600 (D83D DE00) sorts before U+FF61; in UTF-8 (F0 9F.. against EF BD..) after it.
    expect(text({ '\u{1F600}': 1, '\uFF61': 2, b: 3, a: 4, B: 5 })).toBe(
      '{"B":5,"a":4,"b":3,"｡":2,"😀":1}',
    );
  });

  it('escapes only quote and backslash, leaving control characters and U+2028 raw', () => {
    expect(text(['a"b\\c', '\n\t\u0001', '<&>\u2028'])).toBe(
      '["a\\"b\\\\c","\n\t\u0001","<&>\u2028"]',
    );
  });

  it('writes integers plainly and refuses other numbers', () => {
    expect(text({ length: 1234567, version: 0, big: 2 ** 53 - 1 })).toBe(
      '{"big":9007199254740991,"length":1234567,"version":0}',
    );
    expect(() => canonicalJson({ length: 1.5 })).toThrow('not a safe integer');
    expect(() => canonicalJson(2 ** 53)).toThrow('not a safe integer');
  });

  it('writes a lone surrogate as U+FFFD, as Go decodes it', () => {
    expect(Buffer.from(canonicalJson(JSON.parse('"\\ud800"'))).toString('hex')).toBe('22efbfbd22');
  });
});
