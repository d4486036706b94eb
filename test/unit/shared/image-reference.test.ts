import { describe, expect, it } from 'vitest';
import {
  compareSpecificity,
  familiar,
  fullyQualified,
  imageIdOf,
  imagePatternProblem,
  imageReferenceProblem,
  ImageReferenceError,
  isTag,
  matchesPattern,
  pulledReferenceProblem,
  mostSpecificMatch,
  parseImagePattern,
  parseImageReference,
} from '../../../shared/image-reference.js';

const D = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('parseImageReference', () => {
  it.each([
    ['alpine', 'docker.io', 'library/alpine', 'latest', undefined],
    ['alpine:3.20', 'docker.io', 'library/alpine', '3.20', undefined],
    ['library/alpine', 'docker.io', 'library/alpine', 'latest', undefined],
    ['docker.io/alpine', 'docker.io', 'library/alpine', 'latest', undefined],
    ['index.docker.io/library/alpine', 'docker.io', 'library/alpine', 'latest', undefined],
    ['team/app', 'docker.io', 'team/app', 'latest', undefined],
    ['localhost/app', 'localhost', 'app', 'latest', undefined],
    ['localhost:5000/a/b:t', 'localhost:5000', 'a/b', 't', undefined],
    [`ghcr.io/org/app@${D}`, 'ghcr.io', 'org/app', undefined, D],
    [`ghcr.io/org/app:v1@${D}`, 'ghcr.io', 'org/app', 'v1', D],
    ['[::1]:5000/app', '[::1]:5000', 'app', 'latest', undefined],
    ['127.0.0.1:5000/team/app:1', '127.0.0.1:5000', 'team/app', '1', undefined],
    ['a.b-c/e--f.g_h__i', 'a.b-c', 'e--f.g_h__i', 'latest', undefined],
    // As Docker: an uppercase first component can only be a host.
    ['Registry/app', 'Registry', 'app', 'latest', undefined],
  ])('%s', (text, registry, path, tag, digest) => {
    const ref = parseImageReference(text);
    expect(ref).toEqual({
      registry,
      path,
      repository: `${registry}/${path}`,
      ...(tag !== undefined && { tag }),
      ...(digest !== undefined && { digest }),
    });
  });

  it.each([
    ['', 'cannot be empty'],
    ['Alpine', 'repository names must be lowercase: "Alpine"'],
    ['team/App', 'must be lowercase'],
    ['my app', 'contains whitespace'],
    ['app:', 'tag "" is invalid'],
    ['app:-x', 'tag "-x" is invalid'],
    [`app:${'t'.repeat(129)}`, 'is invalid'],
    ['app@sha256:abc', '3 hex characters'],
    [`app@sha512:${'0'.repeat(128)}`, 'is not a digest'],
    [`app@${D.toUpperCase().replace('SHA256', 'sha256')}`, 'uppercase hex'],
    ['a//b', 'empty component'],
    ['/app', 'empty component'],
    ['host:5000/', 'empty component'],
    ['team/-app', 'not a valid repository path component'],
    ['team/app_', 'not a valid repository path component'],
    ['-host.io/app', 'not a valid registry host'],
    ['host.io:port/app', 'not a valid registry host'],
    ['0123456789abcdef'.repeat(4), 'is an image ID, not a reference'],
    // Docker reads sha256:<64 hex> as an image ID, never as repository "sha256" with a tag.
    [`sha256:${'0123456789abcdef'.repeat(4)}`, 'is an image ID, not a reference'],
    [`host.io/${'a'.repeat(256)}`, 'a repository path has at most 255 characters'],
    [`${'a'.repeat(256)}`, 'a repository path has at most 255 characters'],
  ])('rejects %j: %s', (text, message) => {
    expect(() => parseImageReference(text)).toThrow(ImageReferenceError);
    expect(imageReferenceProblem(text)).toContain(message);
  });

  it("limits the repository path to 255 characters, not the registry host with it (Docker's rule)", () => {
    const longHost = `${'h'.repeat(60)}.example.com:5000`;
    const ref = parseImageReference(`${longHost}/${'a'.repeat(255)}:1`);
    expect(ref.path).toHaveLength(255);
    expect(ref.repository.length).toBeGreaterThan(255);
  });

  it('reads a 64-hex name, with or without sha256:, as an image ID', () => {
    const hex = '0123456789abcdef'.repeat(4);
    expect(imageIdOf(hex)).toBe(`sha256:${hex}`);
    expect(imageIdOf(`sha256:${hex}`)).toBe(`sha256:${hex}`);
    expect(imageIdOf(`sha256:${hex.slice(1)}`)).toBeUndefined();
    expect(imageIdOf('busybox')).toBeUndefined();
  });

  it('gives the fully qualified and the familiar form', () => {
    const forms = (text: string) => {
      const ref = parseImageReference(text);
      return [fullyQualified(ref), familiar(ref)];
    };
    expect(forms('alpine')).toEqual(['docker.io/library/alpine:latest', 'alpine:latest']);
    expect(forms('team/app:1')).toEqual(['docker.io/team/app:1', 'team/app:1']);
    expect(forms('library/a/b')).toEqual(['docker.io/library/a/b:latest', 'library/a/b:latest']);
    expect(forms(`ghcr.io/o/a:v@${D}`)).toEqual([`ghcr.io/o/a:v@${D}`, `ghcr.io/o/a:v@${D}`]);
    expect(forms(`alpine@${D}`)).toEqual([`docker.io/library/alpine@${D}`, `alpine@${D}`]);
    expect(imageReferenceProblem('localhost:5000/x')).toBeUndefined();
  });

  it('knows a tag', () => {
    expect(isTag('sha256-abc.sig')).toBe(true);
    expect(isTag('v1.0_rc-1')).toBe(true);
    expect(isTag('.x')).toBe(false);
    expect(isTag('a:b')).toBe(false);
  });
});

