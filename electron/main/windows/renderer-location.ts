import { pathToFileURL } from 'node:url';

/**
 * Where the window's page comes from: the built renderer on disk (always, in a packaged app),
 * or, while developing, a Vite dev server on this machine. The IPC sender check, the CSP and
 * the window loader all take this one value, so they cannot disagree.
 */
export type RendererLocation =
  | { kind: 'file'; indexPath: string; indexUrl: string }
  | { kind: 'dev-server'; url: string; origin: string };

/** The environment variable naming a dev server (`npm run dev` of the renderer). */
export const DEV_SERVER_ENV = 'GATEHOUSE_DEV_SERVER_URL';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function rendererLocation(options: {
  packaged: boolean;
  indexPath: string;
  devServerUrl?: string | undefined;
}): RendererLocation {
  const { packaged, indexPath, devServerUrl } = options;
  // A packaged app never loads anything but its own files, whatever the environment says.
  if (packaged || !devServerUrl) return { kind: 'file', indexPath, indexUrl: fileUrlOf(indexPath) };
  let url: URL;
  try {
    url = new URL(devServerUrl);
  } catch {
    throw new Error(`${DEV_SERVER_ENV}=${devServerUrl} is not a URL`);
  }
  if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname) || url.username || url.password)
    throw new Error(
      `${DEV_SERVER_ENV}=${devServerUrl}: the dev server must be http:// on this machine (localhost, 127.0.0.1 or [::1])`,
    );
  return { kind: 'dev-server', url: url.href, origin: url.origin };
}

function fileUrlOf(path: string): string {
  const url = pathToFileURL(path);
  url.hash = '';
  url.search = '';
  return url.href;
}

/**
 * Whether `url` is the app's own page: the exact index.html file (any `#/route` or query), or
 * a page of the dev server's origin. Compared with a URL parser, never by string prefix
 * (Electron security checklist, items 13 and 17).
 */
export function isRendererUrl(url: string, renderer: RendererLocation): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (renderer.kind === 'dev-server') return parsed.origin === renderer.origin;
  const expected = new URL(renderer.indexUrl);
  if (parsed.protocol !== 'file:' || parsed.host !== expected.host) return false;
  // Windows drive letters and folder names are case-insensitive; POSIX paths are not.
  return /^\/[A-Za-z]:\//.test(expected.pathname)
    ? parsed.pathname.toLowerCase() === expected.pathname.toLowerCase()
    : parsed.pathname === expected.pathname;
}
