// The types of after-pack.mjs, for TypeScript files importing it (the tests);
// tsconfig.electron.json checks the .mjs itself (checkJs).
import type { FuseV1Config, FuseV1Options } from '@electron/fuses';
import type { AfterPackContext } from 'electron-builder';

export declare const FUSES: Readonly<Record<keyof typeof FuseV1Options, boolean>>;

export declare function fuseConfig(context: {
  electronPlatformName: string;
  arch: number;
}): FuseV1Config;

export declare function electronBinaryPath(context: {
  appOutDir: string;
  electronPlatformName: string;
  packager: { appInfo: { productFilename: string }; executableName?: string | undefined };
}): string;

export default function afterPack(context: AfterPackContext): Promise<void>;
