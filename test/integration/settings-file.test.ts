import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../electron/engine/store/settings-store.js';
import { gatehouse } from './support/engine-harness.js';

/** Settings files as editors and accidents leave them, through the real CLI. */
const gh = (configDir: string, ...args: string[]) =>
  gatehouse(['--config-dir', configDir, '--docker-host', inject('dockerHost'), ...args]);

const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-file-'));
  return { dir, file: join(dir, 'settings.json'), backup: join(dir, 'settings.last-good.json') };
};

describe('the settings file', () => {
  it('with a UTF-8 byte order mark is accepted everywhere, its last good copy too', async () => {
    const { dir, file, backup } = folder();
    const settings = { ...DEFAULT_SETTINGS, enforcement: { enabled: true, mode: 'quarantine' } };
    writeFileSync(file, `\uFEFF${JSON.stringify(settings)}`);

    const status = await gh(dir, 'status', '--json');
    expect(status.stderr).toBe('');
    expect(JSON.parse(status.stdout)).toMatchObject({ enforcement: { mode: 'quarantine' } });
    // The copy kept as last good is the file that loaded, and it loads as well.
    expect(readFileSync(backup, 'utf8').startsWith('\uFEFF')).toBe(true);
    copyFileSync(backup, file);
    const added = await gh(dir, 'allowlist', 'add', `sha256:${'e'.repeat(64)}`);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      enforcement: { mode: 'quarantine' },
      allowlist: [{ digest: `sha256:${'e'.repeat(64)}` }],
    });
  });

  it('that is a directory: refused naming the file and what to do', async () => {
    const { dir, file } = folder();
    mkdirSync(file);
    const run = await gh(dir, 'status');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`The settings file ${file} is not valid: it is a directory`);
    expect(run.stderr).toContain(`mv '${file}'`);
    expect(run.stderr).not.toMatch(/^gatehouse: EISDIR/m);
  });

  it('that is not JSON: refused naming the file and its last good copy', async () => {
    const { dir, file, backup } = folder();
    expect((await gh(dir, 'mode', 'enforce')).code).toBe(0);
    expect((await gh(dir, 'status')).code).toBe(0); // a clean load keeps the last good copy
    writeFileSync(file, '\uFEFF{"schemaVersion": 1, "enforcement": ');
    const run = await gh(dir, 'status');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`The settings file ${file} is not valid: it is not valid JSON`);
    expect(run.stderr).toContain(`cp '${backup}' '${file}'`);
    expect(JSON.parse(readFileSync(backup, 'utf8'))).toMatchObject({
      enforcement: { mode: 'enforce' },
    });
  });
});
