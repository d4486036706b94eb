import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { appPaths } from '../../../../electron/main/app-paths.js';
import { TRAY_ICON_NAMES } from '../../../../electron/main/tray/tray-icon.js';
import { join } from 'node:path';

describe('appPaths', () => {
  it('points into the app (asar) for code and into resources/ for the icons when packaged', () => {
    expect(
      appPaths({
        appPath: '/opt/Gatehouse/resources/app.asar',
        packaged: true,
        resourcesPath: '/opt/Gatehouse/resources',
      }),
    ).toEqual({
      rendererIndex: '/opt/Gatehouse/resources/app.asar/dist/renderer/index.html',
      preload: '/opt/Gatehouse/resources/app.asar/dist/electron/preload/index.cjs',
      trayIcons: '/opt/Gatehouse/resources/icons/tray',
      appIcon: '/opt/Gatehouse/resources/icons/icon.png',
    });
  });

  it('finds every tray icon in the source tree when unpackaged', () => {
    const root = join(import.meta.dirname, '..', '..', '..', '..');
    const paths = appPaths({ appPath: root, packaged: false, resourcesPath: '/nowhere' });
    expect(existsSync(paths.appIcon)).toBe(true);
    for (const name of TRAY_ICON_NAMES) {
      expect(existsSync(join(paths.trayIcons, `${name}.png`)), name).toBe(true);
      expect(existsSync(join(paths.trayIcons, `${name}@2x.png`)), name).toBe(true);
    }
  });
});
