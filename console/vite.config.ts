import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/**
 * The web console's build: preact (JSX through oxc, vite 8's transformer) into dist/console, which
 * the HTTP listener serves at / with its assets under /console/ (no CDN: it works offline).
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: resolve(import.meta.dirname, '../dist/console'),
    emptyOutDir: true,
    // Modern browsers only: no polyfills, smaller assets.
    target: 'es2022',
    reportCompressedSize: true,
  },
  logLevel: 'warn',
});
