import { describe, expect, it } from 'vitest';
import { compileIdentityExpression } from '../../../../../electron/engine/signatures/cosign/identity-expression.js';
import { identityMatches } from '../../../../../electron/engine/signatures/cosign/signer-identity.js';

// Each of these takes a backtracking engine (JavaScript's RegExp) minutes or longer on the
// identity below; RE2 decides them in time linear in the identity. The test's own timeout
// is the bound: it asserts no time, but a backtracking engine would not finish within it.
const PATHOLOGICAL = ['(.|.|.|.)*Q', '(a+)+$Q', '(a|aa)*Q', '([a-z]*)*@Q', '(.*a){20}Q'];
const LONG_IDENTITY = `${'a'.repeat(5_000)}@example.com`;

describe('keyless identity expressions (RE2)', () => {
  it.each(PATHOLOGICAL)('decides %s on a long identity without backtracking', (source) => {
    expect(identityMatches({ regex: source }, LONG_IDENTITY)).toBe(false);
  });

  it('matches the whole identity, never a part of it', () => {
    const release = compileIdentityExpression('.*@example\\.com');
    expect(release.matches('ci@example.com')).toBe(true);
    expect(release.matches('ci@example.com.attacker.net')).toBe(false);
    expect(release.matches('evil\n@example.com')).toBe(false);
    expect(compileIdentityExpression('ci|release@example\\.com').matches('ci')).toBe(true);
    expect(compileIdentityExpression('ci|release@example\\.com').matches('cix')).toBe(false);
  });

  it.each([
    ['a lookahead', '(?=x)ci@example\\.com', /not an RE2 regular expression.*\(\?=/],
    ['a backreference', '(a)\\1@example\\.com', /not an RE2 regular expression.*\\1/],
    ['an unclosed group', '(ci@example\\.com', /not an RE2 regular expression.*missing closing \)/],
  ])('refuses %s, saying why', (_what, source, message) => {
    expect(() => compileIdentityExpression(source)).toThrow(message);
  });
});
