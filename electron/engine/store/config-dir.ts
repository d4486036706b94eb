import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_NAME = 'Gatehouse';

/**
 * The desktop app's settings folder (Electron's `app.getPath('userData')` for an app named
 * Gatehouse), which the CLI uses by default so both share one policy.
 */
export function defaultConfigDir(
  env: Record<string, string | undefined> = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (env['GATEHOUSE_CONFIG_DIR']) return env['GATEHOUSE_CONFIG_DIR'];
  if (platform === 'win32')
    return join(env['APPDATA'] ?? join(home, 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_NAME);
  return join(env['XDG_CONFIG_HOME'] || join(home, '.config'), APP_NAME);
}
