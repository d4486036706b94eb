import type { Configuration } from 'electron-builder';
import { existsSync, readFileSync } from 'node:fs';
import { join, matchesGlob } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_NAME } from '../../../electron/engine/store/config-dir.js';
import { APP_ID, appPaths, PACKAGED_ICONS_DIR } from '../../../electron/main/app-paths.js';
import config from '../../../build/electron-builder.config.mjs';

const root = join(import.meta.dirname, '..', '..', '..');
const cfg: Configuration = config;

/** electron-builder's `files`: kept if some pattern takes it and no `!pattern` drops it. */
function packaged(file: string): boolean {
  const patterns = (cfg.files ?? []) as string[];
  const include = patterns.filter((p) => !p.startsWith('!'));
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  return include.some((p) => matchesGlob(file, p)) && !exclude.some((p) => matchesGlob(file, p));
}

function targets(platform: 'linux' | 'mac' | 'win'): unknown {
  return (cfg[platform] as { target?: unknown } | undefined)?.target;
}

describe('build/electron-builder.config.mjs', () => {
  it('names the app as the CLI and the main process expect', () => {
    expect(cfg.appId).toBe('dev.gatehouse.app');
    expect(cfg.appId).toBe(APP_ID);
    // userData = <appData>/<productName> must be the CLI's default config folder.
    expect(cfg.productName).toBe(APP_NAME);
  });

  it('builds AppImage and deb, dmg, and an NSIS installer', () => {
    expect(targets('linux')).toEqual(['AppImage', 'deb']);
    expect(targets('mac')).toEqual(['dmg']);
    expect(targets('win')).toEqual(['nsis']);
  });

  it('packs the built main process, shared code, renderer and package.json, and no source maps', () => {
    const main = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).main as string;
    const paths = appPaths({ appPath: '', packaged: true, resourcesPath: '/r' });
    for (const file of [
      'package.json',
      main,
      'dist/electron/engine/engine.js',
      'dist/shared/api/channels.js',
      'dist/renderer/index.html',
      'dist/renderer/assets/index-abc123.js',
      paths.preload.replace(/^\//, ''),
      paths.rendererIndex.replace(/^\//, ''),
    ])
      expect(packaged(file), file).toBe(true);
    for (const file of [
      'dist/electron/main/index.js.map',
      'dist/electron/preload/index.js', // tsc's unbundled preload
      'dist/bench/run.js',
      'dist/test/env/registry.js',
      'electron/main/index.ts',
      'test/unit/build/x.test.ts',
    ])
      expect(packaged(file), file).toBe(false);
  });

  it('copies the icons to where the main process looks for them', () => {
    const resources = cfg.extraResources as { from: string; to: string }[];
    const tray = resources.find((r) => r.to === `${PACKAGED_ICONS_DIR}/tray`);
    const icon = resources.find((r) => r.to === `${PACKAGED_ICONS_DIR}/icon.png`);
    expect(tray && existsSync(join(root, tray.from))).toBe(true);
    expect(icon && existsSync(join(root, icon.from))).toBe(true);
    const paths = appPaths({ appPath: '/a', packaged: true, resourcesPath: '/r' });
    expect(paths.trayIcons).toBe(join('/r', tray?.to ?? ''));
    expect(paths.appIcon).toBe(join('/r', icon?.to ?? ''));
    for (const platform of ['linux', 'mac', 'win'] as const)
      expect(existsSync(join(root, (cfg[platform] as { icon: string }).icon))).toBe(true);
  });

  it('writes its packages outside dist/, which is what gets packed', () => {
    expect(cfg.directories?.output).toBe('release');
    expect(cfg.asar).toBe(true);
  });

  it('runs the fuse-flipping afterPack hook', async () => {
    expect(cfg.afterPack).toBe('./build/after-pack.mjs');
    const hook = (await import(join(root, cfg.afterPack as string))) as { default: unknown };
    expect(typeof hook.default).toBe('function');
  });

  it("passes electron-builder's own schema validation", async () => {
    // What `electron-builder` runs on a config before building anything.
    const { validateConfiguration } = await import('app-builder-lib/out/util/config/config.js');
    const quiet = { isEnabled: false } as Parameters<typeof validateConfiguration>[1];
    await expect(validateConfiguration(cfg, quiet)).resolves.toBeUndefined();
    const misspelt = { ...cfg, linux: { ...cfg.linux, targte: 'deb' } } as Configuration;
    await expect(validateConfiguration(misspelt, quiet)).rejects.toThrow(
      /configuration object that does not match the API schema/,
    );
  }, 60_000); // heavy work, slow on a busy machine: not a timing assertion
});
