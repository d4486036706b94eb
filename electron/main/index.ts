import {
  app,
  BrowserWindow,
  dialog,
  Menu,
  nativeImage,
  nativeTheme,
  Notification,
  session,
  shell,
  Tray,
} from 'electron';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ApiChannel, ApiRequest } from '../../shared/api/channels.js';
import { dispatch } from '../engine/api/api-handlers.js';
import type { EngineFace } from '../engine/api/engine-face.js';
import { openAppEngine } from '../engine/control/app-engine.js';
import { APP_ID, appPaths, type AppPaths } from './app-paths.js';
import { installApiIpc } from './ipc/install-ipc.js';
import { EVENT_CHANNEL } from './ipc/ipc-contract.js';
import { senderCheck } from './ipc/sender-check.js';
import { createQuitHandler } from './lifecycle/shutdown.js';
import {
  autostartDir,
  launchCommand,
  nodeAutostartFiles,
  startAtLogin,
} from './lifecycle/start-at-login.js';
import { shouldStartHidden, startupFailureDialog, userDataDir } from './lifecycle/startup.js';
import { NotificationGrouper } from './notifications/notification-grouper.js';
import { hardenSession, hardenWebContents } from './security/security.js';
import { nextAlert, trayIconName, trayStatusLine, type TrayIconName } from './tray/tray-icon.js';
import {
  recentBlockedFromLog,
  rememberBlocked,
  trayMenuTemplate,
  type TrayActions,
} from './tray/tray-menu.js';
import { MainWindowController, mainWindowOptions } from './windows/main-window.js';
import {
  DEV_SERVER_ENV,
  rendererLocation,
  type RendererLocation,
} from './windows/renderer-location.js';

/*
 * The composition root: the only module that imports `app`, and the only one that creates
 * Electron objects. Everything it wires is a pure function or a class with Electron injected,
 * unit-tested on its own; this file is verified by the type-checker only (the Electron
 * binary cannot run where it was written).
 */

// Before anything reads it (the single-instance lock lives there too): the CLI's folder.
app.setPath('userData', userDataDir(app.getPath('appData')));

const log = (message: string) => process.stderr.write(`gatehouse: ${message}\n`);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

interface Running {
  windows: MainWindowController;
}

if (!app.requestSingleInstanceLock()) {
  // Another copy runs: it opens its window (second-instance) and this one leaves.
  app.quit();
} else {
  let running: Running | undefined;
  app.on('second-instance', () => running?.windows.open());
  app.on('web-contents-created', (_event, contents) =>
    hardenWebContents(
      contents,
      (url) => shell.openExternal(url),
      (url) => log(`refused to open ${url}`),
    ),
  );
  // Closing the window leaves Gatehouse enforcing in the tray; only Quit ends it.
  app.on('window-all-closed', () => undefined);
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);
  app
    .whenReady()
    .then(start)
    .then((r) => {
      running = r;
    })
    .catch((error: unknown) => {
      dialog.showErrorBox('Gatehouse could not start', messageOf(error));
      app.exit(1);
    });
}

async function start(): Promise<Running | undefined> {
  const packaged = app.isPackaged;
  const paths = appPaths({
    appPath: app.getAppPath(),
    packaged,
    resourcesPath: process.resourcesPath,
  });
  const renderer = rendererLocation({
    packaged,
    indexPath: paths.rendererIndex,
    devServerUrl: process.env[DEV_SERVER_ENV],
  });
  hardenSession(session.defaultSession, renderer);
  // Windows and Linux: no menu bar (its default View menu has reload and developer tools).
  if (process.platform !== 'darwin') Menu.setApplicationMenu(null);

  let face: EngineFace;
  try {
    face = await openAppEngine({ configDir: app.getPath('userData'), log });
  } catch (error) {
    // A broken settings file is named and left alone; the app does not run without it.
    const { title, content } = startupFailureDialog(error);
    dialog.showErrorBox(title, content);
    app.exit(1);
    return undefined;
  }
  try {
    return await startShell({ face, paths, renderer, packaged });
  } catch (error) {
    // Nothing of the shell came up: leave no engine holding the folder's lock behind.
    await face.close();
    throw error;
  }
}

