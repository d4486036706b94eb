import { describe, expect, it } from 'vitest';
import {
  formatDistinguishedName,
  parseDistinguishedName,
} from '../../../../../electron/engine/signatures/notation/distinguished-name.js';
import { Rejection } from '../../../../../electron/engine/signatures/notation/rejection.js';
import { checkTrustedIdentity } from '../../../../../electron/engine/signatures/notation/trusted-identities.js';

const SUBJECT = [
  ['C', 'US'],
  ['ST', 'WA'],
  ['L', 'Seattle'],
  ['O', 'Acme, Inc.'],
  ['CN', 'release signer'],
] as const;

function problem(
  identities: string[],
  subject: ReadonlyArray<readonly [string, string]> = SUBJECT,
) {
  try {
    checkTrustedIdentity(subject, identities);
    return undefined;
  } catch (error) {
    if (error instanceof Rejection) return error.message;
    throw error;
  }
}

describe('parseDistinguishedName', () => {
  it('reads RFC 4514 escapes, hex pairs, quoted values and surrounding spaces', () => {
    expect(parseDistinguishedName(' C=US , O=Acme\\, Inc. ; CN=caf\\C3\\A9')).toEqual([
      ['C', 'US'],
      ['O', 'Acme, Inc.'],
      ['CN', 'café'],
    ]);
    expect(parseDistinguishedName('O="Acme, Inc.",CN=\\ padded\\ ')).toEqual([
      ['O', 'Acme, Inc.'],
      ['CN', ' padded '],
    ]);
  });

  it('refuses what notation refuses, saying why', () => {
    expect(() => parseDistinguishedName('C=US+O=Acme')).toThrow('multi-valued RDNs');
    expect(() => parseDistinguishedName('C=US,O=#0403414243')).toThrow('"#"-encoded values');
    expect(() => parseDistinguishedName('C=US,')).toThrow('ends with a separator');
    expect(() => parseDistinguishedName('C=US,Acme')).toThrow('"Acme" is not TYPE=value');
    expect(() => parseDistinguishedName('O="Acme')).toThrow('quoted value is not closed');
  });

  it('formats names so that they parse back to the same attributes', () => {
    const tricky = [
      ['O', 'Acme, Inc. + "Partners" <x>; \\'],
      ['CN', ' #lead'],
      ['OU', 'trail '],
    ] as const;
    expect(parseDistinguishedName(formatDistinguishedName(tricky))).toEqual(tricky);
  });
});

describe('checkTrustedIdentity', () => {
  it('trusts anyone the trust store vouches for with *', () => {
    expect(problem(['*'])).toBeUndefined();
  });

  it('matches when the identity is a subset of the subject', () => {
    expect(problem([`x509.subject: ${formatDistinguishedName(SUBJECT)}`])).toBeUndefined();
    expect(problem(['x509.subject: C=US, ST=WA, O=Acme\\, Inc.'])).toBeUndefined();
    expect(
      problem(['x509.subject: C=US, ST=WA, O=Other', 'x509.subject: C=US, S=WA, O="Acme, Inc."']),
    ).toBeUndefined();
  });

  it('names the signer when nothing matches', () => {
    expect(problem(['x509.subject: C=US, ST=WA, O=Acme\\, Inc., CN=someone else'])).toBe(
      'the signer "C=US, ST=WA, L=Seattle, O=Acme\\, Inc., CN=release signer" is not a trusted identity ' +
        '(trusted: "x509.subject: C=US, ST=WA, O=Acme\\, Inc., CN=someone else")',
    );
  });

  it('reports misconfigured identities', () => {
    expect(problem([])).toBe(
      'no trusted identities are configured; add "*" or "x509.subject: <DN>"',
    );
    expect(problem(['x509.subject: C=US, O=Acme'])).toBe(
      'trusted identity "x509.subject: C=US, O=Acme" must name C, ST and O (missing ST)',
    );
    expect(problem(['email: a@example.com'])).toBe(
      'trusted identity "email: a@example.com" is not "*" or "x509.subject: <DN>"',
    );
    expect(problem(['x509.subject: C=US, ST=WA, O=Acme, O=Beta'])).toBe(
      'trusted identity "x509.subject: C=US, ST=WA, O=Acme, O=Beta" names O twice',
    );
    expect(problem(['x509.subject: C=US+ST=WA, O=Acme'])).toMatch(
      /is not a valid DN: multi-valued RDNs/,
    );
  });

  it('cannot match a subject that repeats an attribute, as in notation', () => {
    const repeated = [...SUBJECT, ['OU', 'a'], ['OU', 'b']] as const;
    expect(problem(['x509.subject: C=US, ST=WA, O=Acme\\, Inc.'], repeated)).toBe(
      "the signing certificate's subject repeats OU, so no x509.subject identity can match it",
    );
  });
});
