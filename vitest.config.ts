import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(`./packages/${p}`, import.meta.url));

// Tests run against the sources (aliases below); test/dist-*.test.ts checks the built bundles.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@multilora\/core\/node$/, replacement: src('core/src/node.ts') },
      { find: /^@multilora\/core\/testing$/, replacement: src('core/src/testing.ts') },
      { find: /^@multilora\/core$/, replacement: src('core/src/index.ts') },
      { find: /^@multilora\/wasm-kernels$/, replacement: src('wasm-kernels/src/index.ts') },
      { find: /^@multilora\/tfjs$/, replacement: src('tfjs-plugin/src/index.ts') },
      { find: /^@multilora\/transformers$/, replacement: src('transformers-plugin/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
