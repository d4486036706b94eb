import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The preload as one CommonJS file: a sandboxed preload (webPreferences.sandbox) can require
 * only `electron` and a few Node built-ins, and cannot be an ES module, so tsc's per-file ESM
 * output will not do. `npm run build:preload` → dist/electron/preload/index.cjs, which
 * electron/main/app-paths.ts points the window at.
 */
const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: 'dist/electron/preload',
    // tsc writes this folder too (the unbundled .js files, unused at run time).
    emptyOutDir: false,
    // Electron 45 ships Chromium 140.
    target: 'chrome140',
    minify: false,
    sourcemap: false,
    lib: {
      entry: 'electron/preload/index.ts',
      formats: ['cjs'],
      fileName: () => 'index.cjs',
    },
    rolldownOptions: {
      external: ['electron'],
    },
  },
});
