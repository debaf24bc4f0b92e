// The browser build of @multilora/transformers (package.json's "browser" condition → dist/browser.js,
// built with the file system stand-in): Vite bundles the example page with no Node module
// "externalized for browser compatibility", and the plugin with the stand-in wired in (mocked here,
// as tsup swaps it) rejects paths and saveMerged with UNSUPPORTED_ENVIRONMENT, leaving the model as
// it was, while bytes work. Needs `npm run build` (Vite reads the packages' dist, as a user's would).
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyMultiLoRA } from '@multilora/transformers';
import { build, createLogger, type InlineConfig, type Logger, type Plugin } from 'vite';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomAdapter } from './fixtures/onnx-models/adapters.js';
import { TINY_LLAMA } from './fixtures/onnx-models/index.js';
import { logits, maxAbsDiff, setup } from './fixtures/transformers-harness.js';

vi.mock('../packages/transformers-plugin/src/files-node.js', () => import('../packages/transformers-plugin/src/files-browser.js'));

const root = fileURLToPath(new URL('../', import.meta.url));
const EXTERNALIZED = /has been externalized for browser compatibility/;
let outDir: string;
beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'multilora-vite-'));
});
afterAll(() => rm(outDir, { recursive: true, force: true }));

/** Runs Vite's build in memory (nothing written) and returns the warnings it logged and the bundle's code. */
async function viteBuild(config: InlineConfig): Promise<{ warnings: string[]; code: string }> {
  const warnings: string[] = [];
  const quiet = createLogger('silent');
  const customLogger: Logger = { ...quiet, warn: (msg) => void warnings.push(msg), warnOnce: (msg) => void warnings.push(msg) };
  // Vite reports externalized Node modules only in production builds, which it takes from NODE_ENV (vitest sets 'test').
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  const result = await build({ ...config, customLogger, build: { ...config.build, outDir, emptyOutDir: false, write: false } })
    .finally(() => { process.env.NODE_ENV = nodeEnv; });
  const outputs = (Array.isArray(result) ? result : [result]) as { output: { type: string; code?: string }[] }[];
  const code = outputs.flatMap((o) => o.output).map((c) => (c.type === 'chunk' ? c.code : '')).join('\n');
  return { warnings, code };
}

/** A one-line page entry that imports both packages, served by a plugin (no file in the repository). */
function entryPlugin(): Plugin {
  const code = "import { applyMultiLoRA } from '@multilora/transformers';\nimport { resolveConfig } from '@multilora/core';\n" +
    'console.log(applyMultiLoRA, resolveConfig);\n';
  return {
    name: 'entry',
    resolveId: (id) => (id === 'virtual:entry' ? '\0virtual:entry' : null),
    load: (id) => (id === '\0virtual:entry' ? code : null),
  };
}

describe('@multilora/transformers in a browser bundle', () => {
  it('vite build examples/browser logs no "externalized for browser compatibility" warning and bundles the stand-in', async () => {
    const { warnings, code } = await viteBuild({ root: join(root, 'examples/browser'), publicDir: false });
    expect(warnings.filter((w) => EXTERNALIZED.test(w))).toEqual([]);
    expect(code).toContain('UNSUPPORTED_ENVIRONMENT');
    expect(code).not.toContain('__vite-browser-external');
  });

  it('control: resolving with Node\'s conditions (dist/index.js) brings the warnings back, so the check above can fail', async () => {
    const { warnings } = await viteBuild({
      root, configFile: false, plugins: [entryPlugin()], resolve: { conditions: ['module', 'development|production'] },
      build: { rolldownOptions: { input: 'virtual:entry' } },
    });
    const externalized = warnings.filter((w) => EXTERNALIZED.test(w));
    expect(externalized.some((w) => w.includes('packages/transformers-plugin/dist/index.js'))).toBe(true);
  });
});

describe('the plugin with the browser stand-in (files-node mocked as files-browser)', () => {
  let env: Awaited<ReturnType<typeof setup>>;
  let onnx: Uint8Array;
  beforeAll(async () => {
    env = await setup();
    onnx = new Uint8Array(await readFile(join(env.fixtures.llama, 'onnx/model.onnx')));
  });
  const adapter = randomAdapter(TINY_LLAMA, { targets: ['q_proj', 'v_proj'], seed: 71 });

  it('modelPath, a path in files and an adapter path: UNSUPPORTED_ENVIRONMENT naming the path; the model is untouched', async () => {
    const model = await env.v4.AutoModelForCausalLM.from_pretrained('multilora/tiny-llama', { dtype: 'fp32' });
    const session = model.sessions.model;
    const before = await logits(env.v4, model);
    const onnxPath = join(env.fixtures.llama, 'onnx/model.onnx');
    await expect(applyMultiLoRA(model, adapter, { modelPath: env.fixtures.llama })).rejects.toMatchObject({
      code: 'UNSUPPORTED_ENVIRONMENT', message: expect.stringContaining(`modelPath "${env.fixtures.llama}"`),
    });
    await expect(applyMultiLoRA(model, adapter, { files: { model: onnxPath } })).rejects.toMatchObject({
      code: 'UNSUPPORTED_ENVIRONMENT', message: expect.stringContaining(`"${onnxPath}"`),
    });
    await expect(applyMultiLoRA(model, { chat: '/adapters/chat' }, { files: { model: onnx } })).rejects.toMatchObject({
      code: 'UNSUPPORTED_ENVIRONMENT', message: expect.stringContaining('"/adapters/chat"'),
    });
    expect(model.sessions.model).toBe(session);
    expect(maxAbsDiff(await logits(env.v4, model), before)).toBe(0);
  });

  it('bytes work; saveMerged rejects with UNSUPPORTED_ENVIRONMENT before building any graph, and the adapted model keeps working', async () => {
    const model = await env.v4.AutoModelForCausalLM.from_pretrained('multilora/tiny-llama', { dtype: 'fp32' });
    const base = await logits(env.v4, model);
    const handle = await applyMultiLoRA(model, adapter, { files: { model: onnx } });
    const adapted = await logits(env.v4, model);
    expect(maxAbsDiff(adapted, base)).toBeGreaterThan(1e-4);
    await expect(handle.saveMerged('/out/merged')).rejects.toMatchObject({
      code: 'UNSUPPORTED_ENVIRONMENT', message: expect.stringMatching(/^saveMerged\("\/out\/merged"\)/),
    });
    expect(maxAbsDiff(await logits(env.v4, model), adapted)).toBe(0);
    await handle.remove();
  });
});
