import { getCurrentFuseWire, FuseV1Options } from '@electron/fuses';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import afterPack, { electronBinaryPath, fuseConfig, FUSES } from '../../../build/after-pack.mjs';

/** Electron's fuse sentinel: the fuse wire follows it as version, length, one byte a fuse. */
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ON = 0x31; // '1'
const OFF = 0x30; // '0'

/** A stand-in Electron binary: filler, the sentinel, and a fuse wire in Electron's defaults. */
function fakeElectron(dir: string, name: string, wire: number[]): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    Buffer.concat([
      Buffer.alloc(4096, 0xcc),
      Buffer.from(SENTINEL),
      Buffer.from([1, wire.length, ...wire]),
      Buffer.alloc(4096, 0xcc),
    ]),
  );
  return file;
}

// RunAsNode, CookieEncryption, NodeOptions, NodeCliInspect, AsarIntegrity, OnlyAsar,
// BrowserSnapshot, GrantFileProtocol, WasmTrapHandlers: Electron's defaults.
const ELECTRON_DEFAULTS = [ON, OFF, ON, ON, OFF, OFF, OFF, ON, ON];

const linuxContext = (appOutDir: string) => ({
  appOutDir,
  electronPlatformName: 'linux',
  arch: 1,
  packager: { appInfo: { productFilename: 'Gatehouse' }, executableName: 'gatehouse' },
});

describe('the fuses', () => {
  it('turn off running as Node, NODE_OPTIONS and the inspector; turn on asar checks', () => {
    expect(FUSES.RunAsNode).toBe(false);
    expect(FUSES.EnableNodeOptionsEnvironmentVariable).toBe(false);
    expect(FUSES.EnableNodeCliInspectArguments).toBe(false);
    expect(FUSES.EnableEmbeddedAsarIntegrityValidation).toBe(true);
    expect(FUSES.OnlyLoadAppFromAsar).toBe(true);
    expect(FUSES.EnableCookieEncryption).toBe(true);
  });

  it('decide every fuse @electron/fuses knows, strictly', () => {
    const config = fuseConfig({ electronPlatformName: 'linux', arch: 1 });
    expect(config.strictlyRequireAllFuses).toBe(true);
    const numeric = Object.values(FuseV1Options).filter((v) => typeof v === 'number');
    for (const option of numeric) expect(typeof config[option as FuseV1Options]).toBe('boolean');
    expect(config[FuseV1Options.RunAsNode]).toBe(false);
    expect(config[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
  });

  it('redo the ad-hoc signature only for an arm64 macOS build', () => {
    expect(fuseConfig({ electronPlatformName: 'darwin', arch: 3 }).resetAdHocDarwinSignature).toBe(
      true,
    );
    expect(fuseConfig({ electronPlatformName: 'darwin', arch: 1 }).resetAdHocDarwinSignature).toBe(
      false,
    );
    expect(fuseConfig({ electronPlatformName: 'linux', arch: 3 }).resetAdHocDarwinSignature).toBe(
      false,
    );
  });
});

describe('electronBinaryPath', () => {
  it('finds the binary electron-builder packed on each platform', () => {
    const packager = { appInfo: { productFilename: 'Gatehouse' }, executableName: 'gatehouse' };
    expect(electronBinaryPath({ appOutDir: '/o', electronPlatformName: 'linux', packager })).toBe(
      '/o/gatehouse',
    );
    expect(electronBinaryPath({ appOutDir: '/o', electronPlatformName: 'win32', packager })).toBe(
      '/o/Gatehouse.exe',
    );
    expect(electronBinaryPath({ appOutDir: '/o', electronPlatformName: 'darwin', packager })).toBe(
      '/o/Gatehouse.app',
    );
  });
});

describe('afterPack', () => {
  it('flips the fuses in the packed binary (a stand-in with a real fuse wire)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-fuses-'));
    const binary = fakeElectron(dir, 'gatehouse', ELECTRON_DEFAULTS);
    await afterPack(linuxContext(dir) as never);
    const wire = await getCurrentFuseWire(binary);
    const state = (option: FuseV1Options) => wire[option] === ON;
    expect(state(FuseV1Options.RunAsNode)).toBe(false);
    expect(state(FuseV1Options.EnableNodeOptionsEnvironmentVariable)).toBe(false);
    expect(state(FuseV1Options.EnableNodeCliInspectArguments)).toBe(false);
    expect(state(FuseV1Options.EnableEmbeddedAsarIntegrityValidation)).toBe(true);
    expect(state(FuseV1Options.OnlyLoadAppFromAsar)).toBe(true);
    expect(state(FuseV1Options.EnableCookieEncryption)).toBe(true);
    expect(state(FuseV1Options.LoadBrowserProcessSpecificV8Snapshot)).toBe(false);
    expect(state(FuseV1Options.GrantFileProtocolExtraPrivileges)).toBe(true);
    expect(state(FuseV1Options.WasmTrapHandlers)).toBe(true);
  });

  it('fails the build when the Electron binary has a fuse nobody decided on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-fuses-'));
    fakeElectron(dir, 'gatehouse', [...ELECTRON_DEFAULTS, ON]);
    await expect(afterPack(linuxContext(dir) as never)).rejects.toThrow(/strictlyRequireAllFuses/);
  });
});
