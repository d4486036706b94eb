import { describe, expect, it } from 'vitest';
import { digestOfRepoDigest, digestProblem, isDigest } from '../../../shared/digest.js';
import { formatAllowlistText, parseAllowlistText } from '../../../shared/allowlist-text.js';

const A = `sha256:${'a'.repeat(64)}` as const;
const B = `sha256:${'0123456789abcdef'.repeat(4)}` as const;

describe('digests', () => {
  it('accepts sha256 with 64 lowercase hex and nothing else', () => {
    expect(isDigest(A)).toBe(true);
    expect(isDigest(B)).toBe(true);
    expect(isDigest(A.toUpperCase())).toBe(false);
    expect(isDigest(`${A} `)).toBe(false);
    expect(isDigest(`sha512:${'a'.repeat(64)}`)).toBe(false);
    expect(isDigest('a'.repeat(64))).toBe(false);
  });

  it('says what is wrong with a bad one', () => {
    expect(digestProblem(A)).toBeUndefined();
    expect(digestProblem('alpine:3')).toMatch(/"alpine:3" is not a digest: expected "sha256:"/);
    expect(digestProblem(`sha256:${'A'.repeat(64)}`)).toMatch(/uppercase/);
    expect(digestProblem('sha256:abc')).toMatch(/3 hex characters .* expected 64/);
    expect(digestProblem(`sha256:${'g'.repeat(64)}`)).toMatch(/not hexadecimal/);
  });

  it('takes the digest out of a RepoDigest', () => {
    expect(digestOfRepoDigest(`127.0.0.1:5000/team/app@${A}`)).toBe(A);
    expect(digestOfRepoDigest('team/app:1')).toBeUndefined();
  });
});

describe('allowlist text (Kura format)', () => {
  it('trims, skips blank lines, reads comments and trailing labels', () => {
    const text = `# team images\n\n  ${A}  \n${B} # web frontend\r\n\t\n`;
    expect(parseAllowlistText(text)).toEqual({
      entries: [{ digest: A }, { digest: B, label: 'web frontend' }],
      problems: [],
    });
  });

  it('reports every bad line by number', () => {
    const { problems } = parseAllowlistText(`${A}\nnginx:latest\n\nsha256:12\n`);
    expect(problems.map((p) => p.line)).toEqual([2, 4]);
    expect(problems[0]?.message).toMatch(/^line 2: "nginx:latest" is not a digest/);
  });

  it('round-trips through export', () => {
    const entries = [{ digest: A }, { digest: B, label: 'two\nlines' }] as const;
    const text = formatAllowlistText(entries);
    expect(text).toBe(`${A}\n${B} # two lines\n`);
    expect(parseAllowlistText(text).entries).toEqual([
      { digest: A },
      { digest: B, label: 'two lines' },
    ]);
  });
});
