import type { App } from 'electron';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileDurably } from '../../engine/store/durable-write.js';
import { HIDDEN_ARG } from './startup.js';

/** The command that starts this app again. */
export interface LaunchCommand {
  path: string;
  args: string[];
}

/**
 * Packaged: the executable itself, or the AppImage file (its `execPath` is inside a mount that
 * changes on every run). Unpackaged: Electron with the app's folder.
 */
export function launchCommand(options: {
  packaged: boolean;
  execPath: string;
  appPath: string;
  appImage?: string | undefined;
}): LaunchCommand {
  if (!options.packaged) return { path: options.execPath, args: [options.appPath] };
  return { path: options.appImage || options.execPath, args: [] };
}

export type LoginItemApp = Pick<App, 'getLoginItemSettings' | 'setLoginItemSettings'>;

export interface AutostartFiles {
  read(path: string): string | undefined;
  write(path: string, text: string): void;
  remove(path: string): void;
}

export interface StartAtLogin {
  /** False where there is no way to do it: the menu leaves the item out. */
  readonly supported: boolean;
  get(): boolean;
  set(enabled: boolean): void;
  /** macOS says so; elsewhere the login item passes --hidden instead. */
  wasOpenedAtLogin(): boolean;
}

/** `$XDG_CONFIG_HOME/autostart` (XDG Autostart specification). */
export function autostartDir(env: Record<string, string | undefined>, home: string): string {
  return join(env['XDG_CONFIG_HOME'] || join(home, '.config'), 'autostart');
}

export const AUTOSTART_FILE = 'dev.gatehouse.app.desktop';

/** One argument of a desktop entry's Exec key, quoted as the Desktop Entry spec requires. */
export function desktopExecArg(arg: string): string {
  const fieldCodesEscaped = arg.replaceAll('%', '%%');
  if (arg !== '' && !/[\s"'\\><~|&;$*?#()`]/.test(arg)) return fieldCodesEscaped;
  return `"${fieldCodesEscaped.replace(/["`$\\]/g, '\\$&')}"`;
}

/** The autostart entry: starts Gatehouse in the tray at login. */
export function autostartEntry(command: LaunchCommand): string {
  const exec = [command.path, ...command.args, HIDDEN_ARG].map(desktopExecArg).join(' ');
  // A string value's own escape rule comes on top of the quoting: `\` is written `\\`.
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Gatehouse',
    'Comment=Decides which container images may run on Docker',
    `Exec=${exec.replaceAll('\\', '\\\\')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/**
 * Start at login. macOS and Windows: Electron's app.setLoginItemSettings (on Windows with the
 * command and --hidden, which getLoginItemSettings must be given again to find the entry).
 * Linux, where Electron has no login items: an XDG autostart entry.
 */
export function startAtLogin(
  platform: NodeJS.Platform,
  deps: { app: LoginItemApp; files: AutostartFiles; command: LaunchCommand; autostartDir: string },
): StartAtLogin {
  const { app, files, command } = deps;
  if (platform === 'darwin')
    return {
      supported: true,
      get: () => app.getLoginItemSettings().openAtLogin,
      set: (enabled) => app.setLoginItemSettings({ openAtLogin: enabled }),
      wasOpenedAtLogin: () => app.getLoginItemSettings().wasOpenedAtLogin,
    };
  if (platform === 'win32') {
    const args = [...command.args, HIDDEN_ARG];
    return {
      supported: true,
      get: () => app.getLoginItemSettings({ path: command.path, args }).openAtLogin,
      set: (enabled) =>
        app.setLoginItemSettings({ openAtLogin: enabled, path: command.path, args }),
      wasOpenedAtLogin: () => false,
    };
  }
  if (platform === 'linux') {
    const file = join(deps.autostartDir, AUTOSTART_FILE);
    return {
      supported: true,
      get: () => {
        const text = files.read(file);
        return text !== undefined && !/^Hidden\s*=\s*true\s*$/m.test(text);
      },
      set: (enabled) => (enabled ? files.write(file, autostartEntry(command)) : files.remove(file)),
      wasOpenedAtLogin: () => false,
    };
  }
  return { supported: false, get: () => false, set: () => {}, wasOpenedAtLogin: () => false };
}

/** The autostart entry on disk (Linux). */
export const nodeAutostartFiles: AutostartFiles = {
  read(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  write(path, text) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileDurably(path, text, 0o644);
  },
  remove(path) {
    rmSync(path, { force: true });
  },
};
