import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('./renderer/', import.meta.url));

/** The renderer's build (kept at the top level: build configuration runs in Node, the renderer never does). */

/**
 * The dev server injects component CSS as <style> elements, which the page's CSP
 * (style-src 'self') refuses; relax it for `vite serve` only. Builds keep the strict CSP and
 * need no inline script or style: Svelte's CSS is emitted to files.
 */
function devCsp(): Plugin {
  return {
    name: 'gatehouse-dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) =>
      html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
  };
}

export default defineConfig({
  root,
  base: './',
  plugins: [
    svelte({
      configFile: false,
      emitCss: true,
      compilerOptions: { runes: true, css: 'external' },
    }),
    devCsp(),
  ],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2023',
    // Assets stay files: a data: URL font or script would need a looser CSP.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: { host: '127.0.0.1', strictPort: false },
});
