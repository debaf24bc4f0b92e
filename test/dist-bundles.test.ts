// The built bundles (ESM and CJS) of every package load and expose their API: what a user's
// `import` or `require` gets after `npm run build`, not the sources the other tests alias.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
const require = createRequire(import.meta.url);
const packages = ['core', 'wasm-kernels', 'tfjs-plugin', 'transformers-plugin', 'cli'];

describe('built bundles', () => {
  for (const dir of packages) {
    const pkg = JSON.parse(readFileSync(`${root}packages/${dir}/package.json`, 'utf8'));
    type Target = { default: string; types: string };
    const exportsMap = pkg.exports as Record<string, { browser?: Target; import: Target; require: { default: string } }>;
    for (const [subpath, target] of Object.entries(exportsMap)) {
      it(`${pkg.name}${subpath.slice(1)}: ESM and CJS builds export the same names, with types`, async () => {
        const esmPath = `${root}packages/${dir}/${target.import.default}`;
        const cjsPath = `${root}packages/${dir}/${target.require.default}`;
        expect(existsSync(esmPath), `${esmPath} is missing: run npm run build`).toBe(true);
        expect(existsSync(`${root}packages/${dir}/${target.import.types}`)).toBe(true);
        const esm = await import(pathToFileURL(esmPath).href);
        const cjs = require(cjsPath);
        expect(Object.keys(esm).length).toBeGreaterThan(0);
        expect(Object.keys(cjs).sort()).toEqual(Object.keys(esm).sort());
      });
      if (!target.browser) continue;
      const browser = target.browser;
      it(`${pkg.name}${subpath.slice(1)}: the browser build exports the ESM build's names, with types, and imports no Node module`, async () => {
        const browserPath = `${root}packages/${dir}/${browser.default}`;
        expect(existsSync(browserPath), `${browserPath} is missing: run npm run build`).toBe(true);
        expect(existsSync(`${root}packages/${dir}/${browser.types}`)).toBe(true);
        expect(readFileSync(browserPath, 'utf8')).not.toMatch(/from ["'](node:|fs|path)|import\(["'](node:|fs|path|@multilora\/core\/node)/);
        const esm = await import(pathToFileURL(`${root}packages/${dir}/${target.import.default}`).href);
        expect(Object.keys(await import(pathToFileURL(browserPath).href)).sort()).toEqual(Object.keys(esm).sort());
      });
    }
  }

  it('@multilora/transformers browser build: an adapter folder path rejects with UNSUPPORTED_ENVIRONMENT; Node\'s build reads it', async () => {
    const browser = await import(pathToFileURL(`${root}packages/transformers-plugin/dist/browser.js`).href);
    const node = await import(pathToFileURL(`${root}packages/transformers-plugin/dist/index.js`).href);
    const model = () => ({ sessions: { model: { inputNames: ['x'], outputNames: ['y'], run: async () => ({}) } } });
    const missing = `${root}no-such-adapter-folder`;
    await expect(browser.applyMultiLoRA(model(), missing)).rejects.toMatchObject({
      code: 'UNSUPPORTED_ENVIRONMENT', message: expect.stringContaining(`"${missing}"`),
    });
    await expect(node.applyMultiLoRA(model(), missing)).rejects.toMatchObject({ code: 'ADAPTER_MISSING_FILE' });
  });

  it('@multilora/core works from its ESM bundle', async () => {
    const core = await import(pathToFileURL(`${root}packages/core/dist/index.js`).href);
    const config = core.resolveConfig({ n: 2, r: 4 });
    expect(config).toMatchObject({ n: 2, r: 4, loraAlpha: 4, scaleMode: 'module', init: 'multilora' });
    expect(() => core.resolveConfig({ n: 0 })).toThrow(core.MultiLoraError);
  });

  it('@multilora/core keeps its testing helpers in @multilora/core/testing, out of the main entry', async () => {
    const core = await import(pathToFileURL(`${root}packages/core/dist/index.js`).href);
    const testing = await import(pathToFileURL(`${root}packages/core/dist/testing.js`).href);
    expect(testing.randomFloat32(5, 1)).toHaveLength(5);
    expect(testing.compareToReference([1, 2], [1, 2.5], { atol: 0.1 }).ok).toBe(false);
    for (const name of ['randomFloat32', 'randomizeAdapter', 'compareToReference', 'assertClose', 'float32Tolerance']) {
      expect(core[name], name).toBeUndefined();
    }
  });

  it('@multilora/core: errors thrown in /node and checked in /testing are the main entry\'s MultiLoraError, in ESM and in CJS', async () => {
    const dist = `${root}packages/core/dist/`;
    const builds = [
      { core: await import(pathToFileURL(`${dist}index.js`).href), node: await import(pathToFileURL(`${dist}node.js`).href), testing: await import(pathToFileURL(`${dist}testing.js`).href) },
      { core: require(`${dist}index.cjs`), node: require(`${dist}node.cjs`), testing: require(`${dist}testing.cjs`) },
    ];
    for (const { core, node, testing } of builds) {
      expect(testing.errorOf(() => core.resolveConfig({ n: 0 })).code).toBe('INVALID_CONFIG');
      await expect(node.readAdapterFolder(`${root}no-such-adapter-folder`)).rejects.toBeInstanceOf(core.MultiLoraError);
    }
  });

  it('@multilora/core has no Node-only import in its browser entry', () => {
    const bundle = readFileSync(`${root}packages/core/dist/index.js`, 'utf8');
    expect(bundle).not.toMatch(/from ["']node:|require\(["']node:|from ["']fs["']/);
  });
});
