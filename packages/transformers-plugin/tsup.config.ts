import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';

/** Resolves files.ts's import of files-node.js to files-browser.ts (see src/files.ts). */
const browserFiles: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'multilora-browser-files',
  setup(build) {
    const standIn = fileURLToPath(new URL('./src/files-browser.ts', import.meta.url));
    build.onResolve({ filter: /^\.\/files-node\.js$/ }, () => ({ path: standIn }));
  },
};

const common: Options = { sourcemap: true, target: 'es2022' };

// Two builds side by side (tsup runs them at once): Node's ESM + CJS + types (whose clean keeps the
// browser files), and the browser's ESM, with the file system stand-in (package.json's `"browser"`).
export default defineConfig([
  { ...common, entry: ['src/index.ts'], format: ['esm', 'cjs'], dts: true, clean: ['!browser.js', '!browser.js.map'] },
  { ...common, entry: { browser: 'src/index.ts' }, format: ['esm'], platform: 'browser', esbuildPlugins: [browserFiles] },
]);
