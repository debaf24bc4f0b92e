/**
 * Vite config of the demo page. Nothing special for the packages: the page imports @multilora/* by name
 * and Vite resolves their dist ESM builds (build them first: `npm run build` at the root). The
 * generated public/ folder (fixture model, demo adapter, tfjs and onnxruntime wasm files) comes from
 * scripts/prepare.ts. Build from the repository root with `npx vite build examples/browser`.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 8000,
    reportCompressedSize: false,
  },
  preview: { host: '127.0.0.1' },
  server: { host: '127.0.0.1' },
});
