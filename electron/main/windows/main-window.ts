import type { BrowserWindowConstructorOptions } from 'electron';
import { secureWebPreferences } from '../security/security.js';
import { isRendererUrl, type RendererLocation } from './renderer-location.js';

export interface MainWindowSettings {
  preloadPath: string;
  /** The window icon (Linux and Windows; macOS uses the bundle's). */
  iconPath?: string | undefined;
  devTools: boolean;
  /** The OS is in dark mode: paint the renderer's dark background until the page shows. */
  dark: boolean;
}

/** The one window's options: secure webPreferences (security.ts), shown once painted. */
export function mainWindowOptions(settings: MainWindowSettings): BrowserWindowConstructorOptions {
  return {
    title: 'Gatehouse',
    width: 1180,
    height: 760,
    minWidth: 880,
    minHeight: 560,
    show: false,
    autoHideMenuBar: true,
    // renderer/src/app.css --bg, light and dark.
    backgroundColor: settings.dark ? '#0f1216' : '#f5f6f8',
    ...(settings.iconPath ? { icon: settings.iconPath } : {}),
    webPreferences: secureWebPreferences({
      preloadPath: settings.preloadPath,
      devTools: settings.devTools,
    }),
  };
}

/**
 * The renderer's URL for a route of its hash router (`/activity/<id>` → `#/activity/<id>`):
 * dist/renderer/index.html as a file URL, or the dev server.
 */
export function rendererUrl(renderer: RendererLocation, route?: string): string {
  const url = new URL(renderer.kind === 'file' ? renderer.indexUrl : renderer.url);
  url.hash = route ? (route.startsWith('/') ? route : `/${route}`) : '';
  return url.href;
}

/** The route of the activity view, optionally at one container (the renderer's routeHref). */
export function activityRoute(containerId?: string): string {
  return containerId ? `/activity/${encodeURIComponent(containerId)}` : '/activity';
}

/** The allowlist view with a digest filled in, ready to add (the renderer's `#/allowlist/<digest>`). */
export function allowlistRoute(digest: string): string {
  return `/allowlist/${encodeURIComponent(digest)}`;
}

/** What the controller uses of a BrowserWindow; tests pass a fake. */
export interface WindowLike {
  loadURL(url: string): Promise<void>;
  show(): void;
  focus(): void;
  isMinimized(): boolean;
  restore(): void;
  isDestroyed(): boolean;
  once(event: 'ready-to-show', listener: () => void): unknown;
  on(event: 'closed', listener: () => void): unknown;
  readonly webContents: {
    send(channel: string, ...args: unknown[]): void;
    readonly mainFrame: { readonly url: string };
  };
}

export interface MainWindowDeps {
  create(): WindowLike;
  renderer: RendererLocation;
  /** The window was opened or brought to the front (the tray clears its alert). */
  onOpened?(): void;
  onClosed?(): void;
  onLoadFailed?(error: unknown): void;
}

/**
 * The app's single window. Closing it destroys it (the renderer process goes away while the
 * app lives in the tray); opening creates it again. Opening at a route while it is open moves
 * the page to that route: only the `#` part of the URL changes, which the hash router follows.
 */
export class MainWindowController {
  #window: WindowLike | undefined;

  constructor(private readonly deps: MainWindowDeps) {}

  get isOpen(): boolean {
    return !!this.#window && !this.#window.isDestroyed();
  }

  open(route?: string): void {
    const existing = this.#window && !this.#window.isDestroyed() ? this.#window : undefined;
    if (existing) {
      if (route !== undefined) this.#load(existing, route);
      if (existing.isMinimized()) existing.restore();
      existing.show();
      existing.focus();
    } else {
      const window = this.deps.create();
      this.#window = window;
      window.once('ready-to-show', () => {
        window.show();
        window.focus();
      });
      window.on('closed', () => {
        if (this.#window === window) this.#window = undefined;
        this.deps.onClosed?.();
      });
      this.#load(window, route);
    }
    this.deps.onOpened?.();
  }

  /**
   * Sends to the page, if the window is open and still shows the app's own page (it cannot
   * navigate away, but nothing is sent to anything else should it ever do).
   */
  send(channel: string, ...args: unknown[]): boolean {
    const window = this.#window;
    if (!window || window.isDestroyed()) return false;
    if (!isRendererUrl(window.webContents.mainFrame.url, this.deps.renderer)) return false;
    window.webContents.send(channel, ...args);
    return true;
  }

  #load(window: WindowLike, route: string | undefined): void {
    window
      .loadURL(rendererUrl(this.deps.renderer, route))
      .catch((error: unknown) => this.deps.onLoadFailed?.(error));
  }
}
