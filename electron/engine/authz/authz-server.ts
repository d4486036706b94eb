import { chmod, mkdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { AllowedBy } from '../../../shared/api/schemas.js';
import { assertPrivate, assertPrivateFolder } from '../store/path-safety.js';
import {
  ACTIVATE_PATH,
  AUTHZ_REQ_PATH,
  AUTHZ_RES_PATH,
  authzRequestSchema,
  classifyRequest,
  nameEffectOf,
  pathOf,
  type AuthzAnswer,
  type AuthzRequest,
  type Classified,
} from './authz-protocol.js';
import { GateBusyError, NameGate, type GateTicket } from './name-gate.js';

export interface AuthzDecision {
  allowed: boolean;
  /** Shown to the user on a denial: what, why, and how to approve. */
  message: string;
  /**
   * A denial by the policy: what was refused, for the decision log (absent when nothing was
   * looked up, e.g. a timeout or a malformed request).
   */
  refused?: RefusedImage;
  /** An allowance by the image policy: what was allowed, for the decision log. */
  subject?: Omit<RefusedImage, 'reason'>;
  /** What allowed it (an allowlist entry, a signature, an instance). */
  allowedBy?: AllowedBy;
}

/** What a denial knows about the refused image (and container, for start, exec, ...). */
export interface RefusedImage {
  imageRef: string;
  imageId: string;
  digests: string[];
  /** Why and how to approve, without the image's name (the log has it in its own fields). */
  reason: string;
  /** The full ID and the name, for a container action. */
  container?: { id: string; name: string };
}

/** A request the plugin decided (every one but those that pass unasked). */
export type DecidedRequest = Exclude<Classified, { kind: 'pass' }>;

/** The policy the plugin applies; the engine implements it, tests fake it. */
export interface AuthzDecider {
  decide(request: Exclude<DecidedRequest, { kind: 'malformed' }>): Promise<AuthzDecision>;
}

export interface AuthzServerOptions {
  socketPath: string;
  decider: AuthzDecider;
  /**
   * A decision not made within this time is a denial; kept well inside dockerd's own plugin
   * timeout (about 30 s), after which the user would get a bare transport error.
   */
  decisionTimeoutMs?: number;
  /**
   * Set for a stand-in (the watchdog's fallback while the daemon is down): why the daemon does
   * not serve. `gatehouse authz status` reads it, so a stand-in is not taken for prevention.
   */
  standIn?: () => string;
  /** Called after every decided (not passed) request, e.g. for logging and the benchmark. */
  decided?: (what: DecidedRequest, decision: AuthzDecision) => void;
}

export interface AuthzServer {
  readonly socketPath: string;
  close(): Promise<void>;
}

const MAX_BODY = 16 << 20;
/** `gatehouse authz status` asks dockerd `GET /_ping?gatehouse-probe=NONCE`, then asks us. */
export const PROBE_PARAM = 'gatehouse-probe';
export const PROBE_SEEN_PATH = '/Gatehouse.ProbeSeen';
/** Who answers: `{standIn: null}` from the daemon, `{standIn: why}` from a stand-in. */
export const WHO_PATH = '/Gatehouse.Who';
const probeSeenSchema = z.object({ nonce: z.string().regex(/^[0-9a-f]{16,64}$/) });
const PROBES_KEPT = 100;
const PREFIX = 'gatehouse: ';

/**
 * Serves Docker's authorization plugin protocol on a unix socket. Every request is handled on
 * its own (the decider's callbacks to dockerd are authorized by this same server, so nothing
 * may wait for a decision in progress), and any failure denies: fail closed.
 */
export async function startAuthzServer(options: AuthzServerOptions): Promise<AuthzServer> {
  const timeoutMs = options.decisionTimeoutMs ?? 20_000;
  const probes = new Set<string>();
  const gate = new NameGate();
  const server = createServer((req, res) => {
    void handle(req, res, options, timeoutMs, probes, gate);
  });
  // dockerd keeps plugin connections open; idle ones must not hold a close() forever.
  server.keepAliveTimeout = 30_000;
  await mkdir(dirname(options.socketPath), { recursive: true, mode: 0o700 });
  // dockerd takes whatever answers on this path as the policy: no other user may bind it first.
  assertPrivateFolder("the authorization plugin socket's folder", dirname(options.socketPath));
  assertPrivate('the authorization plugin socket', options.socketPath);
  if (await answers(options.socketPath))
    throw new Error(
      `${options.socketPath} is in use: another process serves it (another gatehouse daemon?)`,
    );
  await rm(options.socketPath, { force: true }); // a stale socket from a crashed run
  await listen(server, options.socketPath);
  await chmod(options.socketPath, 0o600);
  return {
    socketPath: options.socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Whether something accepts connections on the socket. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: AuthzServerOptions,
  timeoutMs: number,
  probes: Set<string>,
  gate: NameGate,
): Promise<void> {
  let ticket: GateTicket | undefined;
  try {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST') return send(res, 405, { Err: 'POST only' });
    if (path === ACTIVATE_PATH) {
      req.resume();
      return send(res, 200, { Implements: ['authz'] });
    }
    if (path === WHO_PATH) {
      req.resume();
      return send(res, 200, { standIn: options.standIn?.() ?? null });
    }
    if (path === PROBE_SEEN_PATH) {
      const probe = probeSeenSchema.safeParse(parseJson(await readBody(req)));
      if (!probe.success) return send(res, 400, { Err: 'expected {"nonce": hex}' });
      return send(res, 200, { seen: probes.has(probe.data.nonce) });
    }
    if (path !== AUTHZ_REQ_PATH && path !== AUTHZ_RES_PATH)
      return send(res, 404, { Err: `unknown endpoint ${path ?? ''}` });
    if (path === AUTHZ_RES_PATH) {
      // Responses are never refused. Their bodies (up to dockerd's cap) are read only while a
      // name is held, to let it go once dockerd has run the request.
      if (gate.size === 0) {
        req.resume();
        return send(res, 200, allow());
      }
      const answered = authzRequestSchema.safeParse(parseJson(await readBody(req)));
      if (answered.success) gate.answered(requestKey(answered.data));
      return send(res, 200, allow());
    }
    const body = await readBody(req);
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return send(res, 200, deny('the authorization request is not JSON; refused'));
    }
    const parsed = authzRequestSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? ` (${issue.path.join('.') || 'body'}: ${issue.message})` : '';
      return send(res, 200, deny(`the authorization request is malformed${where}; refused`));
    }
    rememberProbe(parsed.data.RequestURI, probes);
    const what = classifyRequest(parsed.data);
    const effect = nameEffectOf(parsed.data, what);
    if (effect) ticket = await gate.enter(effect, requestKey(parsed.data));
    if (what.kind === 'pass') return send(res, 200, allow());
    const decision = await decideWithin(what, options.decider, timeoutMs);
    options.decided?.(what, decision);
    if (!decision.allowed) ticket?.leave();
    send(res, 200, decision.allowed ? allow() : deny(decision.message));
  } catch (error) {
    ticket?.leave();
    if (!res.headersSent)
      send(
        res,
        200,
        deny(
          error instanceof GateBusyError
            ? error.message
            : `could not decide (${(error as Error).message}); refused`,
        ),
      );
  }
}

