import type {
  Event,
  HandlerDetails,
  HeadersReceivedResponse,
  OnHeadersReceivedListenerDetails,
  Session,
  WebContents,
  WebContentsWillFrameNavigateEventParams,
  WebContentsWillNavigateEventParams,
  WebPreferences,
  WindowOpenHandlerResponse,
} from 'electron';
import { isRendererUrl, type RendererLocation } from '../windows/renderer-location.js';

/**
 * Every security rule of the desktop shell, in one place. Item numbers refer to Electron's
 * security checklist, https://www.electronjs.org/docs/latest/tutorial/security ("Checklist:
 * Security recommendations"). Electron is injected: nothing here runs Electron code itself,
 * so each rule is unit-tested with fakes. Two items live elsewhere: 17 (validate IPC senders)
 * in ipc/sender-check.ts, and the fuses in build/after-pack.mjs.
 *
 * Not done, and why: item 18 recommends a custom protocol over file://. The packaged renderer
 * is loaded from file:// (the exact index.html is the only trusted URL); moving to a
 * `protocol.handle` scheme would also allow a CSP header there (see `rendererCsp`) and turning
 * the GrantFileProtocolExtraPrivileges fuse off.
 */

export interface ShellOptions {
  preloadPath: string;
  /** Developer tools: in an unpackaged (development) run only. */
  devTools: boolean;
}

/** The window's webPreferences. Most are Electron's defaults, stated so a change shows. */
export function secureWebPreferences(options: ShellOptions): WebPreferences {
  return {
    preload: options.preloadPath,
    // Item 2: no Node.js in the renderer, nor in its workers and subframes.
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    // Item 3: the preload runs in its own world; the page sees only window.gatehouse.
    contextIsolation: true,
    // Item 4: the renderer process is sandboxed (so the preload is one bundled CJS file).
    sandbox: true,
    // Item 6: the same-origin policy stays on.
    webSecurity: true,
    // Item 8: no http content in the page.
    allowRunningInsecureContent: false,
    // Items 9 and 10: no experimental web platform or Blink features.
    experimentalFeatures: false,
    // Item 12: no <webview> tags at all (will-attach-webview is refused as well).
    webviewTag: false,
    // A file dropped on the window must not replace the app's page (item 13).
    navigateOnDragDrop: false,
    // The spellchecker downloads dictionaries from Google's CDN; nothing here needs it.
    spellcheck: false,
    devTools: options.devTools,
  };
}

/**
 * Item 7: the renderer's Content-Security-Policy. Scripts and styles only from the app's own
 * files, images also as data: URLs; no objects, frames, forms or base changes. With a dev
 * server, Vite's HMR socket and the style tags its client injects are allowed too.
 *
 * Electron cannot add headers to file:// responses, so the packaged page needs the same
 * policy as a <meta http-equiv="Content-Security-Policy"> in renderer/index.html
 * (`rendererCsp(location, 'meta')`, which leaves out frame-ancestors: a meta tag may not set
 * it). The header set by `hardenSession` covers the dev server.
 */
