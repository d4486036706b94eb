import { posix } from 'node:path';
import { z } from 'zod';
import type { NameEffect } from './name-gate.js';

/**
 * Docker's authorization plugin protocol (HTTP over a unix socket): dockerd activates the
 * plugin, then asks before every API call (`AuthZReq`) and again with the response
 * (`AuthZRes`). Everything dockerd sends is untrusted input: parsed with zod, never assumed.
 */

export const ACTIVATE_PATH = '/Plugin.Activate';
export const AUTHZ_REQ_PATH = '/AuthZPlugin.AuthZReq';
export const AUTHZ_RES_PATH = '/AuthZPlugin.AuthZRes';

export const authzRequestSchema = z
  .object({
    User: z.string().optional(),
    UserAuthNMethod: z.string().optional(),
    RequestMethod: z.string().max(16),
    /** dockerd spells it `RequestUri` (moby's `json:"RequestUri"`); `RequestURI` is accepted too. */
    RequestUri: z.string().max(8_192).optional(),
    RequestURI: z.string().max(8_192).optional(),
    /** base64 of the request body; null or absent when there is none. */
    RequestBody: z.string().nullish(),
    RequestHeaders: z.record(z.string(), z.string()).nullish(),
  })
  .transform(({ RequestUri, RequestURI, ...rest }, ctx) => {
    const uri = RequestUri ?? RequestURI;
    if (uri === undefined) {
      ctx.addIssue({ code: 'custom', message: 'no RequestUri', path: ['RequestUri'] });
      return z.NEVER;
    }
    return { ...rest, RequestURI: uri };
  });
export type AuthzRequest = z.infer<typeof authzRequestSchema>;

export interface AuthzAnswer {
  Allow: boolean;
  /** Shown to the user after "authorization denied by plugin NAME: ". Set it on a denial. */
  Msg: string;
  Err?: string;
}

/** Container actions that make a process run in a container. */
export type ContainerAction = 'start' | 'restart' | 'unpause' | 'exec';

/** Managed-plugin calls: a plugin runs as root on the host, outside any container's limits. */
export type PluginAction = 'pull' | 'create' | 'enable' | 'upgrade' | 'set';

export type Classified =
  /** `name`: the create's `name` query parameter (`docker run --name`), when valid. */
  | { kind: 'create'; image: string; name?: string }
  | { kind: 'container'; action: ContainerAction; container: string }
  /** `plugin`: the local name (enable, set, upgrade); `remote`: the reference pulled. */
  | { kind: 'plugin'; action: PluginAction; plugin?: string; remote?: string }
  /**
   * A swarm service: its tasks' containers are created by dockerd itself, never through the
   * API, so the service's image is decided here. `rollback`: the update restores the previous
   * spec, whose image the body does not carry.
   */
  | {
      kind: 'service';
      action: 'create' | 'update';
      image?: string;
      service?: string;
      rollback: boolean;
    }
  /** A build: its RUN steps run the base image's code (BuildKit's unseen by the engine). */
  | { kind: 'build'; builder: 'classic' | 'buildkit' }
  /** Joining a swarm: tasks its managers schedule here are never asked about. */
  | { kind: 'swarm-join' }
  /** A create or service request whose body cannot be read as dockerd reads it: refused. */
  | { kind: 'malformed'; reason: string }
  | { kind: 'pass' };

/** Docker's own rule for a name or ID a path segment may hold; nothing else resolves. */
const CONTAINER_REF = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const CONTAINER_ACTION = /^\/containers\/(.+)\/(start|restart|unpause|exec)$/;
const PLUGIN_ACTION = /^\/plugins\/(.+)\/(enable|upgrade|set)$/;
const SERVICE_UPDATE = /^\/services\/(.+)\/update$/;
/** BuildKit's endpoints: `/session` (docker build) and `/grpc` (buildx's docker driver). */
const BUILDKIT_PATHS = new Set(['/session', '/grpc']);

/**
 * What a request asks for. Every call that can make an image's code run is decided: container
 * create/start/restart/unpause/exec, managed plugins, swarm services and joins, builds.
 * Everything else passes (reads, pulls, pushes, removals, the plugin's own callbacks).
 * Paths are matched as dockerd's router matches them: greedy, on the decoded path.
 */