/** A request as its `AuthZReq` and its `AuthZRes` both name it. */
function requestKey(request: AuthzRequest): string {
  return `${request.RequestMethod} ${request.RequestURI}`;
}

async function decideWithin(
  what: DecidedRequest,
  decider: AuthzDecider,
  timeoutMs: number,
): Promise<AuthzDecision> {
  if (what.kind === 'malformed') return { allowed: false, message: `${what.reason}; refused` };
  const decision = decider.decide(what);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<AuthzDecision>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          allowed: false,
          message: `no decision within ${timeoutMs / 1000} s; refused (try again: a slow registry or signature check may have finished since)`,
        }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([
      decision.catch((error: unknown): AuthzDecision => ({
        allowed: false,
        message: `could not decide (${(error as Error).message}); refused because Gatehouse fails closed`,
      })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Proof for `authz status` that dockerd really asks this plugin (`docker info` may not say). */
function rememberProbe(uri: string, probes: Set<string>): void {
  if (!uri.includes(PROBE_PARAM)) return;
  try {
    const url = new URL(uri, 'http://docker');
    const nonce = url.searchParams.get(PROBE_PARAM);
    if (pathOf(uri) !== '/_ping' || !nonce || !/^[0-9a-f]{16,64}$/.test(nonce)) return;
    probes.add(nonce);
    if (probes.size > PROBES_KEPT) probes.delete(probes.values().next().value ?? '');
  } catch {
    // Not a probe.
  }
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function allow(): AuthzAnswer {
  return { Allow: true, Msg: '' };
}

function deny(message: string): AuthzAnswer {
  // Set Msg: dockerd shows an empty reason for a denial that only sets Err.
  return { Allow: false, Msg: `${PREFIX}${message}` };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('request too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}
