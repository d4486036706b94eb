import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  SETTINGS_BACKUP_FILE,
  SETTINGS_FILE,
  SettingsFileError,
  SettingsStore,
} from '../../../../electron/engine/store/settings-store.js';

const dir = () => mkdtempSync(join(tmpdir(), 'gh-store-'));
const A = `sha256:${'a'.repeat(64)}` as const;

describe('settings store', () => {
  it('starts from defaults and persists changes', () => {
    const cwd = dir();
    const store = SettingsStore.open(cwd);
    expect(store.get()).toEqual(DEFAULT_SETTINGS);
    store.update((s) => ({ ...s, enforcement: { enabled: true, mode: 'enforce' } }));
    expect(JSON.parse(readFileSync(join(cwd, SETTINGS_FILE), 'utf8')).enforcement.mode).toBe(
      'enforce',
    );
    expect(SettingsStore.open(cwd).get().enforcement.mode).toBe('enforce');
  });

  it('refuses a write that breaks the schema and keeps what was saved', () => {
    const cwd = dir();
    const store = SettingsStore.open(cwd);
    store.update((s) => ({
      ...s,
      allowlist: [{ digest: A, addedAt: new Date().toISOString(), source: 'manual' }],
    }));
    const before = readFileSync(join(cwd, SETTINGS_FILE), 'utf8');
    expect(() =>
      store.update((s) => ({
        ...s,
        allowlist: [
          ...s.allowlist,
          { digest: 'x' as `sha256:${string}`, addedAt: 'y', source: 'manual' as const },
        ],
      })),
    ).toThrow();
    expect(readFileSync(join(cwd, SETTINGS_FILE), 'utf8')).toBe(before);
  });

  it('will not start on a corrupt file: names it and the backup, changes nothing', () => {
    const cwd = dir();
    SettingsStore.open(cwd).update((s) => ({
      ...s,
      allowlist: [{ digest: A, addedAt: new Date().toISOString(), source: 'manual' }],
    }));
    SettingsStore.open(cwd); // a clean open leaves the last good copy
    const file = join(cwd, SETTINGS_FILE);
    writeFileSync(file, '{"schemaVersion": 1, "allowlist": [');
    let error: unknown;
    try {
      SettingsStore.open(cwd);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsFileError);
    const message = (error as Error).message;
    expect(message).toContain(file);
    expect(message).toMatch(/not valid JSON/);
    expect(message).toContain(join(cwd, SETTINGS_BACKUP_FILE));
    expect(readFileSync(file, 'utf8')).toBe('{"schemaVersion": 1, "allowlist": [');
    expect(
      JSON.parse(readFileSync(join(cwd, SETTINGS_BACKUP_FILE), 'utf8')).allowlist[0].digest,
    ).toBe(A);
  });

  it('names the field of a hand-broken file', () => {
    const cwd = dir();
    const file = join(cwd, SETTINGS_FILE);
    writeFileSync(
      file,
      JSON.stringify({ ...DEFAULT_SETTINGS, enforcement: { enabled: true, mode: 'strict' } }),
    );
    expect(() => SettingsStore.open(cwd)).toThrow(/enforcement\.mode: Invalid option/);
    expect(existsSync(join(cwd, SETTINGS_BACKUP_FILE))).toBe(false);
    expect(() => SettingsStore.open(cwd)).toThrow(/move it away/);
  });

  it('accepts a leading byte order mark, in the file and in its last good copy', () => {
    const cwd = dir();
    const file = join(cwd, SETTINGS_FILE);
    const text = JSON.stringify({ ...DEFAULT_SETTINGS, allowlist: [] });
    writeFileSync(file, `\uFEFF${text}`);
    expect(SettingsStore.open(cwd).get()).toEqual(DEFAULT_SETTINGS);
    writeFileSync(file, readFileSync(join(cwd, SETTINGS_BACKUP_FILE)));
    expect(SettingsStore.open(cwd).get()).toEqual(DEFAULT_SETTINGS);
  });

  it('a directory in place of the file: named, with what to do', () => {
    const cwd = dir();
    const file = join(cwd, SETTINGS_FILE);
    mkdirSync(file);
    expect(() => SettingsStore.open(cwd)).toThrow(
      `The settings file ${file} is not valid: it is a directory, not a file. Move it away (mv '${file}' '${file}.moved')`,
    );
  });
});
