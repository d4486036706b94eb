import { describe, expect, it, vi } from 'vitest';
import {
  activityRoute,
  allowlistRoute,
  MainWindowController,
  mainWindowOptions,
  rendererUrl,
  type WindowLike,
} from '../../../../../electron/main/windows/main-window.js';
import {
  isRendererUrl,
  rendererLocation,
} from '../../../../../electron/main/windows/renderer-location.js';

const packaged = rendererLocation({
  packaged: true,
  indexPath: '/opt/Gatehouse/resources/app.asar/dist/renderer/index.html',
});
const INDEX = 'file:///opt/Gatehouse/resources/app.asar/dist/renderer/index.html';

describe('mainWindowOptions', () => {
  it('has the secure webPreferences and waits to be shown until painted', () => {
    const options = mainWindowOptions({
      preloadPath: '/app/dist/electron/preload/index.cjs',
      iconPath: '/app/icons/icon.png',
      devTools: false,
      dark: true,
    });
    expect(options.show).toBe(false);
    expect(options.icon).toBe('/app/icons/icon.png');
    expect(options.backgroundColor).toBe('#0f1216');
    expect(options.webPreferences).toMatchObject({
      preload: '/app/dist/electron/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      devTools: false,
    });
  });
});

describe('rendererLocation', () => {
  it('is always the file when packaged, whatever the environment says', () => {
    expect(
      rendererLocation({
        packaged: true,
        indexPath: '/opt/app/index.html',
        devServerUrl: 'http://localhost:5173',
      }),
    ).toEqual({
      kind: 'file',
      indexPath: '/opt/app/index.html',
      indexUrl: 'file:///opt/app/index.html',
    });
  });

  it('takes a dev server on this machine when unpackaged, and refuses any other', () => {
    expect(
      rendererLocation({
        packaged: false,
        indexPath: '/x/index.html',
        devServerUrl: 'http://localhost:5173',
      }),
    ).toEqual({
      kind: 'dev-server',
      url: 'http://localhost:5173/',
      origin: 'http://localhost:5173',
    });
    for (const url of ['https://localhost:5173', 'http://example.com:5173', 'file:///x', 'junk'])
      expect(() =>
        rendererLocation({ packaged: false, indexPath: '/x/index.html', devServerUrl: url }),
      ).toThrow(/GATEHOUSE_DEV_SERVER_URL/);
  });

  it('escapes the file URL of a path with spaces, and still recognises it', () => {
    const spaced = rendererLocation({
      packaged: true,
      indexPath: '/Applications/My Apps/index.html',
    });
    expect(spaced.kind === 'file' && spaced.indexUrl).toBe(
      'file:///Applications/My%20Apps/index.html',
    );
    expect(isRendererUrl('file:///Applications/My%20Apps/index.html#/trust', spaced)).toBe(true);
  });
});

describe('rendererUrl and activityRoute', () => {
  it("address a route of the renderer's hash router", () => {
    expect(rendererUrl(packaged)).toBe(INDEX);
    expect(rendererUrl(packaged, activityRoute('ab12'))).toBe(`${INDEX}#/activity/ab12`);
    expect(rendererUrl(packaged, activityRoute())).toBe(`${INDEX}#/activity`);
    const digest = `sha256:${'c'.repeat(64)}`;
    expect(rendererUrl(packaged, allowlistRoute(digest))).toBe(
      `${INDEX}#/allowlist/sha256%3A${'c'.repeat(64)}`,
    );
    const dev = rendererLocation({
      packaged: false,
      indexPath: '/x',
      devServerUrl: 'http://localhost:5173/',
    });
    expect(rendererUrl(dev, 'allowlist')).toBe('http://localhost:5173/#/allowlist');
  });
});