describe('image patterns', () => {
  const image = (text: string) => parseImageReference(text);
  const pattern = (text: string) => parseImagePattern(text);

  it.each([
    ['alpine', 'docker.io/library/alpine'],
    ['*', 'docker.io/library/*'],
    ['*/*', 'docker.io/*/*'],
    ['team/**', 'docker.io/team/**'],
    ['docker.io/**', 'docker.io/**'],
    ['index.docker.io/alpine', 'docker.io/library/alpine'],
    ['ghcr.io/org/*', 'ghcr.io/org/*'],
    ['*.example.com/**', '*.example.com/**'],
    ['registry:*/app', 'registry:*/app'],
    ['**', '**'],
    ['**/app', '**/app'],
  ])('normalises %s to %s', (text, normalised) => {
    expect(pattern(text).pattern).toBe(normalised);
  });

  it.each([
    ['', 'cannot be empty'],
    ['alpine:3', 'remove the tag'],
    ['ghcr.io/org/app:*', 'remove the tag'],
    [`alpine@${D}`, 'remove the digest'],
    ['ghcr.io/org**', '"**" must be a whole segment'],
    ['**.example.com/app', '"**" must be a whole segment'],
    ['ghcr.io/***', '"**" must be a whole segment'],
    ['ghcr.io/Org/*', 'must be lowercase'],
    ['ghcr.io//*', 'empty component'],
    ['-x.io/*', 'not a valid registry host'],
  ])('rejects %j: %s', (text, message) => {
    expect(() => pattern(text)).toThrow(ImageReferenceError);
    expect(imagePatternProblem(text)).toContain(message);
  });

  it.each([
    ['alpine', 'alpine:3.20', true],
    ['alpine', `docker.io/library/alpine@${D}`, true],
    ['alpine', 'team/alpine', false],
    ['*', 'alpine', true],
    ['*', 'team/app', false],
    ['*/*', 'team/app', true],
    ['ghcr.io/org/*', 'ghcr.io/org/app', true],
    ['ghcr.io/org/*', 'ghcr.io/org/team/app', false],
    ['ghcr.io/org/*', 'ghcr.io/org', false],
    ['ghcr.io/org/**', 'ghcr.io/org/team/app', true],
    ['ghcr.io/org/**', 'ghcr.io/org', false],
    ['ghcr.io/org/**', 'ghcr.io/organisation/app', false],
    ['ghcr.io/**/app', 'ghcr.io/a/b/app', true],
    ['ghcr.io/**/app', 'ghcr.io/app', false],
    ['ghcr.io/org/app-*', 'ghcr.io/org/app-api', true],
    ['ghcr.io/org/app-*', 'ghcr.io/org/api', false],
    ['*.example.com/**', 'eu.example.com/team/app', true],
    ['*.example.com/**', 'example.com/team/app', false],
    ['*.example.com/**', 'evil.com/x.example.com/app', false],
    ['registry:*/app', 'registry:5000/app', true],
    ['**', 'localhost:5000/a/b/c', true],
    ['**/app', 'docker.io/library/app', true],
    ['docker.io/**', 'alpine', true],
    ['docker.io/**', 'ghcr.io/docker.io/x', false],
  ])('%s matches %s: %s', (p, ref, expected) => {
    expect(matchesPattern(pattern(p), image(ref))).toBe(expected);
  });

  // A backtracking regular expression takes exponential time on these: 38 to 62 s for the
  // first. The test asserts no time, but such an engine would not finish within its timeout.
  it.each([
    ['a*a*a*a*a*a*a*a*c', `${'a'.repeat(200)}b`],
    ['**/**/**/**/**/**/**/**/**/**/c', `${'a/'.repeat(100)}b`],
    ['*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c', `a${'-a'.repeat(100)}`],
  ])('decides %s without backtracking', (p, name) => {
    expect(matchesPattern(pattern(p), image(name))).toBe(false);
    expect(matchesPattern(pattern(p), image(`${name.slice(0, -1)}c`))).toBe(true);
  });

  it('refuses a pattern longer than 256 characters', () => {
    expect(imagePatternProblem(`ghcr.io/${'a*'.repeat(124)}`)).toBeUndefined();
    expect(imagePatternProblem(`ghcr.io/${'a*'.repeat(125)}`)).toMatch(
      /is too long: an image pattern has at most 256 characters/,
    );
  });

  it('orders by specificity: literal prefix, then wildcards, then literal length', () => {
    const sorted = [
      '**',
      'ghcr.io/**',
      'ghcr.io/org/**',
      'ghcr.io/org/*',
      'ghcr.io/org/app',
      'ghcr.io/*/app',
      'ghcr.io/*/*',
      'ghcr.io/org/app*',
      'ghcr.io/*pp',
      'ghcr.io/*p',
    ]
      .map(pattern)
      .sort(compareSpecificity)
      .map((p) => p.pattern);
    expect(sorted).toEqual([
      'ghcr.io/org/app',
      'ghcr.io/org/app*',
      'ghcr.io/org/*',
      'ghcr.io/org/**',
      'ghcr.io/*/app',
      'ghcr.io/*pp',
      'ghcr.io/*p',
      'ghcr.io/*/*',
      'ghcr.io/**',
      '**',
    ]);
    expect(compareSpecificity(pattern('a/b'), pattern('a/b'))).toBe(0);
  });

  it('picks the most specific matching rule, whatever the order', () => {
    const rules = [
      { name: 'everything', pattern: pattern('**') },
      { name: 'org', pattern: pattern('ghcr.io/org/**') },
      { name: 'team', pattern: pattern('ghcr.io/org/team/*') },
      { name: 'other', pattern: pattern('ghcr.io/other/*') },
    ];
    const pick = (ref: string, list = rules) =>
      mostSpecificMatch(list, image(ref), (r) => r.pattern)?.name;
    expect(pick('ghcr.io/org/team/app')).toBe('team');
    expect(pick('ghcr.io/org/team/app', [...rules].reverse())).toBe('team');
    expect(pick('ghcr.io/org/x/y')).toBe('org');
    expect(pick('alpine')).toBe('everything');
    expect(pick('alpine', rules.slice(1))).toBeUndefined();
  });
});

describe('references Gatehouse pulls', () => {
  it('refuses an uppercase first component that would be taken for a registry host', () => {
    expect(pulledReferenceProblem('UPPER/x:1')).toBe(
      'in "UPPER/x:1": repository names must be lowercase: "UPPER" (a registry host has a "." or ":", e.g. registry.example.com/team/app)',
    );
    expect(pulledReferenceProblem('team/X:1')).toMatch(/repository names must be lowercase/);
  });

  it.each(['team/app:1', 'Registry.Example.com/team/app:1', 'localhost/app', '[::1]:5000/a:1'])(
    'accepts %s',
    (text) => expect(pulledReferenceProblem(text)).toBeUndefined(),
  );
});
