import type { Session, WebContents } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import {
  denyPermissionCheck,
  denyPermissionRequest,
  guardFrameNavigation,
  guardNavigation,
  hardenSession,
  hardenWebContents,
  isSafeExternalUrl,
  rendererCsp,
  secureWebPreferences,
  windowOpenHandler,
  withRendererCsp,
} from '../../../../../electron/main/security/security.js';
import { rendererLocation } from '../../../../../electron/main/windows/renderer-location.js';

const packaged = rendererLocation({ packaged: true, indexPath: '/opt/Gatehouse/app/index.html' });
const dev = rendererLocation({
  packaged: false,
  indexPath: '/src/dist/renderer/index.html',
  devServerUrl: 'http://127.0.0.1:5173',
});
const INDEX = 'file:///opt/Gatehouse/app/index.html';

const navigation = (url: string) => ({ url, preventDefault: vi.fn() });

describe('secureWebPreferences', () => {
  it('isolates, sandboxes and keeps Node out of the renderer, with the given preload', () => {
    const prefs = secureWebPreferences({ preloadPath: '/app/preload/index.cjs', devTools: false });
    expect(prefs).toMatchObject({
      preload: '/app/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      devTools: false,
    });
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
  });
});

describe('the Content-Security-Policy', () => {
  it('allows only the app’s own scripts and styles, and nothing framed, posted or embedded', () => {
    const csp = rendererCsp(packaged);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self';");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-eval|unsafe-inline|\*/);
  });

  it('admits the dev server’s HMR socket and injected styles only when developing', () => {
    const csp = rendererCsp(dev);
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:5173");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).not.toContain('unsafe-eval');
  });

  it('has a meta-tag form without frame-ancestors, which a meta tag may not set', () => {
    expect(rendererCsp(packaged, 'meta')).not.toContain('frame-ancestors');
  });

  it("replaces any CSP header on the renderer's documents and leaves other responses alone", () => {
    const replaced = withRendererCsp(
      {
        url: 'http://127.0.0.1:5173/#/containers',
        resourceType: 'mainFrame',
        responseHeaders: { 'content-security-policy': ['default-src *'], 'x-a': ['1'] },
      },
      dev,
    );
    expect(replaced.responseHeaders).toEqual({
      'x-a': ['1'],
      'Content-Security-Policy': [rendererCsp(dev)],
    });
    const script = { url: 'http://127.0.0.1:5173/src/main.ts', resourceType: 'script' as const };
    expect(withRendererCsp({ ...script, responseHeaders: { a: ['b'] } }, dev)).toEqual({
      responseHeaders: { a: ['b'] },
    });
    const other = { url: 'https://example.com/', resourceType: 'mainFrame' as const };
    expect(withRendererCsp(other, dev)).toEqual({ responseHeaders: {} });
  });
});

describe('links leaving the app', () => {
  it('are web links with a host and no credentials', () => {
    expect(isSafeExternalUrl('https://docs.docker.com/engine/')).toBe(true);
    expect(isSafeExternalUrl('http://example.com/x')).toBe(true);
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://server/share/app.exe',
      'ms-msdt:/id PCWDiagnostic',
      'vscode://file/x',
      'https://user:pass@example.com/',
      'https://',
      'not a url',
      `https://example.com/${'a'.repeat(3000)}`,
    ])
      expect(isSafeExternalUrl(url), url).toBe(false);
  });
});

