// `multilora merge` on the generated tiny Llama (Optimum layout): the written folder loads through
// transformers.js without the plugin and its logits equal those of the model rebuilt with
// W0 + ΔW, ΔW from core's float64 reference (atol 1e-5 + rtol 1e-5).
import { compareToReference } from '@multilora/core/testing';
import { writeAdapterFolder } from '@multilora/core/node';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../packages/cli/src/main.js';
import { capture } from './cli-helpers.js';
import { randomAdapter, referenceDeltas } from './fixtures/onnx-models/adapters.js';
import { TINY_LLAMA, addDeltas, randomWeights, writeFixtureModel } from './fixtures/onnx-models/index.js';
import { logits, maxAbsDiff, setup } from './fixtures/transformers-harness.js';

const adapter = randomAdapter(TINY_LLAMA, { targets: ['q_proj', 'v_proj', 'down_proj'], n: 2, r: 2, seed: 71 });
let env: Awaited<ReturnType<typeof setup>>;
beforeAll(async () => {
  env = await setup();
  const weights = addDeltas(randomWeights(TINY_LLAMA), referenceDeltas([{ adapter, weight: 1 }]));
  await writeFixtureModel(env.fixtures.root, 'ref/cli-merge', TINY_LLAMA, { weights, variants: ['fp32'], overwrite: true });
  await writeAdapterFolder(join(env.fixtures.root, 'adapters', 'cli-merge'), adapter);
});

describe('multilora merge', () => {
  it('writes a model folder that loads without the plugin and computes W0 + ΔW (atol 1e-5 + rtol 1e-5)', async () => {
    const out = join(env.fixtures.root, 'saved', 'cli-merged');
    const run = capture();
    const code = await main(['merge', env.fixtures.llama, join(env.fixtures.root, 'adapters', 'cli-merge'), out, '--class', 'AutoModelForCausalLM'], run.io);
    expect(code, run.errors()).toBe(0);
    expect(run.text()).toContain('merged 6 module(s)');
    expect(existsSync(join(out, 'onnx', 'model.onnx'))).toBe(true);
    expect(existsSync(join(out, 'tokenizer.json'))).toBe(true);
    const merged = await env.v4.AutoModelForCausalLM.from_pretrained('saved/cli-merged', { dtype: 'fp32' });
    const reference = await env.v4.AutoModelForCausalLM.from_pretrained('ref/cli-merge', { dtype: 'fp32' });
    const base = await env.v4.AutoModelForCausalLM.from_pretrained('multilora/tiny-llama', { dtype: 'fp32' });
    const [got, want, before] = [await logits(env.v4, merged), await logits(env.v4, reference), await logits(env.v4, base)];
    expect(maxAbsDiff(want, before)).toBeGreaterThan(1e-2);
    const cmp = compareToReference(got, want, { atol: 1e-5, rtol: 1e-5 });
    expect(cmp.ok, `max error ${cmp.maxAbsError} > ${cmp.bound}`).toBe(true);
  });

  it('bad usage exits 2 and says what to pass', async () => {
    const adapterDir = join(env.fixtures.root, 'adapters', 'cli-merge');
    const cases: [string[], RegExp][] = [
      [['merge', env.fixtures.llama, adapterDir], /expected <model-dir> <adapter-dir> <out-dir>, got 2/],
      [['merge', adapterDir, adapterDir, join(env.fixtures.root, 'x')], /is not a transformers\.js model folder; expected a folder with config\.json/],
      [['merge', env.fixtures.llama, adapterDir, join(env.fixtures.root, 'x'), '--dtype', 'q4'], /quantized models cannot be merged/],
      [['merge', env.fixtures.llama, adapterDir, join(env.fixtures.root, 'x'), '--class', 'Nope'], /--class "Nope" is not a transformers\.js model class/],
    ];
    for (const [args, message] of cases) {
      const run = capture();
      expect(await main(args, run.io)).toBe(2);
      expect(run.errors()).toMatch(message);
    }
  });
});
