import type { ServerResponse } from 'node:http';
import type { ApiErrorCode } from '../api/api-handlers.js';

/** The API's error codes, plus the bridge's own refusals. */
export type BridgeErrorCode = ApiErrorCode | 'unauthorized' | 'forbidden';

/**
 * What a Vite build of the Svelte renderer needs and nothing more: its scripts and extracted
 * CSS as files, inlined images as data: URLs, and the events WebSocket on this port (under
 * either loopback name the page may be opened with).
 */
export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** Sent with every answer, refusals included. */
export function securityHeaders(port: number): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(port),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // Other sites may not even embed our files as scripts or images.
    'cross-origin-resource-policy': 'same-origin',
  };
}

export function replyJson(
  res: ServerResponse,
  port: number,
  status: number,
  body: unknown,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...securityHeaders(port),
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(JSON.stringify(body));
}

export function replyError(
  res: ServerResponse,
  port: number,
  status: number,
  error: { code: BridgeErrorCode; message: string; problems?: string[] },
  extra: Record<string, string> = {},
): void {
  const { code, message, problems = [message] } = error;
  replyJson(res, port, status, { error: { code, message, problems } }, extra);
}

export function replyText(
  res: ServerResponse,
  port: number,
  status: number,
  text: string,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...securityHeaders(port),
    'content-type': 'text/plain; charset=utf-8',
    ...extra,
  });
  res.end(`${text}\n`);
}
