import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { replyText, securityHeaders } from './responses.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

export function contentType(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file under `root` (a real path) that `pathname` names, `/` being index.html. Anything
 * resolving outside the root, through `..`, an encoded `%2e%2e%2f` or a symlink, is refused.
 */
export async function resolveStaticFile(
  root: string,
  pathname: string,
): Promise<{ file: string; size: number } | { status: 400 | 403 | 404 }> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { status: 400 };
  }
  if (decoded.includes('\0')) return { status: 400 };
  const inside = (path: string) => path.startsWith(root + sep);
  const wanted = resolve(root, `.${decoded === '/' ? '/index.html' : decoded}`);
  if (!inside(wanted)) return { status: 403 };
  try {
    const file = await realpath(wanted);
    if (!inside(file)) return { status: 403 };
    const info = await stat(file);
    return info.isFile() ? { file, size: info.size } : { status: 404 };
  } catch {
    return { status: 404 };
  }
}

export async function serveStatic(
  root: string,
  pathname: string,
  req: IncomingMessage,
  res: ServerResponse,
  port: number,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return replyText(res, port, 405, 'only GET and HEAD here', { allow: 'GET, HEAD' });
  const found = await resolveStaticFile(root, pathname);
  if ('status' in found) {
    const why = { 400: 'bad path', 403: 'outside the UI folder', 404: 'not found' };
    return replyText(res, port, found.status, why[found.status]);
  }
  res.writeHead(200, {
    ...securityHeaders(port),
    'content-type': contentType(found.file),
    'content-length': String(found.size),
    'cache-control': 'no-cache',
  });
  if (req.method === 'HEAD') return void res.end();
  await pipeline(createReadStream(found.file), res).catch(() => res.destroy());
}
