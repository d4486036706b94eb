import { join } from 'node:path';

/** electron-builder's appId; Windows also needs it as the AppUserModelID for notifications. */
export const APP_ID = 'dev.gatehouse.app';

export interface AppPaths {
  /** The built renderer (vite build of renderer/). */
  rendererIndex: string;
  /** The preload, bundled into one CommonJS file: a sandboxed preload cannot import files. */
  preload: string;
  /** The tray's state icons, `<name>.png` and `<name>@2x.png`. */
  trayIcons: string;
  /** The window icon. */
  appIcon: string;
}

/** Folder (under resources/) that build/electron-builder.config.mjs copies the icons to. */
export const PACKAGED_ICONS_DIR = 'icons';

/**
 * Where the app's files are. `appPath` is app.getAppPath(): the project folder when run with
 * `electron .`, the app.asar when packaged. Icons are native images read by the OS, so the
 * packaged app has them as plain files under resources/ (electron-builder extraResources).
 */
export function appPaths(options: {
  appPath: string;
  packaged: boolean;
  resourcesPath: string;
}): AppPaths {
  const { appPath, packaged, resourcesPath } = options;
  const icons = packaged
    ? join(resourcesPath, PACKAGED_ICONS_DIR)
    : join(appPath, 'build', 'icons');
  return {
    rendererIndex: join(appPath, 'dist', 'renderer', 'index.html'),
    preload: join(appPath, 'dist', 'electron', 'preload', 'index.cjs'),
    trayIcons: join(icons, 'tray'),
    appIcon: join(icons, 'icon.png'),
  };
}