/** The tray, the window, notifications and IPC around a running engine. */
async function startShell(parts: {
  face: EngineFace;
  paths: AppPaths;
  renderer: RendererLocation;
  packaged: boolean;
}): Promise<Running> {
  const { face, paths, renderer, packaged } = parts;
  const { handlers } = face;

  const loginItem = startAtLogin(process.platform, {
    app,
    files: nodeAutostartFiles,
    command: launchCommand({
      packaged,
      execPath: process.execPath,
      appPath: app.getAppPath(),
      appImage: process.env['APPIMAGE'],
    }),
    autostartDir: autostartDir(process.env, homedir()),
  });

  let alert = false;
  let recentBlocked = recentBlockedFromLog(await handlers['log.list']({ limit: 500 }));
  const trayImage = (name: TrayIconName) =>
    nativeImage.createFromPath(join(paths.trayIcons, `${name}.png`));

  const windows = new MainWindowController({
    renderer,
    create: () =>
      new BrowserWindow(
        mainWindowOptions({
          preloadPath: paths.preload,
          iconPath: paths.appIcon,
          devTools: !packaged,
          dark: nativeTheme.shouldUseDarkColors,
        }),
      ),
    onOpened: () => {
      alert = nextAlert(alert, { kind: 'window-opened' });
      scheduleRefresh();
    },
    onLoadFailed: (error) => log(`the window could not load the renderer: ${messageOf(error)}`),
  });

  // The tray is a face like the others: its changes go through the same validated handlers.
  const call = <K extends ApiChannel>(channel: K, request: ApiRequest<K>) =>
    void dispatch(handlers, channel, request).catch((error: unknown) =>
      log(`${channel}: ${messageOf(error)}`),
    );
  const actions: TrayActions = {
    setEnforcement: (enabled) => call('enforcement.set', { enabled }),
    setMode: (mode) => call('mode.set', { mode }),
    openWindow: (route) => windows.open(route),
    setStartAtLogin: (enabled) => {
      try {
        loginItem.set(enabled);
      } catch (error) {
        log(`start at login: ${messageOf(error)}`);
      }
      scheduleRefresh();
    },
    quit: () => app.quit(),
  };

  const tray = new Tray(trayImage(trayIconName(face.status(), alert)));
  const refreshTray = () => {
    const status = face.status();
    tray.setImage(trayImage(trayIconName(status, alert)));
    tray.setToolTip(trayStatusLine(status));
    const startAtLoginState = loginItem.supported ? loginItem.get() : undefined;
    tray.setContextMenu(
      Menu.buildFromTemplate(
        trayMenuTemplate({ status, recentBlocked, startAtLogin: startAtLoginState }, actions),
      ),
    );
  };
  // A storm of decisions rebuilds the menu once, not once per container.
  let refreshPending = false;
  function scheduleRefresh() {
    if (refreshPending) return;
    refreshPending = true;
    setTimeout(() => {
      refreshPending = false;
      if (!tray.isDestroyed()) refreshTray();
    }, 100);
  }
  refreshTray();
  if (process.platform === 'win32') tray.on('click', () => windows.open());

  const liveNotifications = new Set<Notification>(); // kept, or their click handlers are collected
  const grouper = new NotificationGrouper({
    enabled: () => face.status().notifications.enabled,
    show: (n) => {
      if (!Notification.isSupported()) return;
      const notification = new Notification({ title: n.title, body: n.body });
      liveNotifications.add(notification);
      const forget = () => liveNotifications.delete(notification);
      notification.on('click', () => {
        forget();
        windows.open(n.route);
      });
      notification.on('close', forget);
      notification.show();
    },
  });

  const stopForwarding = face.subscribe((message) => {
    windows.send(EVENT_CHANNEL, message.event, message.data);
    if (message.event === 'decision') {
      const record = message.data;
      grouper.push(record);
      recentBlocked = rememberBlocked(recentBlocked, record);
      alert = nextAlert(alert, { kind: 'decision', record });
    }
    if (['decision', 'settings', 'connection'].includes(message.event)) scheduleRefresh();
  });
  const removeIpc = installApiIpc(handlers, senderCheck(renderer), {
    onRefused: (channel, url) => log(`refused ${channel} from ${url ?? 'a closed frame'}`),
  });

  app.on(
    'before-quit',
    createQuitHandler({
      steps: [
        { name: 'notifications', run: () => grouper.dispose() },
        { name: 'events', run: stopForwarding },
        { name: 'ipc', run: removeIpc },
        { name: 'engine', run: () => face.close() },
        { name: 'tray', run: () => tray.destroy() },
      ],
      quit: () => app.quit(),
      onError: (step, error) => log(`while stopping (${step}): ${messageOf(error)}`),
    }),
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
  app.on('activate', () => windows.open()); // macOS: the Dock icon was clicked

  if (!shouldStartHidden(process.argv, loginItem.wasOpenedAtLogin())) windows.open();
  return { windows };
}
