// Merge mode through transformers.js's own from_pretrained (both generations): W0 + ΔW written into
// the fp32 / fp16 initializers. Reference: the fixture model rebuilt by the generator with
// W0 + ΔW, ΔW from core's float64 referenceDeltaWeight (independent of the plugin's graph code).
import { compareToReference } from '@multilora/core/testing';
import { applyMultiLoRA } from '@multilora/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomAdapter, referenceDeltas } from './fixtures/onnx-models/adapters.js';
import { TINY_LLAMA, addDeltas, randomWeights, writeFixtureModel } from './fixtures/onnx-models/index.js';
import { LIBRARIES, generate, loadOptions, logits, maxAbsDiff, setup } from './fixtures/transformers-harness.js';

const adapter = randomAdapter(TINY_LLAMA, { targets: ['q_proj', 'v_proj', 'o_proj', 'down_proj', 'lm_head'], n: 2, r: 2, seed: 21 });
let env: Awaited<ReturnType<typeof setup>>;

beforeAll(async () => {
  env = await setup();
  const weights = addDeltas(randomWeights(TINY_LLAMA), referenceDeltas([{ adapter, weight: 1 }]));
  await writeFixtureModel(env.fixtures.root, 'ref/merge-llama', TINY_LLAMA, { weights, variants: ['fp32', 'fp16'], overwrite: true });
});

describe.each(LIBRARIES)('merge mode, %s', (lib) => {
  const T = () => (lib === '@huggingface/transformers' ? env.v4 : env.v2);
  const dtypes = lib === '@huggingface/transformers' ? ['fp32', 'fp16'] : ['fp32'];

  it.each(dtypes)('%s: logits equal the merged-weight model (fp32: atol 1e-5 + rtol 1e-5; fp16: rtol 3e-3)', async (dtype) => {
    const model = await T().AutoModelForCausalLM.from_pretrained('multilora/tiny-llama', loadOptions(lib, dtype));
    const reference = await T().AutoModelForCausalLM.from_pretrained('ref/merge-llama', loadOptions(lib, dtype));
    const base = await logits(T(), model);
    const expected = await logits(T(), reference);
    const handle = await applyMultiLoRA(model, adapter, { mode: 'merge', modelPath: env.fixtures.llama, dtype: lib === '@xenova/transformers' ? dtype : undefined });
    expect(handle.modules.map((m) => m.module)).toHaveLength(adapter.modules.size);
    expect(handle.modules.every((m) => m.kinds.every((k) => k === 'matmul'))).toBe(true);
    const actual = await logits(T(), model);
    const tol = dtype === 'fp32' ? { atol: 1e-5, rtol: 1e-5 } : { rtol: 3e-3 };
    const c = compareToReference(actual, expected, tol);
    expect(c.ok, `max error ${c.maxAbsError} > bound ${c.bound}`).toBe(true);
    // The adapter matters: the base model is far from the reference.
    expect(maxAbsDiff(base, expected)).toBeGreaterThan(100 * c.bound);
    await handle.remove();
    expect(maxAbsDiff(await logits(T(), model), base)).toBe(0);
  });

  it('generate() produces the reference model\'s greedy tokens; disable() and setAdapter() switch back and forth', async () => {
    const model = await T().AutoModelForCausalLM.from_pretrained('multilora/tiny-llama', loadOptions(lib, 'fp32'));
    const reference = await T().AutoModelForCausalLM.from_pretrained('ref/merge-llama', loadOptions(lib, 'fp32'));
    const baseTokens = await generate(lib, T(), model);
    const handle = await applyMultiLoRA(model, { task: adapter }, { modelPath: env.fixtures.llama, dtype: 'fp32' });
    expect(handle.mode).toBe('merge');
    expect(handle.active).toEqual({ task: 1 });
    const refTokens = await generate(lib, T(), reference);
    expect(await generate(lib, T(), model)).toEqual(refTokens);
    expect(refTokens).not.toEqual(baseTokens);
    await handle.disable();
    expect(handle.active).toBeNull();
    expect(await generate(lib, T(), model)).toEqual(baseTokens);
    await handle.setAdapter('task');
    expect(await generate(lib, T(), model)).toEqual(refTokens);
    await handle.remove();
  });
});
