// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
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
);