export function rendererCsp(
  renderer: RendererLocation,
  form: 'header' | 'meta' = 'header',
): string {
  const dev = renderer.kind === 'dev-server';
  const hmr = dev ? ` ${renderer.origin.replace(/^http/, 'ws')}` : '';
  const directives = [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self'${dev ? " 'unsafe-inline'" : ''}`,
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${hmr}`,
    "object-src 'none'",
    "frame-src 'none'",
    "worker-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    ...(form === 'header' ? ["frame-ancestors 'none'"] : []),
  ];
  return directives.join('; ');
}

/** Response headers with our CSP for the renderer's documents; anything else is unchanged. */
export function withRendererCsp(
  details: Pick<OnHeadersReceivedListenerDetails, 'url' | 'resourceType' | 'responseHeaders'>,
  renderer: RendererLocation,
): HeadersReceivedResponse {
  const headers = details.responseHeaders ?? {};
  const isDocument = details.resourceType === 'mainFrame' || details.resourceType === 'subFrame';
  if (!isDocument || !isRendererUrl(details.url, renderer)) return { responseHeaders: headers };
  const kept = Object.fromEntries(
    Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-security-policy'),
  );
  return {
    responseHeaders: { ...kept, 'Content-Security-Policy': [rendererCsp(renderer)] },
  };
}

/**
 * Item 15: only web links leave the app, and only to the user's browser: http(s) with a host
 * and no credentials. Anything else (file:, smb:, javascript:, custom schemes that could start
 * a program) is refused.
 */
export function isSafeExternalUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
  if (!parsed.hostname || parsed.username || parsed.password) return false;
  return url.length <= 2048;
}

export type OpenExternal = (url: string) => Promise<void>;

function openIfSafe(url: string, openExternal: OpenExternal, onRefused?: (url: string) => void) {
  if (!isSafeExternalUrl(url)) {
    onRefused?.(url);
    return;
  }
  openExternal(url).catch(() => onRefused?.(url));
}

/**
 * Item 13: the window never navigates away from the app's page. A link to a web page is
 * opened in the user's browser instead (after item 15's check); everything else is dropped.
 * (In-page `#/route` changes are not navigations and never reach this.)
 */
export function guardNavigation(
  event: Pick<Event<WebContentsWillNavigateEventParams>, 'preventDefault' | 'url'>,
  openExternal: OpenExternal,
  onRefused?: (url: string) => void,
): void {
  event.preventDefault();
  openIfSafe(event.url, openExternal, onRefused);
}

/** Item 13 for subframes: the page has none (CSP frame-src 'none'); any that appears stays put. */
export function guardFrameNavigation(
  event: Pick<Event<WebContentsWillFrameNavigateEventParams>, 'preventDefault' | 'isMainFrame'>,
): void {
  if (!event.isMainFrame) event.preventDefault();
}

/**
 * Item 14: no new windows. `window.open` and target=_blank links are denied; a web link is
 * handed to the user's browser (item 15).
 */
export function windowOpenHandler(
  openExternal: OpenExternal,
  onRefused?: (url: string) => void,
): (details: Pick<HandlerDetails, 'url'>) => WindowOpenHandlerResponse {
  return ({ url }) => {
    openIfSafe(url, openExternal, onRefused);
    return { action: 'deny' };
  };
}

/** Item 5: no permission (camera, notifications, clipboard, ...) is ever granted to a page. */
export function denyPermissionRequest(
  _webContents: unknown,
  _permission: string,
  callback: (granted: boolean) => void,
): void {
  callback(false);
}

/** Item 5: and permission checks answer "no" as well. */
export function denyPermissionCheck(): boolean {
  return false;
}

/** Applies the per-session rules: items 5 and 7. */
export function hardenSession(
  session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'> & {
    webRequest: Pick<Session['webRequest'], 'onHeadersReceived'>;
  },
  renderer: RendererLocation,
): void {
  session.setPermissionRequestHandler(denyPermissionRequest);
  session.setPermissionCheckHandler(denyPermissionCheck);
  session.webRequest.onHeadersReceived((details, callback) =>
    callback(withRendererCsp(details, renderer)),
  );
}

/**
 * Applies the per-page rules (items 12, 13, 14, 15) to every web contents the app creates;
 * the composition root calls it from app's `web-contents-created`.
 */
export function hardenWebContents(
  contents: Pick<WebContents, 'on' | 'setWindowOpenHandler'>,
  openExternal: OpenExternal,
  onRefused?: (url: string) => void,
): void {
  contents.on('will-navigate', (event) => guardNavigation(event, openExternal, onRefused));
  contents.on('will-frame-navigate', (event) => guardFrameNavigation(event));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(windowOpenHandler(openExternal, onRefused));
}
