import { digestProblem, type Digest } from './digest.js';

/**
 * A Docker image reference, normalised as Docker does: `alpine` is
 * `docker.io/library/alpine:latest`. Plain data, so it can cross process boundaries.
 */
export interface ImageReference {
  /** The registry host as written, e.g. `docker.io`, `localhost:5000`, `[::1]:5000`. */
  readonly registry: string;
  /** The repository path inside the registry, e.g. `library/alpine`. */
  readonly path: string;
  /** `registry/path`, e.g. `docker.io/library/alpine`: what signatures and policies name. */
  readonly repository: string;
  /** `latest` when the text named neither a tag nor a digest. */
  readonly tag?: string;
  /** When both are given the digest decides what is pulled; the tag is kept for display. */
  readonly digest?: Digest;
}

/** Thrown for a reference or pattern that does not parse; the message says why. */
export class ImageReferenceError extends Error {
  override name = 'ImageReferenceError';
}

export const DOCKER_HUB = 'docker.io';

// The grammar of github.com/distribution/reference, which Docker uses.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;
const TAG = /^\w[\w.-]{0,127}$/;
const IMAGE_ID = /^(?:sha256:)?([a-f0-9]{64})$/;
// distribution/reference limits the repository path, not the registry host with it.
const PATH_MAX_LENGTH = 255;
// A repository name is at most 255 characters; a pattern for one needs no more.
const PATTERN_MAX_LENGTH = 256;

/** Whether `text` is a valid tag: 1 to 128 word characters, "." or "-", not starting with "." or "-". */
export function isTag(text: string): boolean {
  return TAG.test(text);
}

export function parseImageReference(text: string): ImageReference {
  const shown = show(text);
  if (text === '') throw new ImageReferenceError('an image reference cannot be empty');
  if (/\s/.test(text)) throw new ImageReferenceError(`${shown} contains whitespace`);
  const id = imageIdOf(text);
  if (id !== undefined)
    throw new ImageReferenceError(
      `${shown} is an image ID, not a reference: it names no repository (Docker reads it as image ${id.slice(0, 19)}...)`,
    );

  let name = text;
  let digest: Digest | undefined;
  const at = name.indexOf('@');
  if (at >= 0) {
    const problem = digestProblem(name.slice(at + 1));
    if (problem !== undefined) throw new ImageReferenceError(`in ${shown}: ${problem}`);
    digest = name.slice(at + 1) as Digest;
    name = name.slice(0, at);
  }
  let tag: string | undefined;
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    if (!TAG.test(tag))
      throw new ImageReferenceError(
        `in ${shown}: tag ${show(tag)} is invalid: 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"`,
      );
    name = name.slice(0, colon);
  }

  const { registry, path } = splitRegistry(name.split('/'));
  if (!DOMAIN.test(registry))
    throw new ImageReferenceError(`in ${shown}: ${show(registry)} is not a valid registry host`);
  const problem = pathProblem(path);
  if (problem !== undefined) throw new ImageReferenceError(`in ${shown}: ${problem}`);
  const pathText = path.join('/');
  if (pathText.length > PATH_MAX_LENGTH)
    throw new ImageReferenceError(
      `${shown} is too long: a repository path has at most ${PATH_MAX_LENGTH} characters`,
    );
  return {
    registry,
    path: pathText,
    repository: `${registry}/${pathText}`,
    ...(tag !== undefined ? { tag } : digest === undefined && { tag: 'latest' }),
    ...(digest !== undefined && { digest }),
  };
}

/**
 * The image ID `text` names, as Docker reads it: 64 hex characters, with or without
 * `sha256:`, name an image by ID (never a repository `sha256` with a tag).
 */
export function imageIdOf(text: string): Digest | undefined {
  const hex = IMAGE_ID.exec(text)?.[1];
  return hex === undefined ? undefined : (`sha256:${hex}` as Digest);
}

/** The repository a reference names (`busybox` is `docker.io/library/busybox`); undefined if none. */
export function repositoryOf(text: string): string | undefined {
  try {
    return parseImageReference(text).repository;
  } catch (error) {
    if (error instanceof ImageReferenceError) return undefined;
    throw error;
  }
}

/** What is wrong with a would-be image reference; undefined when it parses. */
export function imageReferenceProblem(text: string): string | undefined {
  try {
    parseImageReference(text);
    return undefined;
  } catch (error) {
    if (error instanceof ImageReferenceError) return error.message;
    throw error;
  }
}

/**
 * What is wrong with a reference Gatehouse itself pulls; undefined when it is fine. Docker
 * reads a first component with uppercase letters as a registry host, since repository paths
 * cannot have them: `UPPER/app:1` would be pulled from a host named `UPPER`, where a
 * mistyped Docker Hub repository was meant. A registry host with no "." or ":" is refused.
 */
