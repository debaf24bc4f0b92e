// Branch mode through transformers.js's from_pretrained on fp32 and quantized bases (q8:
// DynamicQuantizeLinear → MatMulInteger; q4: MatMulNBits), both generations (2.x has no MatMulNBits:
// its onnxruntime 1.14 predates it). References: fp32 and q4 against a generator-built model with the
// same base weights (for q4: the dequantized ones) + ΔW from core's float64 reference; q8 quantizes the
// activations, so its check is relative: the adapted q8 model lands within 10% of the adapter's effect
// from the fp32 reference (the exact per-layer check is in transformers-graph.test.ts).
import { compareToReference } from '@multilora/core/testing';
import { applyMultiLoRA } from '@multilora/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomAdapter, referenceDeltas } from './fixtures/onnx-models/adapters.js';
import { TINY_LLAMA, addDeltas, dequantizeQ4Weights, randomWeights, writeFixtureModel } from './fixtures/onnx-models/index.js';
import { generate, loadOptions, logits, maxAbsDiff, setup, type Library } from './fixtures/transformers-harness.js';

const adapter = randomAdapter(TINY_LLAMA, { targets: ['q_proj', 'k_proj', 'gate_proj', 'down_proj', 'lm_head'], n: 3, r: 2, scaleMode: 'channel', seed: 41 });
let env: Awaited<ReturnType<typeof setup>>;

beforeAll(async () => {
  env = await setup();
  const deltas = referenceDeltas([{ adapter, weight: 1 }]);
  const base = randomWeights(TINY_LLAMA);
  await writeFixtureModel(env.fixtures.root, 'ref/branch-llama', TINY_LLAMA, { weights: addDeltas(base, deltas), variants: ['fp32'], overwrite: true });
  await writeFixtureModel(env.fixtures.root, 'ref/branch-llama-q4', TINY_LLAMA, { weights: addDeltas(dequantizeQ4Weights(TINY_LLAMA, base), deltas), variants: ['fp32'], overwrite: true });
});

const cases: [Library, string][] = [
  ['@huggingface/transformers', 'fp32'], ['@huggingface/transformers', 'q8'], ['@huggingface/transformers', 'q4'],
  ['@xenova/transformers', 'fp32'], ['@xenova/transformers', 'q8'],
];

describe('branch mode', () => {
  it.each(cases)('%s, %s base: logits match the reference (fp32, q4: atol 1e-5 + rtol 1e-5; q8: error under 1/10 of the effect)', async (lib, dtype) => {
    const T = lib === '@huggingface/transformers' ? env.v4 : env.v2;
    const model = await T.AutoModelForCausalLM.from_pretrained('multilora/tiny-llama', loadOptions(lib, dtype));
    const reference = await T.AutoModelForCausalLM.from_pretrained(dtype === 'q4' ? 'ref/branch-llama-q4' : 'ref/branch-llama', loadOptions(lib, 'fp32'));
    const base = await logits(T, model);
    const expected = await logits(T, reference);
    const handle = await applyMultiLoRA(model, adapter, { mode: 'branch', modelPath: env.fixtures.llama, dtype: lib === '@xenova/transformers' ? dtype : undefined });
    const kind = dtype === 'fp32' ? 'matmul' : dtype;
    expect(handle.modules.every((m) => m.kinds.every((k) => k === kind))).toBe(true);
    const actual = await logits(T, model);
    const effect = maxAbsDiff(base, expected);
    if (dtype === 'q8') {
      expect(maxAbsDiff(actual, expected)).toBeLessThan(0.1 * effect);
    } else {
      const c = compareToReference(actual, expected, { atol: 1e-5, rtol: 1e-5 });
      expect(c.ok, `max error ${c.maxAbsError} > bound ${c.bound}`).toBe(true);
      expect(effect).toBeGreaterThan(100 * c.bound);
      expect(await generate(lib, T, model)).toEqual(await generate(lib, T, reference));
    }
    await handle.remove();
    expect(maxAbsDiff(await logits(T, model), base)).toBe(0);
  });

  it('works on a pipeline: text-generation with a branch on the q4 model', async () => {
    const pipe = await env.v4.pipeline('text-generation', 'multilora/tiny-llama', { dtype: 'q4' });
    const before = await pipe('the cat sat', { max_new_tokens: 4, min_new_tokens: 4, do_sample: false });
    const handle = await applyMultiLoRA(pipe, adapter, { mode: 'branch', modelPath: env.fixtures.llama });
    const reference = await env.v4.pipeline('text-generation', 'ref/branch-llama-q4', { dtype: 'fp32' });
    const after = await pipe('the cat sat', { max_new_tokens: 4, min_new_tokens: 4, do_sample: false });
    expect(after).toEqual(await reference('the cat sat', { max_new_tokens: 4, min_new_tokens: 4, do_sample: false }));
    expect(after).not.toEqual(before);
    await handle.remove();
  });
});

