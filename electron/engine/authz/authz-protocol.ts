import { posix } from 'node:path';
import { z } from 'zod';

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

/** The part of a `POST /containers/create` body the decision needs; the rest passes unread. */
const createBodySchema = z.object({ Image: z.string().min(1).max(1_024) });

export interface AuthzAnswer {
  Allow: boolean;
  /** Shown to the user after "authorization denied by plugin NAME: ". Set it on a denial. */
  Msg: string;
  Err?: string;
}

/** Container actions that make a process run in a container. */
export type ContainerAction = 'start' | 'restart' | 'unpause' | 'exec';

export type Classified =
  /** `name`: the create's `name` query parameter (`docker run --name`), when valid. */
  | { kind: 'create'; image: string; name?: string }
  | { kind: 'container'; action: ContainerAction; container: string }
  /** A create whose body cannot be read: refused, since nothing legitimate sends one. */
  | { kind: 'malformed'; reason: string }
  | { kind: 'pass' };

const CONTAINER_ACTION = /^\/containers\/([^/?#]+)\/(start|restart|unpause|exec)$/;

/**
 * What a request asks for. Only calls that can make a container's process run are decided;
 * everything else passes (reads, pulls, pushes, removals, the plugin's own callbacks).
 */
export function classifyRequest(request: AuthzRequest): Classified {
  if (request.RequestMethod.toUpperCase() !== 'POST') return { kind: 'pass' };
  const path = pathOf(request.RequestURI);
  if (path === undefined) return { kind: 'malformed', reason: 'the request URI cannot be parsed' };
  if (path === '/containers/create') {
    const body = decodeBody(request.RequestBody);
    if (body === undefined)
      return { kind: 'malformed', reason: 'the create request has no readable JSON body' };
    const parsed = createBodySchema.safeParse(body);
    if (!parsed.success) return { kind: 'malformed', reason: 'the create request names no image' };
    const name = containerNameOf(request.RequestURI);
    return { kind: 'create', image: parsed.data.Image, ...(name ? { name } : {}) };
  }
  const match = CONTAINER_ACTION.exec(path);
  if (match)
    return { kind: 'container', action: match[2] as ContainerAction, container: match[1] ?? '' };
  return { kind: 'pass' };
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

function containerNameOf(uri: string): string | undefined {
  try {
    const name = new URL(uri, 'http://docker').searchParams.get('name');
    return name === null ? undefined : CONTAINER_NAME.exec(name)?.[1];
  } catch {
    return undefined;
  }
}

function decodeBody(body: string | null | undefined): unknown {
  if (!body) return undefined;
  try {
    return JSON.parse(Buffer.from(body, 'base64').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
