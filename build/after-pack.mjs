// @ts-check
/**
 * electron-builder's afterPack hook: flips Electron's fuses in the packaged binary, after the
 * files are in place and before electron-builder signs it (so the OS's code signature then
 * keeps them from being flipped back). Electron security checklist: "Check which fuses you can
 * change"; https://www.electronjs.org/docs/latest/tutorial/fuses.
 *
 * Every fuse is set explicitly with strictlyRequireAllFuses: an Electron upgrade that adds a
 * fuse fails the build until someone decides on it here.
 */
import { join } from 'node:path';
import { flipFuses, FuseV1Options, FuseVersion } from '@electron/fuses';

/**
 * The fuses, as data (build/... tests check the security-critical ones).
 * @type {Readonly<Record<keyof typeof FuseV1Options, boolean>>}
 */
export const FUSES = Object.freeze({
  // ELECTRON_RUN_AS_NODE would turn the signed app into a general Node.js runtime.
  RunAsNode: false,
  // Chromium's cookie store encrypted with the OS keychain (the app keeps no cookies anyway).
  EnableCookieEncryption: true,
  // NODE_OPTIONS / NODE_EXTRA_CA_CERTS could inject code or trust into the main process.
  EnableNodeOptionsEnvironmentVariable: false,
  // --inspect and SIGUSR1 would open a debugger on the main process, which runs the engine.
  EnableNodeCliInspectArguments: false,
  // app.asar is checked against the hash electron-builder embeds (macOS and Windows).
  EnableEmbeddedAsarIntegrityValidation: true,
  // ...and the app is only ever loaded from that app.asar, not from a folder beside it.
  OnlyLoadAppFromAsar: true,
  // No browser-process V8 snapshot is shipped: enabling this would make startup fail.
  LoadBrowserProcessSpecificV8Snapshot: false,
  // Stays on while the renderer is loaded from file:// (its module scripts need it); turn it
  // off if the window moves to a custom protocol (checklist item 18).
  GrantFileProtocolExtraPrivileges: true,
  // Electron's default: V8's guard pages for WebAssembly bounds checks.
  WasmTrapHandlers: true,
});

const ARCH_ARM64 = 3; // builder-util's Arch enum: ia32 0, x64 1, armv7l 2, arm64 3, universal 4

/**
 * The config passed to flipFuses for one packaged app.
 * @param {{ electronPlatformName: string; arch: number }} context
 * @returns {import('@electron/fuses').FuseV1Config}
 */
export function fuseConfig(context) {
  /** @type {Record<FuseV1Options, boolean>} */
  const wire = {
    [FuseV1Options.RunAsNode]: FUSES.RunAsNode,
    [FuseV1Options.EnableCookieEncryption]: FUSES.EnableCookieEncryption,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]:
      FUSES.EnableNodeOptionsEnvironmentVariable,
    [FuseV1Options.EnableNodeCliInspectArguments]: FUSES.EnableNodeCliInspectArguments,
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]:
      FUSES.EnableEmbeddedAsarIntegrityValidation,
    [FuseV1Options.OnlyLoadAppFromAsar]: FUSES.OnlyLoadAppFromAsar,
    [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]:
      FUSES.LoadBrowserProcessSpecificV8Snapshot,
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: FUSES.GrantFileProtocolExtraPrivileges,
    [FuseV1Options.WasmTrapHandlers]: FUSES.WasmTrapHandlers,
  };
  return {
    version: FuseVersion.V1,
    strictlyRequireAllFuses: true,
    // An arm64 macOS binary whose signature the flip broke does not launch; electron-builder
    // signs right after this hook, but an unsigned build needs the ad-hoc signature redone.
    resetAdHocDarwinSignature:
      context.electronPlatformName === 'darwin' && context.arch === ARCH_ARM64,
    ...wire,
  };
}

/**
 * The Electron binary of a packaged app, as electron-builder names it: the .app bundle on
 * macOS (flipFuses finds the framework inside), `<productFilename>.exe` on Windows, the
 * lower-case `executableName` on Linux.
 * @param {{ appOutDir: string; electronPlatformName: string;
 *   packager: { appInfo: { productFilename: string }; executableName?: string | undefined } }} context
 */
export function electronBinaryPath(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return join(appOutDir, `${packager.appInfo.productFilename}.app`);
    case 'win32':
      return join(appOutDir, `${packager.appInfo.productFilename}.exe`);
    default:
      return join(appOutDir, packager.executableName ?? packager.appInfo.productFilename);
  }
}

/** @param {import('electron-builder').AfterPackContext} context */
export default async function afterPack(context) {
  const { packager } = context;
  const executableName =
    'executableName' in packager && typeof packager.executableName === 'string'
      ? packager.executableName
      : undefined;
  const binary = electronBinaryPath({
    appOutDir: context.appOutDir,
    electronPlatformName: context.electronPlatformName,
    packager: { appInfo: packager.appInfo, executableName },
  });
  await flipFuses(binary, fuseConfig(context));
}
