import { defineConfig } from 'tsup';

// src/cli.ts starts with `#!/usr/bin/env node`: esbuild keeps the line and tsup marks dist/cli.js executable.
export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm', 'cjs'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  target: 'es2022',
});
