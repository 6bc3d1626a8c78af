import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The web console: built into dist/console, which the service serves at /console/ on its own port. Everything
 * is bundled (no CDN): the service may run where there is no internet.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  publicDir: false,
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
  },
});
