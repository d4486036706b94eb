import { join } from 'node:path';
import { APP_NAME } from '../../engine/store/config-dir.js';
import { SettingsFileError } from '../../engine/store/settings-store.js';
import { StoreBusyError } from '../../engine/store/store-lock.js';

/**
 * The app's userData folder, which is also the engine's config folder: `<appData>/Gatehouse`,
 * exactly the folder the CLI uses by default (engine/store/config-dir.ts), so both share one
 * policy. Set explicitly rather than left to Electron, which would derive it from
 * package.json's name ("gatehouse") when run unpackaged.
 */
export function userDataDir(appData: string): string {
  return join(appData, APP_NAME);
}

/** Passed by the login item: start in the tray, without opening the window. */
export const HIDDEN_ARG = '--hidden';

export function shouldStartHidden(argv: readonly string[], wasOpenedAtLogin: boolean): boolean {
  return wasOpenedAtLogin || argv.includes(HIDDEN_ARG);
}

export interface FailureDialog {
  title: string;
  content: string;
}

/**
 * What the user is told when the app cannot start; the app then quits. A broken settings file
 * is named with its problem and left exactly as it is (never reset): the engine's message
 * says which file, what is wrong and where the last good copy is.
 */
export function startupFailureDialog(error: unknown): FailureDialog {
  if (error instanceof SettingsFileError)
    return { title: 'Gatehouse cannot read its settings', content: error.message };
  if (
    error instanceof StoreBusyError ||
    (error instanceof Error && /already listens on/.test(error.message))
  )
    return {
      title: 'Gatehouse is already running',
      content: `${error.message}\n\nAnother Gatehouse engine (a \`gatehouse daemon\` command, or the app started by another user session) is using these settings. Stop it, then start Gatehouse again.`,
    };
  const message = error instanceof Error ? error.message : String(error);
  return { title: 'Gatehouse could not start', content: message };
}