export function pulledReferenceProblem(text: string): string | undefined {
  const problem = imageReferenceProblem(text);
  if (problem !== undefined) return problem;
  const { registry } = parseImageReference(text);
  if (registry !== 'localhost' && !/[.:]/.test(registry))
    return `in ${show(text)}: repository names must be lowercase: ${show(registry)} (a registry host has a "." or ":", e.g. registry.example.com/team/app)`;
  return undefined;
}

/** `docker.io/library/alpine:latest`, `host:5000/a/b:t@sha256:...` */
export function fullyQualified(reference: ImageReference): string {
  return reference.repository + suffix(reference);
}

/** As Docker shows it: `alpine:latest`, `team/app:1`, `ghcr.io/org/app@sha256:...` */
export function familiar(reference: ImageReference): string {
  let name = reference.repository;
  if (reference.registry === DOCKER_HUB) {
    name = reference.path;
    if (name.startsWith('library/') && name.indexOf('/', 'library/'.length) < 0)
      name = name.slice('library/'.length);
  }
  return name + suffix(reference);
}

function suffix(reference: ImageReference): string {
  return (
    (reference.tag === undefined ? '' : `:${reference.tag}`) +
    (reference.digest === undefined ? '' : `@${reference.digest}`)
  );
}

/**
 * Like Docker: the first component names a registry only if it contains "." or ":", is
 * `localhost`, or has uppercase letters (repository paths cannot). `index.docker.io` is
 * Docker Hub, whose single-component names live under `library/`.
 */