class FakeWindow implements WindowLike {
  readonly loaded: string[] = [];
  shown = 0;
  focused = 0;
  minimized = false;
  destroyed = false;
  readonly #once = new Map<string, () => void>();
  readonly #on = new Map<string, () => void>();
  readonly sent: unknown[][] = [];
  readonly webContents = {
    send: (channel: string, ...args: unknown[]) => this.sent.push([channel, ...args]),
    mainFrame: { url: '' },
  };
  async loadURL(url: string) {
    this.loaded.push(url);
    this.webContents.mainFrame.url = url;
  }
  show() {
    this.shown++;
  }
  focus() {
    this.focused++;
  }
  isMinimized() {
    return this.minimized;
  }
  restore() {
    this.minimized = false;
  }
  isDestroyed() {
    return this.destroyed;
  }
  once(event: string, listener: () => void) {
    this.#once.set(event, listener);
  }
  on(event: string, listener: () => void) {
    this.#on.set(event, listener);
  }
  emit(event: 'ready-to-show' | 'closed') {
    this.#once.get(event)?.();
    this.#once.delete(event);
    this.#on.get(event)?.();
    if (event === 'closed') this.destroyed = true;
  }
}

function controller() {
  const windows: FakeWindow[] = [];
  const onOpened = vi.fn();
  const onClosed = vi.fn();
  const c = new MainWindowController({
    renderer: packaged,
    create: () => {
      const w = new FakeWindow();
      windows.push(w);
      return w;
    },
    onOpened,
    onClosed,
  });
  return { c, windows, onOpened, onClosed };
}

describe('MainWindowController', () => {
  it('creates the window on first open, shows it once painted, and tells the tray', () => {
    const { c, windows, onOpened } = controller();
    c.open();
    expect(windows).toHaveLength(1);
    expect(windows[0]!.loaded).toEqual([INDEX]);
    expect(windows[0]!.shown).toBe(0);
    windows[0]!.emit('ready-to-show');
    expect(windows[0]!.shown).toBe(1);
    expect(onOpened).toHaveBeenCalledTimes(1);
    expect(c.isOpen).toBe(true);
  });

  it('brings the open window forward, restoring it, and moves it to a route if given', () => {
    const { c, windows, onOpened } = controller();
    c.open();
    const w = windows[0]!;
    w.minimized = true;
    c.open();
    expect(windows).toHaveLength(1);
    expect(w.minimized).toBe(false);
    expect(w.loaded).toEqual([INDEX]);
    c.open(activityRoute('ff00'));
    expect(w.loaded).toEqual([INDEX, `${INDEX}#/activity/ff00`]);
    expect(onOpened).toHaveBeenCalledTimes(3);
  });

  it('creates a new window after the last one was closed', () => {
    const { c, windows, onClosed } = controller();
    c.open();
    windows[0]!.emit('closed');
    expect(onClosed).toHaveBeenCalled();
    expect(c.isOpen).toBe(false);
    c.open(activityRoute('ab'));
    expect(windows).toHaveLength(2);
    expect(windows[1]!.loaded).toEqual([`${INDEX}#/activity/ab`]);
  });

  it("sends events only to an open window showing the app's own page", () => {
    const { c, windows } = controller();
    expect(c.send('gatehouse:event', 'settings', {})).toBe(false);
    c.open();
    expect(c.send('gatehouse:event', 'settings', {})).toBe(true);
    expect(windows[0]!.sent).toEqual([['gatehouse:event', 'settings', {}]]);
    windows[0]!.webContents.mainFrame.url = 'https://evil.example/';
    expect(c.send('gatehouse:event', 'settings', {})).toBe(false);
    windows[0]!.emit('closed');
    expect(c.send('gatehouse:event', 'settings', {})).toBe(false);
  });

  it('reports a page that fails to load', async () => {
    const onLoadFailed = vi.fn();
    const w = new FakeWindow();
    w.loadURL = async () => {
      throw new Error('ERR_FILE_NOT_FOUND');
    };
    new MainWindowController({ renderer: packaged, create: () => w, onLoadFailed }).open();
    await vi.waitFor(() => expect(onLoadFailed).toHaveBeenCalled());
  });
});
