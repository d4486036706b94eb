import { performance } from 'node:perf_hooks';
import { compileIdentityExpression } from '../electron/engine/signatures/cosign/identity-expression.js';
import {
  matchesPattern,
  parseImagePattern,
  parseImageReference,
} from '../shared/image-reference.js';
import { writeResults } from './results-file.js';
import { summarize } from './stats.js';

/**
 * Patterns from outside: the linear-time scope matcher and RE2 identity expressions, against
 * JavaScript's RegExp (the engine they replaced) as the baseline on ordinary patterns, in the
 * same run. The pathological patterns are timed for the linear engines only: the baseline does
 * not finish on them.
 */
const ROUNDS = Number(process.env['BENCH_RUNS'] ?? 30);
const PER_ROUND = 2_000;

const SCOPES: [string, string][] = [
  ['ghcr.io/acme/**', 'ghcr.io/acme/team/api'],
  ['ghcr.io/acme/*', 'ghcr.io/acme/api'],
  ['*.example.com/**', 'eu.example.com/team/app'],
  ['**/app', 'registry.example.com:5000/a/b/app'],
];
const IDENTITIES: [string, string][] = [
  ['.*@acme\\.com', 'release@acme.com'],
  [
    'https://github\\.com/acme/[^/]+/\\.github/workflows/release\\.yml@refs/tags/v.*',
    'https://github.com/acme/api/.github/workflows/release.yml@refs/tags/v1.4.0',
  ],
];

/** The glob as it was compiled before: a backtracking RegExp. */
function regexpGlob(pattern: string): RegExp {
  const source = pattern
    .split(/(\*\*|\*)/)
    .map((part) =>
      part === '**' ? '.+' : part === '*' ? '[^/]*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${source}$`);
}

/** Microseconds per call, one sample a round. */
function time(call: () => void): ReturnType<typeof summarize> {
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    for (let i = 0; i < PER_ROUND; i++) call();
    samples.push(((performance.now() - start) * 1000) / PER_ROUND);
  }
  return summarize(samples);
}

export function runPatternsBench(): void {
  const scopes = SCOPES.map(([p, ref]) => ({
    pattern: parseImagePattern(p),
    image: parseImageReference(ref),
  }));
  const regexps = scopes.map((s) => ({
    re: regexpGlob(s.pattern.pattern),
    name: s.image.repository,
  }));
  const linearScope = time(() => scopes.forEach((s) => matchesPattern(s.pattern, s.image)));
  const regexpScope = time(() => regexps.forEach((r) => r.re.test(r.name)));

  const re2 = IDENTITIES.map(([source, id]) => ({ e: compileIdentityExpression(source), id }));
  const js = IDENTITIES.map(([source, id]) => ({ re: new RegExp(`^(?:${source})$`), id }));
  const re2Identity = time(() => re2.forEach(({ e, id }) => e.matches(id)));
  const jsIdentity = time(() => js.forEach(({ re, id }) => re.test(id)));

  const evilScope = {
    pattern: parseImagePattern('a*a*a*a*a*a*a*a*c'),
    image: parseImageReference(`${'a'.repeat(200)}b`),
  };
  const evilIdentity = compileIdentityExpression('(.|.|.|.)*Q');
  const evilName = `${'a'.repeat(5_000)}@example.com`;
  const start = performance.now();
  matchesPattern(evilScope.pattern, evilScope.image);
  const evilScopeMs = performance.now() - start;
  const start2 = performance.now();
  evilIdentity.matches(evilName);
  const evilIdentityMs = performance.now() - start2;

  writeResults('patterns', {
    note: 'microseconds per decision of all patterns in a set; ratio = linear engine / RegExp baseline (same run)',
    scopeGlobs: {
      linear: linearScope,
      regexpBaseline: regexpScope,
      ratioMedian: Math.round((linearScope.p50 / regexpScope.p50) * 10) / 10,
    },
    identityExpressions: {
      re2: re2Identity,
      regexpBaseline: jsIdentity,
      ratioMedian: Math.round((re2Identity.p50 / jsIdentity.p50) * 10) / 10,
    },
    pathological: {
      'scope a*a*a*a*a*a*a*a*c on a 218-character name (ms)': evilScopeMs,
      'identity (.|.|.|.)*Q on a 5,012-character identity (ms)': evilIdentityMs,
    },
  });
}
