import { ApiCallError, isRecord } from './errors.js';
import { EVENTS_ROUTE, isApiEventName, routeOf } from '../../../shared/api/channel-map.js';
import {
  type ApiEventName,
  type ApiEvents,
  type GatehouseClient,
  type LiveState,
} from './types.js';

/**
 * Browser mode (`gatehouse daemon --ui`): the same API over the daemon's loopback bridge.
 *
 * - The daemon opens the page as `http://127.0.0.1:PORT/#token=TOKEN`. The token is moved
 *   to sessionStorage (so a reload keeps working) and removed from the address bar.
 * - A call is `POST /api/<channel>` with `Authorization: Bearer TOKEN` and the request as
 *   JSON; the answer is `{ "result": ... }` or `{ "error": { code, message, problems } }`.
 * - Events arrive over a WebSocket at `/events`, opened with the subprotocols
 *   `['gatehouse.v1', 'gatehouse.token.' + TOKEN]` (the token never goes in the URL; the
 *   server answers `gatehouse.v1`); each text frame is `{ "event": name, "data": ... }`. The
 *   socket reconnects with backoff (0.5 s doubling to 15 s, jittered) while anyone listens;
 *   nothing is replayed, so the stores refetch whenever it (re)opens.
 *
 * The server side is electron/engine/browser-bridge/ (its header states the same protocol).
 */

export const TOKEN_STORAGE_KEY = 'gatehouse.token';
export const EVENTS_SUBPROTOCOL = 'gatehouse.v1';
export const TOKEN_SUBPROTOCOL_PREFIX = 'gatehouse.token.';

export interface WebSocketLike {
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason?: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  close(code?: number, reason?: string): void;
}

export type WebSocketFactory = new (url: string, protocols: string[]) => WebSocketLike;