function splitRegistry(components: string[]): { registry: string; path: string[] } {
  const first = components[0] ?? '';
  const hasRegistry =
    components.length > 1 &&
    (first.includes('.') ||
      first.includes(':') ||
      first === 'localhost' ||
      first !== first.toLowerCase());
  let registry = hasRegistry ? first : DOCKER_HUB;
  const path = hasRegistry ? components.slice(1) : components;
  if (registry === 'index.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && path.length === 1 && path[0] !== '**') path.unshift('library');
  return { registry, path };
}

function pathProblem(path: readonly string[]): string | undefined {
  for (const component of path) {
    if (component === '')
      return 'the repository path has an empty component ("//" or a "/" at an end)';
    if (component !== component.toLowerCase())
      return `repository names must be lowercase: ${show(component)}`;
    if (!PATH_COMPONENT.test(component))
      return `${show(component)} is not a valid repository path component: lowercase letters and digits, separated by ".", "_", "__" or dashes`;
  }
  return undefined;
}

function show(text: string): string {
  return JSON.stringify(text.length > 100 ? `${text.slice(0, 97)}...` : text);
}

/**
 * A trust-policy pattern over repositories (`registry/path`; tags and digests are not part
 * of it): `*` matches any text within one segment and a `**` segment one or more whole
 * segments, as in sigstore's policy-controller. Unlike there, `**` must be a whole segment:
 * glued to text (`**.example.com`) it could match across hosts and paths.
 * Patterns are normalised like references: `alpine` is `docker.io/library/alpine`,
 * `team/*` is `docker.io/team/*`. A pattern starting with a `**` segment spans registries:
 * `**` alone matches every image; `**` then `/app`, every repository whose last segment is `app`.
 */
export interface ImagePattern {
  /** The normalised pattern, e.g. `docker.io/library/alpine`, `ghcr.io/org/**`. */
  readonly pattern: string;
}

export function parseImagePattern(text: string): ImagePattern {
  const shown = show(text);
  if (text === '') throw new ImageReferenceError('an image pattern cannot be empty');
  if (text.length > PATTERN_MAX_LENGTH)
    throw new ImageReferenceError(
      `${shown} is too long: an image pattern has at most ${PATTERN_MAX_LENGTH} characters`,
    );
  if (/\s/.test(text)) throw new ImageReferenceError(`${shown} contains whitespace`);
  if (text.includes('@'))
    throw new ImageReferenceError(`${shown}: patterns match repositories; remove the digest`);
  const components = text.split('/');
  // The last segment is never the registry, so a colon there starts a tag.
  if ((components.at(-1) ?? '').includes(':'))
    throw new ImageReferenceError(`${shown}: patterns match repositories; remove the tag`);
  if (components.some((c) => c.includes('**') && c !== '**'))
    throw new ImageReferenceError(
      `in ${shown}: "**" must be a whole segment (such as "ghcr.io/org/**"); use "*" within a segment`,
    );

  let registry: string | undefined;
  let path = components;
  if (components[0] !== '**') ({ registry, path } = splitRegistry(components));
  if (registry !== undefined && !DOMAIN.test(literal(registry)))
    throw new ImageReferenceError(`in ${shown}: ${show(registry)} is not a valid registry host`);
  const problem = pathProblem(path.map(literal));
  if (problem !== undefined) throw new ImageReferenceError(`in ${shown}: ${problem}`);
  return { pattern: [...(registry === undefined ? [] : [registry]), ...path].join('/') };
}

/** What is wrong with a would-be pattern; undefined when it parses. */
export function imagePatternProblem(text: string): string | undefined {
  try {
    parseImagePattern(text);
    return undefined;
  } catch (error) {
    if (error instanceof ImageReferenceError) return error.message;
    throw error;
  }
}

// Wildcards stand for some valid text when checking a pattern's literal parts.
function literal(component: string): string {
  return component.replaceAll('*', '0');
}

/**
 * Whether the pattern matches the image's repository (its tag and digest play no part).
 * Matched by walking the pattern's positions alongside the name, all candidates at once
 * (an NFA, as RE2 does): at most pattern length times name length steps. A backtracking
 * regular expression takes exponential time on `a*a*a*a*a*a*a*a*c`.
 */
export function matchesPattern(pattern: ImagePattern, image: ImageReference): boolean {
  return globMatches(pattern.pattern, image.repository);
}

// Policies are few and matched at every decision: each pattern is split into tokens once.
const tokenized = new Map<string, readonly string[]>();
const TOKENIZED_MAX = 256;

/** Each token is one character to match (`=c`), any one character (`?`), or a star. */
function globTokens(pattern: string): readonly string[] {
  let tokens = tokenized.get(pattern);
  if (tokens === undefined) {
    tokens = pattern
      .split(/(\*\*|\*)/)
      .flatMap((part) =>
        part === '**' ? ['?', '**'] : part === '*' ? ['*'] : [...part].map((c) => `=${c}`),
      );
    if (tokenized.size >= TOKENIZED_MAX) tokenized.clear();
    tokenized.set(pattern, tokens);
  }
  return tokens;
}

/** `*`: any text within a segment; `**`: one or more characters, `/` included. */
function globMatches(pattern: string, text: string): boolean {
  if (!pattern.includes('*')) return pattern === text;
  const tokens = globTokens(pattern);
  const end = tokens.length;
  let at = new Uint8Array(end + 1);
  let next = new Uint8Array(end + 1);
  // A star can match nothing: where one is, the position after it is reached as well.
  const enter = (set: Uint8Array, i: number) => {
    for (let j = i; j <= end && !set[j]; j++) {
      set[j] = 1;
      if (tokens[j] !== '*' && tokens[j] !== '**') break;
    }
  };
  enter(at, 0);
  for (const c of text) {
    next.fill(0);
    let alive = false;
    for (let i = 0; i < end; i++) {
      if (!at[i]) continue;
      const token = tokens[i];
      if (token === '**' || (token === '*' && c !== '/')) enter(next, i);
      else if (token === '?' || token === `=${c}`) enter(next, i + 1);
      else continue;
      alive = true;
    }
    if (!alive) return false;
    [at, next] = [next, at];
  }
  return at[end] === 1;
}

/**
 * Orders patterns most specific first (negative when `a` is more specific), so that of all
 * patterns matching an image the most specific one decides. In order:
 * 1. the longer literal prefix (text before the first wildcard) wins, so
 *    `ghcr.io/org/team/*` beats `ghcr.io/org/**` and an exact name beats every glob;
 * 2. fewer `**` wins, then fewer `*`;
 * 3. more literal characters win (for `ghcr.io/app-x`, `ghcr.io/*pp-x` beats `ghcr.io/*-x`);
 * 4. otherwise the patterns are ordered by their text, so the order never depends on input order.
 */
export function compareSpecificity(a: ImagePattern, b: ImagePattern): number {
  const ka = specificityKey(a.pattern);
  const kb = specificityKey(b.pattern);
  return (
    kb.prefix - ka.prefix ||
    ka.globstars - kb.globstars ||
    ka.stars - kb.stars ||
    kb.literals - ka.literals ||
    (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0)
  );
}

function specificityKey(pattern: string) {
  const firstStar = pattern.indexOf('*');
  const globstars = pattern.split('**').length - 1;
  const stars = pattern.split('*').length - 1 - 2 * globstars;
  return {
    prefix: firstStar < 0 ? pattern.length : firstStar,
    globstars,
    stars,
    literals: pattern.replaceAll('*', '').length,
  };
}

/** The candidate whose pattern matches the image most specifically; undefined if none matches. */
export function mostSpecificMatch<T>(
  candidates: readonly T[],
  image: ImageReference,
  patternOf: (candidate: T) => ImagePattern,
): T | undefined {
  let best: T | undefined;
  for (const candidate of candidates) {
    if (!matchesPattern(patternOf(candidate), image)) continue;
    if (best === undefined || compareSpecificity(patternOf(candidate), patternOf(best)) < 0)
      best = candidate;
  }
  return best;
}
