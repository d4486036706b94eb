import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // The renderer's component tests need a DOM and the Svelte compiler: see below.
          exclude: [...configDefaults.exclude, 'test/unit/renderer/**'],
        },
      },
      {
        plugins: [
          svelte({
            configFile: false,
            compilerOptions: { runes: true, css: 'external' },
          }),
          svelteTesting(),
        ],
        resolve: { conditions: ['browser'] },
        test: {
          name: 'renderer',
          include: ['test/unit/renderer/**/*.test.ts'],
          environment: 'jsdom',
        },
      },
      {
        test: {
          name: 'integration',
          // The browser end-to-end tests share the test bed's dockerd, so they run here too.
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          // One private dockerd serves every integration test; engines under test would
          // enforce against each other's containers if files ran in parallel.
          fileParallelism: false,
          globalSetup: ['test/env/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