export function classifyRequest(request: AuthzRequest): Classified {
  if (request.RequestMethod.toUpperCase() !== 'POST') return { kind: 'pass' };
  const path = pathOf(request.RequestURI);
  if (path === undefined) return { kind: 'malformed', reason: 'the request URI cannot be parsed' };
  const query = queryOf(request.RequestURI);
  if (path === '/containers/create') return classifyCreate(request, query);
  if (path === '/services/create') return classifyService(request, 'create', undefined, false);
  if (path === '/build')
    return { kind: 'build', builder: query.get('version') === '2' ? 'buildkit' : 'classic' };
  if (BUILDKIT_PATHS.has(path)) return { kind: 'build', builder: 'buildkit' };
  if (path === '/swarm/join') return { kind: 'swarm-join' };
  if (path === '/plugins/pull' || path === '/plugins/create') {
    const remote = query.get('remote') ?? undefined;
    return {
      kind: 'plugin',
      action: path === '/plugins/pull' ? 'pull' : 'create',
      ...(remote ? { remote } : {}),
    };
  }
  const container = CONTAINER_ACTION.exec(path);
  if (container)
    return {
      kind: 'container',
      action: container[2] as ContainerAction,
      container: container[1] ?? '',
    };
  const plugin = PLUGIN_ACTION.exec(path);
  if (plugin) {
    const remote = query.get('remote') ?? undefined;
    return {
      kind: 'plugin',
      action: plugin[2] as PluginAction,
      plugin: plugin[1] ?? '',
      ...(remote ? { remote } : {}),
    };
  }
  const service = SERVICE_UPDATE.exec(path);
  if (service)
    return classifyService(request, 'update', service[1], query.get('rollback') === 'previous');
  return { kind: 'pass' };
}

const RENAME = /^\/containers\/(.+)\/rename$/;

/**
 * How a request touches container names (see NameGate): a container action resolves the name
 * in its path; a named create or a rename binds the name in its query. A query dockerd could
 * read differently (the name given twice, a `;`) binds every name.
 */
