import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfigDir } from '../../../../../electron/engine/store/config-dir.js';
import {
  SettingsFileError,
  SettingsStore,
} from '../../../../../electron/engine/store/settings-store.js';
import { StoreBusyError } from '../../../../../electron/engine/store/store-lock.js';
import {
  HIDDEN_ARG,
  shouldStartHidden,
  startupFailureDialog,
  userDataDir,
} from '../../../../../electron/main/lifecycle/startup.js';

describe('userDataDir', () => {
  it("is the CLI's default config folder on every platform", () => {
    const home = '/home/dev';
    // Electron's appData: ~/.config (or XDG_CONFIG_HOME), ~/Library/Application Support, %APPDATA%.
    expect(userDataDir(join(home, '.config'))).toBe(defaultConfigDir({}, 'linux', home));
    expect(userDataDir('/xdg')).toBe(defaultConfigDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', home));
    expect(userDataDir(join(home, 'Library', 'Application Support'))).toBe(
      defaultConfigDir({}, 'darwin', home),
    );
    expect(userDataDir('/roaming')).toBe(defaultConfigDir({ APPDATA: '/roaming' }, 'win32', home));
  });
});

describe('shouldStartHidden', () => {
  it('starts in the tray when the login item started it', () => {
    expect(shouldStartHidden(['/opt/Gatehouse/gatehouse', HIDDEN_ARG], false)).toBe(true);
    expect(shouldStartHidden(['/Applications/Gatehouse.app/x'], true)).toBe(true);
    expect(shouldStartHidden(['/opt/Gatehouse/gatehouse'], false)).toBe(false);
  });
});

describe('startupFailureDialog', () => {
  it('names the broken settings file and its problem, from a real corrupt file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-startup-'));
    writeFileSync(join(dir, 'settings.json'), '{"schemaVersion": 1, "enforcement": ');
    let error: unknown;
    try {
      SettingsStore.open(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsFileError);
    const dialog = startupFailureDialog(error);
    expect(dialog.title).toBe('Gatehouse cannot read its settings');
    expect(dialog.content).toContain(join(dir, 'settings.json'));
    expect(dialog.content).toMatch(/will not start until it is fixed/);
  });

  it('says another engine holds the settings', () => {
    const busy = startupFailureDialog(new StoreBusyError('the settings in /x are in use'));
    expect(busy.title).toBe('Gatehouse is already running');
    expect(busy.content).toMatch(/gatehouse daemon/);
    const socket = startupFailureDialog(
      new Error('another Gatehouse engine already listens on /x/control.sock'),
    );
    expect(socket.title).toBe('Gatehouse is already running');
  });

  it('shows any other error as it is', () => {
    expect(startupFailureDialog(new Error('EACCES: /x'))).toEqual({
      title: 'Gatehouse could not start',
      content: 'EACCES: /x',
    });
    expect(startupFailureDialog('odd').content).toBe('odd');
  });
});
