import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  AUTOSTART_FILE,
  autostartDir,
  autostartEntry,
  desktopExecArg,
  launchCommand,
  nodeAutostartFiles,
  startAtLogin,
  type LoginItemApp,
} from '../../../../../electron/main/lifecycle/start-at-login.js';

function fakeApp(openAtLogin = false, wasOpenedAtLogin = false) {
  const app = {
    getLoginItemSettings: vi.fn(() => ({ openAtLogin, wasOpenedAtLogin })),
    setLoginItemSettings: vi.fn(),
  };
  return app as typeof app & LoginItemApp;
}

const command = { path: '/opt/Gatehouse/gatehouse', args: [] };
const noFiles = { read: () => undefined, write: vi.fn(), remove: vi.fn() };

describe('launchCommand', () => {
  it('is the executable, the AppImage file, or Electron with the app folder', () => {
    expect(launchCommand({ packaged: true, execPath: '/opt/G/gatehouse', appPath: '/x' })).toEqual({
      path: '/opt/G/gatehouse',
      args: [],
    });
    expect(
      launchCommand({
        packaged: true,
        execPath: '/tmp/.mount_Gate12/gatehouse',
        appPath: '/x',
        appImage: '/home/dev/Apps/Gatehouse.AppImage',
      }),
    ).toEqual({ path: '/home/dev/Apps/Gatehouse.AppImage', args: [] });
    expect(
      launchCommand({ packaged: false, execPath: '/n/electron', appPath: '/src/gatehouse' }),
    ).toEqual({ path: '/n/electron', args: ['/src/gatehouse'] });
  });
});

describe('startAtLogin on macOS', () => {
  it('uses the login item settings, and knows when the login item started the app', () => {
    const app = fakeApp(true, true);
    const login = startAtLogin('darwin', { app, files: noFiles, command, autostartDir: '/a' });
    expect(login.get()).toBe(true);
    expect(login.wasOpenedAtLogin()).toBe(true);
    login.set(false);
    expect(app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: false });
  });
});

describe('startAtLogin on Windows', () => {
  it('registers the command with --hidden, and asks about that same command', () => {
    const app = fakeApp(true);
    const login = startAtLogin('win32', {
      app,
      files: noFiles,
      command: { path: 'C:\\Gatehouse\\Gatehouse.exe', args: [] },
      autostartDir: '/a',
    });
    login.set(true);
    expect(app.setLoginItemSettings).toHaveBeenCalledWith({
      openAtLogin: true,
      path: 'C:\\Gatehouse\\Gatehouse.exe',
      args: ['--hidden'],
    });
    expect(login.get()).toBe(true);
    expect(app.getLoginItemSettings).toHaveBeenCalledWith({
      path: 'C:\\Gatehouse\\Gatehouse.exe',
      args: ['--hidden'],
    });
  });
});

describe('startAtLogin on Linux', () => {
  it('writes and removes an XDG autostart entry', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'gatehouse-autostart-')), 'autostart');
    const app = fakeApp();
    const login = startAtLogin('linux', {
      app,
      files: nodeAutostartFiles,
      command,
      autostartDir: dir,
    });
    expect(login.supported).toBe(true);
    expect(login.get()).toBe(false);
    login.set(true);
    const file = join(dir, AUTOSTART_FILE);
    expect(readFileSync(file, 'utf8')).toContain('Exec=/opt/Gatehouse/gatehouse --hidden\n');
    expect(login.get()).toBe(true);
    login.set(false);
    expect(existsSync(file)).toBe(false);
    expect(login.get()).toBe(false);
    expect(app.setLoginItemSettings).not.toHaveBeenCalled();
  });

  it('treats an entry the desktop hid (Hidden=true) as off', () => {
    const login = startAtLogin('linux', {
      app: fakeApp(),
      files: { ...noFiles, read: () => '[Desktop Entry]\nHidden=true\n' },
      command,
      autostartDir: '/a',
    });
    expect(login.get()).toBe(false);
  });

  it('lives in $XDG_CONFIG_HOME/autostart', () => {
    expect(autostartDir({}, '/home/dev')).toBe('/home/dev/.config/autostart');
    expect(autostartDir({ XDG_CONFIG_HOME: '/xdg' }, '/home/dev')).toBe('/xdg/autostart');
  });
});

describe('the autostart entry', () => {
  it("quotes Exec's arguments as the Desktop Entry spec requires", () => {
    expect(desktopExecArg('/opt/Gatehouse/gatehouse')).toBe('/opt/Gatehouse/gatehouse');
    expect(desktopExecArg('/home/dev/My Apps/Gatehouse.AppImage')).toBe(
      '"/home/dev/My Apps/Gatehouse.AppImage"',
    );
    expect(desktopExecArg('/a/$HOME"`x')).toBe('"/a/\\$HOME\\"\\`x"');
    expect(desktopExecArg('100%')).toBe('100%%');
    const entry = autostartEntry({ path: '/home/dev/My Apps/G.AppImage', args: [] });
    expect(entry).toContain('Exec="/home/dev/My Apps/G.AppImage" --hidden\n');
    expect(entry).toMatch(/^\[Desktop Entry\]\nType=Application\n/);
    // A backslash, quoted then escaped again as a string value: four of them.
    expect(autostartEntry({ path: '/a\\b', args: [] })).toContain('Exec="/a\\\\\\\\b" --hidden');
  });
});

describe('elsewhere', () => {
  it('is not supported', () => {
    const login = startAtLogin('freebsd', {
      app: fakeApp(),
      files: noFiles,
      command,
      autostartDir: '/a',
    });
    expect(login.supported).toBe(false);
    expect(login.get()).toBe(false);
  });
});