export function nameEffectOf(request: AuthzRequest, what: Classified): NameEffect | undefined {
  if (request.RequestMethod.toUpperCase() !== 'POST') return undefined;
  if (what.kind === 'container')
    return { kind: 'resolve', name: what.container.replace(/^\//, '') };
  const path =
    what.kind === 'create' || what.kind === 'pass' ? pathOf(request.RequestURI) : undefined;
  if (path !== '/containers/create' && !(path && RENAME.test(path))) return undefined;
  const uri = request.RequestURI;
  const query = queryOf(uri);
  const names = query.getAll('name');
  if (names.length > 1 || (uri.split('#')[0] ?? '').includes(';'))
    return { kind: 'bind', name: '*' };
  const name = names[0];
  return name === undefined ? undefined : { kind: 'bind', name: name.replace(/^\//, '') };
}

/** What a decided request would do, for a refusal that looked nothing up ("... may not ..."). */
export function describeRequest(what: Exclude<Classified, { kind: 'pass' | 'malformed' }>): string {
  switch (what.kind) {
    case 'create':
      return `image ${what.image} may not create a container`;
    case 'container':
      return `container ${what.container} may not ${what.action}`;
    case 'plugin':
      return `managed plugin ${what.remote ?? what.plugin ?? ''} may not ${what.action}`.replace(
        '  ',
        ' ',
      );
    case 'service':
      return `swarm service ${what.image ?? what.service ?? ''} may not ${what.action}`.replace(
        '  ',
        ' ',
      );
    case 'build':
      return `a ${what.builder} build may not run`;
    case 'swarm-join':
      return 'this engine may not join a swarm';
  }
}

/** Whether a path segment can name a container or plugin at all (else dockerd finds none). */
export function isContainerRef(segment: string): boolean {
  return segment.length <= 255 && CONTAINER_REF.test(segment.replace(/^\//, ''));
}

/** A managed plugin's name is an image reference (`registry:5000/team/plugin:tag`). */
export function isPluginRef(segment: string): boolean {
  return segment.length <= 512 && /^[a-zA-Z0-9][a-zA-Z0-9_.:/@-]*$/.test(segment);
}

function classifyCreate(request: AuthzRequest, query: Query): Classified {
  const body = decodeBody(request.RequestBody);
  if (body === undefined)
    return { kind: 'malformed', reason: 'the create request has no readable JSON body' };
  const image = goField(body, ['Image']);
  if (image.problem) return { kind: 'malformed', reason: `the create request ${image.problem}` };
  if (typeof image.value !== 'string' || image.value === '' || image.value.length > 1_024)
    return { kind: 'malformed', reason: 'the create request names no image' };
  const name = containerName(query);
  return { kind: 'create', image: image.value, ...(name ? { name } : {}) };
}

function classifyService(
  request: AuthzRequest,
  action: 'create' | 'update',
  service: string | undefined,
  rollback: boolean,
): Classified {
  const body = decodeBody(request.RequestBody);
  if (body === undefined)
    return { kind: 'malformed', reason: `the service ${action} request has no readable JSON body` };
  const runtime = goField(body, ['TaskTemplate', 'Runtime']);
  const pluginSpec = goField(body, ['TaskTemplate', 'PluginSpec']);
  const image = goField(body, ['TaskTemplate', 'ContainerSpec', 'Image']);
  const problem = runtime.problem ?? pluginSpec.problem ?? image.problem;
  if (problem) return { kind: 'malformed', reason: `the service ${action} request ${problem}` };
  // A service may install a managed plugin on every node instead of running a container.
  if (
    (runtime.value !== undefined && runtime.value !== 'container' && runtime.value !== '') ||
    isSet(pluginSpec.value)
  )
    return { kind: 'plugin', action: 'pull' };
  if (image.value !== undefined && (typeof image.value !== 'string' || image.value.length > 1_024))
    return { kind: 'malformed', reason: `the service ${action} request has an unreadable image` };
  return {
    kind: 'service',
    action,
    rollback,
    ...(typeof image.value === 'string' && image.value !== '' ? { image: image.value } : {}),
    ...(service !== undefined ? { service } : {}),
  };
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/**
 * A field as Go's encoding/json (dockerd) reads it from a JSON object: keys match field names
 * case-insensitively with Unicode simple folding, and of repeated keys the last wins. Two keys
 * that fold alike are refused rather than guessed at, since JSON.parse keeps exact duplicates
 * in the first one's place. `path` walks nested objects (a missing level is undefined).
 */
export function goField(
  json: unknown,
  path: readonly string[],
): { value: unknown; problem?: undefined } | { value?: undefined; problem: string } {
  let current: unknown = json;
  for (const field of path) {
    if (current === undefined || current === null) return { value: undefined };
    if (typeof current !== 'object' || Array.isArray(current))
      return { problem: `has a ${field} where an object was expected` };
    const wanted = goFold(field);
    const keys = Object.keys(current).filter((key) => goFold(key) === wanted);
    if (keys.length > 1)
      return {
        problem: `spells ${field} more than once (${keys.map((k) => JSON.stringify(k)).join(', ')}); dockerd would take the last`,
      };
    current = keys[0] === undefined ? undefined : (current as Record<string, unknown>)[keys[0]];
  }
  return { value: current };
}

/**
 * Go's case folding as encoding/json applies it, for comparison with ASCII field names: ASCII
 * letters fold to lower case, and the two non-ASCII letters whose fold orbit holds an ASCII
 * letter, U+017F (long s) and U+212A (Kelvin sign), fold to it. Every other character is
 * kept, so it can never equal an ASCII name.
 */
function goFold(key: string): string {
  return key.replace(/[A-Z\u017f\u212a]/g, (c) =>
    c === '\u017f' ? 's' : c === '\u212a' ? 'k' : c.toLowerCase(),
  );
}

type Query = URLSearchParams;

function queryOf(uri: string): Query {
  try {
    return new URL(uri, 'http://docker').searchParams;
  } catch {
    return new URLSearchParams();
  }
}

/**
 * The path as dockerd's router sees it: percent-decoded (the router matches the decoded path,
 * so `/containers%2Fcreate` must not slip by), `//` and dot segments resolved, without the API
 * version prefix (`/v1.41`), query or fragment, trailing `/` dropped.
 */
export function pathOf(uri: string): string | undefined {
  const raw = uri.split(/[?#]/)[0] ?? '';
  if (!raw.startsWith('/')) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  const path = posix
    .normalize(decoded)
    .replace(/^\/v[0-9.]+(?=\/)/, '')
    .replace(/\/+$/, '');
  return path === '' ? '/' : path;
}

/** Docker's own rule for container names; anything else is not shown (dockerd refuses it). */
const CONTAINER_NAME = /^\/?([a-zA-Z0-9][a-zA-Z0-9_.-]{0,254})$/;

function containerName(query: Query): string | undefined {
  const name = query.get('name');
  return name === null ? undefined : CONTAINER_NAME.exec(name)?.[1];
}

function decodeBody(body: string | null | undefined): unknown {
  if (!body) return undefined;
  try {
    return JSON.parse(Buffer.from(body, 'base64').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