describe('navigation', () => {
  it('is always prevented; a web link opens in the browser instead', () => {
    const openExternal = vi.fn(async () => undefined);
    const event = navigation('https://github.com/acme/web');
    guardNavigation(event, openExternal);
    expect(event.preventDefault).toHaveBeenCalled();
    expect(openExternal).toHaveBeenCalledWith('https://github.com/acme/web');
  });

  it('to a file or another scheme is dropped, and reported', () => {
    const openExternal = vi.fn(async () => undefined);
    const onRefused = vi.fn();
    for (const url of [INDEX.replace('index', 'other'), 'file:///etc/passwd', 'smb://x/y']) {
      const event = navigation(url);
      guardNavigation(event, openExternal, onRefused);
      expect(event.preventDefault).toHaveBeenCalled();
    }
    expect(openExternal).not.toHaveBeenCalled();
    expect(onRefused).toHaveBeenCalledTimes(3);
  });

  it('in a subframe is prevented; the main frame is left to will-navigate', () => {
    const sub = { isMainFrame: false, preventDefault: vi.fn() };
    guardFrameNavigation(sub);
    expect(sub.preventDefault).toHaveBeenCalled();
    const main = { isMainFrame: true, preventDefault: vi.fn() };
    guardFrameNavigation(main);
    expect(main.preventDefault).not.toHaveBeenCalled();
  });
});

describe('new windows', () => {
  it('are always denied; a web link opens in the browser, anything else nowhere', () => {
    const openExternal = vi.fn(async () => undefined);
    const handler = windowOpenHandler(openExternal);
    expect(handler({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(handler({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(handler({ url: 'about:blank' })).toEqual({ action: 'deny' });
    expect(openExternal.mock.calls).toEqual([['https://example.com/']]);
  });

  it('a browser that fails to open is reported, not thrown', async () => {
    const onRefused = vi.fn();
    windowOpenHandler(async () => {
      throw new Error('no browser');
    }, onRefused)({ url: 'https://example.com/' });
    await vi.waitFor(() => expect(onRefused).toHaveBeenCalledWith('https://example.com/'));
  });
});

describe('permissions', () => {
  it('are denied, whatever is asked', () => {
    for (const permission of ['notifications', 'media', 'clipboard-read', 'geolocation']) {
      const callback = vi.fn();
      denyPermissionRequest({}, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
    }
    expect(denyPermissionCheck()).toBe(false);
  });
});

describe('hardenSession and hardenWebContents', () => {
  it('install the deny-all permission handlers and the CSP on a session', () => {
    let headers: ((details: unknown, callback: (r: unknown) => void) => void) | undefined;
    const session = {
      setPermissionRequestHandler: vi.fn(),
      setPermissionCheckHandler: vi.fn(),
      webRequest: {
        onHeadersReceived: vi.fn((listener) => {
          headers = listener;
        }),
      },
    };
    hardenSession(session as unknown as Session, dev);
    expect(session.setPermissionRequestHandler).toHaveBeenCalledWith(denyPermissionRequest);
    expect(session.setPermissionCheckHandler).toHaveBeenCalledWith(denyPermissionCheck);
    const callback = vi.fn();
    headers?.({ url: 'http://127.0.0.1:5173/', resourceType: 'mainFrame' }, callback);
    expect(callback).toHaveBeenCalledWith({
      responseHeaders: { 'Content-Security-Policy': [rendererCsp(dev)] },
    });
  });

  it('guard a web contents: navigation, subframe navigation, webviews and window.open', () => {
    const listeners = new Map<string, (event: unknown) => void>();
    let openHandler: ((details: { url: string }) => unknown) | undefined;
    const contents = {
      on: vi.fn((name: string, listener: (event: unknown) => void) =>
        listeners.set(name, listener),
      ),
      setWindowOpenHandler: vi.fn((handler) => {
        openHandler = handler;
      }),
    };
    const openExternal = vi.fn(async () => undefined);
    hardenWebContents(contents as unknown as WebContents, openExternal);

    const nav = navigation('http://evil.example/');
    listeners.get('will-navigate')?.(nav);
    expect(nav.preventDefault).toHaveBeenCalled();

    const frameNav = { isMainFrame: false, preventDefault: vi.fn() };
    listeners.get('will-frame-navigate')?.(frameNav);
    expect(frameNav.preventDefault).toHaveBeenCalled();

    const webview = { preventDefault: vi.fn() };
    listeners.get('will-attach-webview')?.(webview);
    expect(webview.preventDefault).toHaveBeenCalled();

    expect(openHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
  });
});
