import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Conf from 'conf';
import { settingsSchema, type Settings } from '../../../shared/api/schemas.js';

export const SETTINGS_FILE = 'settings.json';
export const SETTINGS_BACKUP_FILE = 'settings.last-good.json';

/** Fresh installs start in audit mode: nothing a developer already runs is stopped or removed. */
export const DEFAULT_SETTINGS: Settings = {
  schemaVersion: 1,
  enforcement: { enabled: true, mode: 'audit' },
  allowlist: [],
  quarantine: {},
  trustPolicies: [],
  notifications: { enabled: true },
  instances: [],
  prevention: { ask: false, builds: 'allow' },
};

/** A settings file that cannot be read as valid settings; it is left untouched. */
export class SettingsFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly backup: string | undefined,
  ) {
    super(
      `The settings file ${file} is not valid: ${problem}. Gatehouse has not changed it and will not start until it is fixed. ` +
        (backup
          ? `The last good copy is ${backup}: fix the file, or restore that copy with: cp '${backup}' '${file}'`
          : 'Fix the file, or move it away to start with default settings.'),
    );
    this.name = 'SettingsFileError';
  }
}

/**
 * The settings (enforcement, mode, allowlist, quarantine records), persisted with `conf`, the
 * core of electron-store, in a folder the caller chooses. Never silently reset: a file that
 * fails to parse or to match the schema stops the program with a message naming it, and the
 * last file that loaded is kept beside it as a backup.
 */
export class SettingsStore {
  readonly #conf: Conf<Settings>;
  readonly path: string;

  private constructor(conf: Conf<Settings>) {
    this.#conf = conf;
    this.path = conf.path;
  }

  static open(configDir: string): SettingsStore {
    mkdirSync(configDir, { recursive: true, mode: 0o700 });
    const file = join(configDir, SETTINGS_FILE);
    const backup = join(configDir, SETTINGS_BACKUP_FILE);
    if (existsSync(file)) {
      const problem = settingsProblem(readFileSync(file, 'utf8'));
      if (problem)
        throw new SettingsFileError(file, problem, existsSync(backup) ? backup : undefined);
      copyFileSync(file, backup);
    }
    const conf = new Conf<Settings>({
      cwd: configDir,
      configName: 'settings',
      defaults: DEFAULT_SETTINGS,
      clearInvalidConfig: false,
      configFileMode: 0o600,
      cache: true,
      deserialize: (text) => {
        const problem = settingsProblem(text);
        if (problem) throw new SettingsFileError(file, problem, undefined);
        return JSON.parse(text) as Settings;
      },
    });
    return new SettingsStore(conf);
  }

  /**
   * The current settings: conf's cached store, deeply frozen, so no copy is made on each read
   * (the engine reads them on every refusal). Change them only through `update`.
   */
  get(): Settings {
    return this.#conf.store as Settings;
  }

  /** Applies a change; the result is validated before anything is written. */
  update(change: (current: Settings) => Settings): Settings {
    const next = settingsSchema.parse(change(this.get()));
    this.#conf.store = next;
    return next;
  }
}

function settingsProblem(text: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return `it is not valid JSON (${(error as Error).message})`;
  }
  const result = settingsSchema.safeParse(json);
  if (result.success) return undefined;
  return result.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : 'the file'}: ${i.message}`)
    .join('; ');
}
