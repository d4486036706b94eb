import { describe, expect, it } from 'vitest';
import { controlCharacterProblem, displayJson, displayText } from '../../../shared/display-text.js';

/** Every character a terminal or a bidi-aware renderer acts on, rather than shows. */
const UNSAFE = [
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)),
  ...Array.from({ length: 0x21 }, (_, i) => String.fromCharCode(0x7f + i)),
  '\u061c',
  '\u200e',
  '\u200f',
  '\u2028',
  '\u2029',
  ...['\u202a', '\u202b', '\u202c', '\u202d', '\u202e'],
  ...['\u2066', '\u2067', '\u2068', '\u2069'],
];

describe('displayText', () => {
  it('escapes a terminal attack visibly: clear screen, title, bell', () => {
    expect(displayText('\x1b[2J\x1b]0;PWNED\x07')).toBe('\\x1b[2J\\x1b]0;PWNED\\x07');
  });

  it('cannot forge a line: CR, LF and the Unicode separators are shown, not obeyed', () => {
    const forged = 'evil\r2026-01-01T00:00:00Z ALLOWED     app\n\u2028\u2029';
    expect(displayText(forged)).toBe(
      'evil\\r2026-01-01T00:00:00Z ALLOWED     app\\n\\u2028\\u2029',
    );
  });

  it.each(UNSAFE.map((c) => [c.charCodeAt(0).toString(16), c]))('escapes U+%s', (_code, c) => {
    const shown = displayText(`a${c}b`);
    expect(shown).toMatch(/^a\\(x[0-9a-f]{2}|u[0-9a-f]{4}|n|r|t)b$/);
    expect(UNSAFE.some((u) => shown.includes(u))).toBe(false);
  });

  it('keeps printable text, including other scripts and emoji, as it is', () => {
    const text = 'ghcr.io/acme/app:1 — Ünïcödé 日本語 العربية 🐳 \\x1b';
    expect(displayText(text)).toBe(text);
  });
});

describe('displayJson', () => {
  it('is the same JSON value, with no raw C1, DEL, bidi or separator characters', () => {
    const value = { name: `a${UNSAFE.join('')}b`, list: ['\u202e', 1, null] };
    const json = displayJson(value);
    expect(JSON.parse(json)).toEqual(value);
    expect(UNSAFE.some((u) => json.includes(u))).toBe(false);
    expect(json).toContain('\\u2028');
    expect(JSON.parse(displayJson(value, 2))).toEqual(value);
  });
});

describe('controlCharacterProblem', () => {
  it('names what is wrong and where', () => {
    expect(controlCharacterProblem('a label', 'ok\u2028no')).toBe(
      'a label cannot contain control characters, line breaks or bidi controls: found \\u2028 at position 3',
    );
    expect(controlCharacterProblem('a label', 'fine text')).toBeUndefined();
  });
});
