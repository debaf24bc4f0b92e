/**
 * End-to-end tests of the demo page (examples/browser) in headless Chromium: the page is built with Vite
 * from the packages' dist builds and served from 127.0.0.1; it trains the tiny problem on every tfjs
 * backend Chromium offers here and must agree with the same training in Node (tfjs cpu, this process);
 * an adapter goes out as two downloaded files and comes back in through the file input; and a
 * transformers.js model with an adapter on onnxruntime-web must agree with onnxruntime-node.
 * Screenshots go to test/browser/artifacts/. Without Chromium these tests fail and say how to install
 * it; MULTILORA_SKIP_BROWSER=1 skips them.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAdapter } from '@multilora/core';
import { applyMultiLoRA as applyToTransformers } from '@multilora/transformers';
import { createSession, makeProblem, SIZES } from '../../examples/browser/src/experiment.js';
import { demoAdapter, PAGE_DIR } from '../../examples/browser/scripts/prepare.js';
import { ARTIFACTS, buildPage, launchChromium, missingChromium, serveStatic, type StaticServer } from './harness.js';

const SKIP = process.env.MULTILORA_SKIP_BROWSER === '1';
const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
const STEPS = 40;
const CONFIG = { n: 4, r: 2, lr: 0.01 };
/** Browser and Node losses agree per step to this relative error (float32 on different kernels, 40 Adam steps; measured ≤ 8e-7). */
const LOSS_RTOL = 1e-4;
/** Probe outputs after training agree to this absolute error (outputs are O(1); measured ≤ 2e-7). */
const PROBE_ATOL = 1e-5;
/** transformers.js logits (O(1)) agree between onnxruntime-web and onnxruntime-node to this absolute error. */
const LOGIT_ATOL = 1e-4;

interface LastRun { backend: string; losses: number[]; probe: number[]; loss: number; baseLoss: number; spectra: { name: string; values: number[] }[] }

/** The page's `window.multilora`, read in the page. */
const pageApi = <T>(page: Page, key: string) => page.evaluate((k) => (window as unknown as { multilora: Record<string, unknown> }).multilora[k], key) as Promise<T>;

