import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { settingsSchema, type Settings } from '../../../shared/api/schemas.js';
import { writeFileDurably } from './durable-write.js';
import { assertPrivate, openPrivateFolder } from './path-safety.js';

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
 * The settings (enforcement, mode, allowlist, quarantine records) as one JSON file in a folder
 * the caller chooses. Never silently reset: a file that cannot be read, parsed or matched to
 * the schema stops the program with a message naming it, and the last file that loaded
 * completely is kept beside it as a backup.
 *
 * Not `conf` (electron-store's core), which this used before: its only write path is
 * `atomically`, which makes one writeSync and ignores a short count, so on a full disk a
 * partial file was renamed over the good one and the write "succeeded". Nothing of conf is left
 * worth keeping (a cache and defaults), so every write goes through writeFileDurably.
 */
export class SettingsStore {
  #settings: Settings;

  private constructor(
    readonly path: string,
    settings: Settings,
  ) {
    this.#settings = settings;
  }

  static open(configDir: string): SettingsStore {
    openPrivateFolder('the config folder', configDir);
    const file = join(configDir, SETTINGS_FILE);
    const backup = join(configDir, SETTINGS_BACKUP_FILE);
    assertPrivate('the settings file', file);
    const text = readSettingsText(file, existsSync(backup) ? backup : undefined);
    if (text === undefined) {
      const store = new SettingsStore(file, deepFreeze(DEFAULT_SETTINGS));
      writeFileDurably(file, serialize(DEFAULT_SETTINGS));
      return store;
    }
    const parsed = parseSettings(text);
    if (!parsed.ok)
      throw new SettingsFileError(file, parsed.problem, existsSync(backup) ? backup : undefined);
    refreshBackup(backup, text);
    return new SettingsStore(file, deepFreeze(parsed.settings));
  }

  /** The current settings, deeply frozen, so no copy is made on each read (the engine reads them on every refusal). Change them only through `update`. */
  get(): Settings {
    return this.#settings;
  }

  /**
   * Applies a change: the result is validated, written durably, and only then becomes the
   * current settings. A failed write (StorageError) changes nothing, on disk or here.
   */
  update(change: (current: Settings) => Settings): Settings {
    const next = settingsSchema.parse(change(this.get()));
    writeFileDurably(this.path, serialize(next));
    this.#settings = deepFreeze(next);
    return next;
  }
}

const serialize = (settings: Settings) => `${JSON.stringify(settings, undefined, '\t')}\n`;

/** The file's text, or undefined when there is none yet; any other failure names the file. */
function readSettingsText(file: string, backup: string | undefined): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    const problem =
      code === 'EISDIR'
        ? `it is a directory, not a file. Move it away (mv '${file}' '${file}.moved') to start from ${backup ? 'the last good copy or ' : ''}defaults`
        : `it cannot be read (${code === 'EACCES' ? 'permission denied: it must belong to you' : (error as Error).message})`;
    throw new SettingsFileError(file, problem, backup);
  }
}

/**
 * The last good copy, from the very text that just loaded completely (never a second read of
 * the file, which may have changed since). Rewritten only when it differs. Failing to refresh
 * it is not fatal: the old copy is left whole, and it was good too.
 */
function refreshBackup(backup: string, text: string): void {
  try {
    if (existsSync(backup) && readFileSync(backup, 'utf8') === text) return;
    writeFileDurably(backup, text);
  } catch {
    // Kept as it was; the settings themselves loaded.
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Parses settings text. A leading UTF-8 byte order mark (some Windows editors add one) is
 * accepted and dropped, here and in every other reader of the file, so what validates is what
 * loads.
 */
export function parseSettings(
  text: string,
): { ok: true; settings: Settings } | { ok: false; problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return { ok: false, problem: `it is not valid JSON (${(error as Error).message})` };
  }
  const result = settingsSchema.safeParse(json);
  if (result.success) return { ok: true, settings: result.data };
  const problem = result.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : 'the file'}: ${i.message}`)
    .join('; ');
  return { ok: false, problem };
}