export interface BridgeEnvironment {
  location: Pick<Location, 'href' | 'hash' | 'pathname' | 'search'>;
  history: Pick<History, 'replaceState' | 'state'>;
  sessionStorage: Pick<Storage, 'getItem' | 'setItem'>;
  fetch: typeof fetch;
  WebSocket: WebSocketFactory;
  setTimeout: (callback: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  random: () => number;
}

function defaultEnvironment(): BridgeEnvironment {
  return {
    location: window.location,
    history: window.history,
    sessionStorage: window.sessionStorage,
    fetch: (...args) => window.fetch(...args),
    WebSocket: window.WebSocket as unknown as WebSocketFactory,
    setTimeout: (callback, ms) => window.setTimeout(callback, ms),
    clearTimeout: (handle) => window.clearTimeout(handle as number),
    random: Math.random,
  };
}

/**
 * Takes the token from `#token=...` (also `#/route&token=...`), stores it in sessionStorage
 * and removes it from the URL, keeping any route; else returns the stored one.
 */
export function takeToken(
  env: Pick<BridgeEnvironment, 'location' | 'history' | 'sessionStorage'>,
): string | undefined {
  const hash = env.location.hash.replace(/^#/, '');
  const match = /(?:^|[&?])token=([^&]*)/.exec(hash);
  if (match) {
    const token = decodeURIComponent(match[1] ?? '');
    if (token) env.sessionStorage.setItem(TOKEN_STORAGE_KEY, token);
    const rest = (hash.slice(0, match.index) + hash.slice(match.index + match[0].length)).replace(
      /^[&?]+/,
      '',
    );
    const url = env.location.pathname + env.location.search + (rest ? `#${rest}` : '');
    env.history.replaceState(env.history.state, '', url);
    if (token) return token;
  }
  return env.sessionStorage.getItem(TOKEN_STORAGE_KEY) ?? undefined;
}

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 15_000;

export interface BridgeTransport extends GatehouseClient {
  /** Closes the event stream for good (tests, page unload). */
  close(): void;
}

export function createBridgeTransport(overrides: Partial<BridgeEnvironment> = {}): BridgeTransport {
  const env: BridgeEnvironment = { ...defaultEnvironment(), ...overrides };
  const token = takeToken(env);
  const listeners = new Map<ApiEventName, Set<(data: never) => void>>();
  const liveListeners = new Set<(state: LiveState) => void>();
  let live: LiveState = 'closed';
  let socket: WebSocketLike | undefined;
  let retryTimer: unknown;
  let attempt = 0;
  let closed = false;

  const noToken = () =>
    new ApiCallError(
      'unauthorized',
      'No access token: open Gatehouse with the link `gatehouse daemon --ui` printed ' +
        '(it ends in #token=...).',
    );

  function setLive(state: LiveState) {
    if (state === live) return;
    live = state;
    for (const listener of liveListeners) listener(state);
  }

  function listenerCount() {
    let n = liveListeners.size;
    for (const set of listeners.values()) n += set.size;
    return n;
  }

  function dispatch(message: unknown) {
    if (typeof message !== 'string') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return;
    }
    if (!isRecord(parsed) || typeof parsed['event'] !== 'string') return;
    const event = parsed['event'];
    if (!isApiEventName(event)) return;
    const data = (parsed['data'] ?? {}) as never;
    for (const listener of [...(listeners.get(event) ?? [])]) {
      try {
        listener(data);
      } catch (error) {
        console.error(`gatehouse: a listener for "${event}" failed`, error);
      }
    }
  }

  function connect() {
    if (closed || socket || retryTimer !== undefined || !token) return;
    setLive('connecting');
    const url = new URL(EVENTS_ROUTE, env.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.hash = '';
    let ws: WebSocketLike;
    try {
      ws = new env.WebSocket(url.href, [EVENTS_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX + token]);
    } catch {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      setLive('open');
    };
    ws.onmessage = (event) => dispatch(event.data);
    ws.onerror = () => {};
    ws.onclose = () => {
      if (socket === ws) socket = undefined;
      setLive('closed');
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    if (closed || listenerCount() === 0 || retryTimer !== undefined) return;
    const base = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** attempt);
    attempt += 1;
    const delay = Math.round(base * (0.75 + env.random() * 0.5));
    retryTimer = env.setTimeout(() => {
      retryTimer = undefined;
      connect();
    }, delay);
  }

  function disconnectIfUnused() {
    if (listenerCount() > 0) return;
    if (retryTimer !== undefined) env.clearTimeout(retryTimer);
    retryTimer = undefined;
    const ws = socket;
    socket = undefined;
    ws?.close(1000, 'no listeners');
    setLive('closed');
  }

  return {
    transport: 'bridge',
    async call(channel, request) {
      if (!token) throw noToken();
      let response: Response;
      try {
        response = await env.fetch(new URL(routeOf(channel), env.location.href).href, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify(request ?? {}),
          credentials: 'omit',
          cache: 'no-store',
        });
      } catch (error) {
        throw new ApiCallError(
          'network',
          `Gatehouse is not reachable: ${(error as Error).message || 'network error'}`,
        );
      }
      let body: unknown;
      try {
        body = await response.json();
      } catch {
        body = undefined;
      }
      if (isRecord(body) && isRecord(body['error'])) throw ApiCallError.from(body['error']);
      if (response.status === 401 || response.status === 403)
        throw new ApiCallError(
          'unauthorized',
          'Gatehouse refused the access token: open the link `gatehouse daemon --ui` printed again.',
        );
      if (!response.ok || !isRecord(body) || !('result' in body))
        throw new ApiCallError(
          'bad-response',
          `Unexpected answer from Gatehouse (HTTP ${response.status})`,
        );
      return body['result'] as never;
    },
    on<E extends ApiEventName>(event: E, listener: (data: ApiEvents[E]) => void) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const entry = listener as (data: never) => void;
      set.add(entry);
      connect();
      return () => {
        set.delete(entry);
        disconnectIfUnused();
      };
    },
    onLiveState(listener) {
      liveListeners.add(listener);
      listener(live);
      connect();
      return () => {
        liveListeners.delete(listener);
        disconnectIfUnused();
      };
    },
    close() {
      closed = true;
      if (retryTimer !== undefined) env.clearTimeout(retryTimer);
      retryTimer = undefined;
      socket?.close(1000, 'closed');
      socket = undefined;
      setLive('closed');
    },
  };
}
