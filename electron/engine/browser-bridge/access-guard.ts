import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The WebSocket subprotocol the bridge answers with; the token travels in a second one. */
export const EVENTS_PROTOCOL = 'gatehouse.v1';
export const TOKEN_PROTOCOL_PREFIX = 'gatehouse.token.';

/** 32 random bytes, base64url: 43 characters, all valid in a header and a subprotocol. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares hashes, so neither the content nor the length of the token leaks through timing. */
export function tokenMatches(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token));
}

export function bearerToken(req: IncomingMessage): string | undefined {
  return /^Bearer ([A-Za-z0-9_-]+)$/.exec(req.headers.authorization ?? '')?.[1];
}

/** The token offered as the subprotocol `gatehouse.token.<token>`, never in the URL. */
export function subprotocolToken(req: IncomingMessage): string | undefined {
  return (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX))
    ?.slice(TOKEN_PROTOCOL_PREFIX.length);
}

/**
 * Why a request from a browser must be refused before anything else, whatever it asks for:
 * a `Host` other than the loopback address and our port means a DNS-rebinding page, and an
 * `Origin` other than ours means another site's script. No `Origin` at all is a non-browser
 * client (curl, the tests), which the token still guards.
 */
export function foreignRequest(req: IncomingMessage, port: number): string | undefined {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  const host = req.headers.host?.toLowerCase();
  if (host === undefined || !hosts.includes(host))
    return `Host ${JSON.stringify(host ?? '')} is not ${hosts.join(' or ')}`;
  const origin = req.headers.origin;
  if (origin !== undefined && !hosts.some((h) => origin.toLowerCase() === `http://${h}`))
    return `Origin ${JSON.stringify(origin)} is not this page's`;
  return undefined;
}