/** Waits until the page is done (or failed) and throws the page's own error message on failure. */
async function settled(page: Page, timeout = 90_000): Promise<void> {
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state ?? ''), undefined, { timeout });
  const error = await pageApi<string | undefined>(page, 'error');
  if (error) throw new Error(`the page failed: ${error}`);
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe.skipIf(SKIP)('the demo page in headless Chromium', () => {
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  let node: { losses: number[]; probe: Float32Array };
  const pageErrors: string[] = [];

  async function open(query: string): Promise<Page> {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${server!.url}?${query}`);
    return page;
  }

  beforeAll(async () => {
    const missing = missingChromium();
    if (missing) throw new Error(missing);
    mkdirSync(ARTIFACTS, { recursive: true });
    // The Node reference: the same problem, config and seed on tfjs's cpu backend in this process.
    await tf.setBackend('cpu');
    const session = createSession(makeProblem(SIZES.tiny), { n: CONFIG.n, r: CONFIG.r, loraAlpha: 2 * CONFIG.r, seed: 3 }, CONFIG.lr);
    const losses: number[] = [];
    for (let i = 0; i < STEPS; i++) losses.push(await session.step(i));
    node = { losses, probe: await session.probe() };
    session.dispose();
    [server, browser] = await Promise.all([buildPage().then(serveStatic), launchChromium()]);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('offers webgpu (SwiftShader), webgl, wasm and cpu', async () => {
    const page = await open('');
    await page.waitForFunction(() => document.body.dataset.state === 'idle', undefined, { timeout: 60_000 });
    expect(await pageApi<string[]>(page, 'backends')).toEqual([...BACKENDS]);
    await page.close();
  });

  for (const backend of BACKENDS) {
    it(`trains on ${backend}: the loss falls ≥ 4× and every step's loss matches Node's cpu run (rtol ${LOSS_RTOL})`, async () => {
      const page = await open(`backend=${backend}&size=tiny&steps=${STEPS}&every=5&n=${CONFIG.n}&r=${CONFIG.r}&lr=${CONFIG.lr}&autorun=1`);
      await settled(page);
      const run = await pageApi<LastRun>(page, 'lastRun');
      await page.screenshot({ path: join(ARTIFACTS, `train-${backend}.png`), fullPage: true });
      await page.close();
      expect(run.backend).toBe(backend);
      expect(run.losses).toHaveLength(STEPS);
      expect(run.losses[STEPS - 1]).toBeLessThan(run.losses[0] / 4);
      expect(run.loss).toBeLessThan(run.baseLoss / 4);
      const rel = Math.max(...run.losses.map((l, i) => Math.abs(l - node.losses[i]) / Math.abs(node.losses[i])));
      const probeErr = maxAbsDiff(run.probe, node.probe);
      console.info(`${backend}: loss ${run.losses[0].toPrecision(3)} → ${run.losses[STEPS - 1].toPrecision(3)}; vs Node: max rel. loss error ${rel.toExponential(2)}, max |Δ probe| ${probeErr.toExponential(2)}`);
      expect(rel).toBeLessThan(LOSS_RTOL);
      expect(probeErr).toBeLessThan(PROBE_ATOL);
      // The spectrum: n·r = 8 singular values per adapted module, descending, not all zero.
      expect(run.spectra.map((s) => s.name)).toEqual(['fc1', 'fc2']);
      for (const s of run.spectra) {
        expect(s.values).toHaveLength(CONFIG.n * CONFIG.r);
        expect(s.values[0]).toBeGreaterThan(0);
        for (let j = 1; j < s.values.length; j++) expect(s.values[j]).toBeLessThanOrEqual(s.values[j - 1]);
      }
    }, backend === 'webgpu' ? 240_000 : 120_000);
  }

  it('exports the adapter as two downloaded files that parse in Node and load back through the file input (probe outputs equal to 1e-6)', async () => {
    const page = await open(`backend=cpu&size=tiny&steps=20&n=${CONFIG.n}&r=${CONFIG.r}&autorun=1`);
    await settled(page);
    const trained = await pageApi<LastRun>(page, 'lastRun');
    await page.click('#export');
    const dir = join(ARTIFACTS, 'adapter');
    const paths: string[] = [];
    for (const id of ['#download-config', '#download-weights']) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(id)]);
      const path = join(dir, download.suggestedFilename());
      await download.saveAs(path);
      paths.push(path);
    }
    expect(paths.map((p) => p.split('/').pop())).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    const adapter = parseAdapter({ config: readFileSync(paths[0]), weights: new Uint8Array(readFileSync(paths[1])) });
    expect([...adapter.modules.keys()]).toEqual(['fc1', 'fc2']);
    expect(adapter.config).toMatchObject({ n: CONFIG.n, r: CONFIG.r });
    expect(adapter.metadata.baseModelNameOrPath).toBe('multilora-demo/tiny');
    // Load the files back into a fresh page: the same outputs as the trained model.
    const fresh = await open('backend=cpu&size=demo');
    await fresh.waitForFunction(() => document.body.dataset.state === 'idle');
    await fresh.setInputFiles('#load', paths);
    await settled(fresh);
    const loaded = await pageApi<{ modules: number; size: string; probe: number[] }>(fresh, 'lastLoad');
    await fresh.screenshot({ path: join(ARTIFACTS, 'adapter-loaded.png'), fullPage: true });
    expect(loaded).toMatchObject({ modules: 2, size: 'tiny' });
    expect(maxAbsDiff(loaded.probe, trained.probe)).toBeLessThan(1e-6);
    await Promise.all([page.close(), fresh.close()]);
  }, 120_000);

  it(`runs the tiny Llama with an adapter on onnxruntime-web and agrees with onnxruntime-node (logits atol ${LOGIT_ATOL})`, async () => {
    const page = await open('');
    await page.waitForFunction(() => document.body.dataset.state === 'idle', undefined, { timeout: 60_000 });
    await page.click('#run-transformers');
    await settled(page);
    const web = await pageApi<{ promptIds: number[]; baseLogits: number[]; adaptedLogits: number[]; baseTokens: number[]; adaptedTokens: number[]; maxAbsLogitChange: number; adaptedModules: number }>(page, 'transformers');
    await page.screenshot({ path: join(ARTIFACTS, 'transformers.png'), fullPage: true });
    await page.close();
    // The same in Node, from the files the page served.
    const T = await import('@huggingface/transformers');
    T.env.allowRemoteModels = false;
    T.env.allowLocalModels = true;
    T.env.localModelPath = `${join(PAGE_DIR, 'public', 'models')}/`;
    const model = await T.AutoModelForCausalLM.from_pretrained('multilora/tiny-llama', { dtype: 'fp32' });
    const ids = web.promptIds;
    const lastLogits = async () => {
      const out = await (model as unknown as (i: object) => Promise<{ logits: { data: Float32Array; dims: number[] } }>)({
        input_ids: new T.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
        attention_mask: new T.Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
      });
      return out.logits.data.subarray(out.logits.data.length - out.logits.dims[2]);
    };
    const base = await lastLogits();
    await applyToTransformers(model, demoAdapter(), { mode: 'merge', modelPath: join(PAGE_DIR, 'public', 'models', 'multilora', 'tiny-llama') });
    const adapted = await lastLogits();
    expect(web.adaptedModules).toBe(4);
    expect(web.maxAbsLogitChange).toBeGreaterThan(1e-2);
    expect(maxAbsDiff(web.baseLogits, base)).toBeLessThan(LOGIT_ATOL);
    expect(maxAbsDiff(web.adaptedLogits, adapted)).toBeLessThan(LOGIT_ATOL);
    expect(web.adaptedTokens).toHaveLength(8);
  }, 120_000);

  it('raised no uncaught errors in any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
