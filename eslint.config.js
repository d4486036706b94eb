// @ts-check
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import tseslint from 'typescript-eslint';

/** Renderer code runs in a sandboxed page: it reaches the engine only through renderer/src/api. */
const rendererForbiddenImports = {
  paths: [
    { name: 'electron', message: 'The renderer talks to the engine through renderer/src/api.' },
    { name: 'dockerode', message: 'The renderer talks to Docker only through the engine API.' },
    { name: 'fs', message: 'The renderer has no file system: it runs in a sandboxed page.' },
    { name: 'child_process', message: 'The renderer cannot run processes.' },
  ],
  patterns: [
    { group: ['node:*'], message: 'The renderer runs in a browser page: no Node built-ins.' },
    { group: ['electron/*', 'fs/*', 'dockerode/*'], message: 'Not available in the renderer.' },
    {
      group: ['**/electron/**'],
      message: 'The renderer imports only shared/ (the API contract) and its own code.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: {
        parser: tseslint.parser,
        extraFileExtensions: ['.svelte'],
      },
    },
  },
  {
    files: ['renderer/**/*.{ts,svelte}', 'test/unit/renderer/**/*.ts'],
    rules: {
      // TypeScript (svelte-check) knows the browser's globals; ESLint's list would not.
      'no-undef': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['renderer/src/**/*.{ts,svelte}'],
    rules: { 'no-restricted-imports': ['error', rendererForbiddenImports] },
  },
  {
    files: ['electron/engine/**/*.ts', 'electron/cli/**/*.ts', 'shared/**/*.ts'],
    rules: {
      // The engine, the CLI and shared/ run in plain Node (and shared/ in the renderer too):
      // Electron is never imported there, so they stay testable on machines without it.
      'no-restricted-imports': [
        'error',
        { paths: ['electron', 'electron-store'], patterns: ['electron/*'] },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['node:*', 'electron', 'electron/*', 'dockerode', 'fs', 'path', 'os'] },
      ],
    },
  },
  {
    // Electron's IPC is reached only through the typed wrappers (electron/main/ipc/ on the main
    // side, electron/preload/ in the renderer process): everything else goes through them.
    // A rule of its own (the typescript-eslint twin of no-restricted-imports), so it adds to
    // the blocks above instead of replacing their no-restricted-imports settings.
    files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
    ignores: ['electron/main/ipc/**', 'electron/preload/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              // 'default': `import electron from 'electron'` would reach electron.ipcMain.
              importNames: ['ipcMain', 'ipcRenderer', 'default'],
              message:
                'Only electron/main/ipc/ and electron/preload/ use ipcMain/ipcRenderer; import named Electron APIs elsewhere.',
            },
          ],
        },
      ],
    },
  },
);
