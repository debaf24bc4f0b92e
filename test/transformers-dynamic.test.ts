// Dynamic mode: two adapters (partly overlapping modules) fed at run time; switching and mixing
// without rebuilding a session. References: generator-built models with W0 + Σ w_k ΔW_k (ΔW from
// core's float64 reference). Tolerances: fp32 atol 1e-5 + rtol 1e-5; q4 against its dequantized base.
import { compareToReference } from '@multilora/core/testing';
import { applyMultiLoRA } from '@multilora/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomAdapter, referenceDeltas } from './fixtures/onnx-models/adapters.js';
import { TINY_LLAMA, addDeltas, dequantizeQ4Weights, randomWeights, writeFixtureModel } from './fixtures/onnx-models/index.js';
import { LIBRARIES, generate, loadOptions, logits, maxAbsDiff, setup } from './fixtures/transformers-harness.js';

const a = randomAdapter(TINY_LLAMA, { targets: ['q_proj', 'v_proj', 'lm_head'], n: 2, r: 2, seed: 51 });
const b = randomAdapter(TINY_LLAMA, { targets: ['v_proj', 'up_proj', 'down_proj'], n: 1, r: 4, scaleMode: 'channel', seed: 52 });
const mixes: Record<string, Record<string, number>> = { a: { a: 1 }, b: { b: 1 }, mix: { a: 0.5, b: -1 } };
let env: Awaited<ReturnType<typeof setup>>;

beforeAll(async () => {
  env = await setup();
  const base = randomWeights(TINY_LLAMA);
  const q4 = dequantizeQ4Weights(TINY_LLAMA, base);
  for (const [name, mix] of Object.entries(mixes)) {
    const deltas = referenceDeltas(Object.entries(mix).map(([k, weight]) => ({ adapter: k === 'a' ? a : b, weight })));
    await writeFixtureModel(env.fixtures.root, `ref/dynamic-${name}`, TINY_LLAMA, { weights: addDeltas(base, deltas), variants: ['fp32'], overwrite: true });
    if (name === 'mix') await writeFixtureModel(env.fixtures.root, 'ref/dynamic-mix-q4', TINY_LLAMA, { weights: addDeltas(q4, deltas), variants: ['fp32'], overwrite: true });
  }
});

const tol = { atol: 1e-5, rtol: 1e-5 };

describe.each(LIBRARIES)('dynamic mode, %s', (lib) => {
  const T = () => (lib === '@huggingface/transformers' ? env.v4 : env.v2);
  const sessionOf = (model: Record<string, unknown>) => (lib === '@huggingface/transformers' ? (model.sessions as Record<string, unknown>).model : model.session);

  it('setAdapter switches and mixes without a new session; each state matches its reference (atol 1e-5 + rtol 1e-5)', async () => {
    const model = await T().AutoModelForCausalLM.from_pretrained('multilora/tiny-llama', loadOptions(lib, 'fp32'));
    const base = await logits(T(), model);
    const handle = await applyMultiLoRA(model, { a, b }, { mode: 'dynamic', modelPath: env.fixtures.llama, dtype: 'fp32' });
    expect(handle.adapters).toEqual(['a', 'b']);
    expect(handle.active).toEqual({ a: 1 });
    const session = sessionOf(model);
    for (const name of ['a', 'b', 'mix', 'a']) {
      await handle.setAdapter(name === 'mix' ? mixes.mix : name);
      expect(sessionOf(model)).toBe(session);
      const reference = await T().AutoModelForCausalLM.from_pretrained(`ref/dynamic-${name}`, loadOptions(lib, 'fp32'));
      const c = compareToReference(await logits(T(), model), await logits(T(), reference), tol);
      expect(c.ok, `${name}: max error ${c.maxAbsError} > bound ${c.bound}`).toBe(true);
      expect(maxAbsDiff(base, await logits(T(), reference))).toBeGreaterThan(100 * c.bound);
    }
    await handle.disable();
    expect(maxAbsDiff(await logits(T(), model), base)).toBe(0);
    await handle.setAdapter({ a: 0 });
    expect(sessionOf(model)).toBe(session);
    expect(maxAbsDiff(await logits(T(), model), base)).toBeLessThan(1e-5);
    await handle.remove();
    expect(sessionOf(model)).not.toBe(session);
    expect(maxAbsDiff(await logits(T(), model), base)).toBe(0);
    await expect(handle.setAdapter('a')).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });

  it('generate() follows the active mix', async () => {
    const model = await T().AutoModelForCausalLM.from_pretrained('multilora/tiny-llama', loadOptions(lib, 'fp32'));
    const handle = await applyMultiLoRA(model, { a, b }, { mode: 'dynamic', modelPath: env.fixtures.llama, dtype: 'fp32', active: mixes.mix });
    const reference = await T().AutoModelForCausalLM.from_pretrained('ref/dynamic-mix', loadOptions(lib, 'fp32'));
    expect(await generate(lib, T(), model)).toEqual(await generate(lib, T(), reference));
    await handle.setAdapter('b');
    const refB = await T().AutoModelForCausalLM.from_pretrained('ref/dynamic-b', loadOptions(lib, 'fp32'));
    expect(await generate(lib, T(), model)).toEqual(await generate(lib, T(), refB));
    await handle.remove();
  });
});

describe('dynamic mode on a q4 base', () => {
  it('a mix on MatMulNBits layers matches the dequantized-base reference (atol 1e-5 + rtol 1e-5)', async () => {
    const model = await env.v4.AutoModelForCausalLM.from_pretrained('multilora/tiny-llama', { dtype: 'q4' });
    const handle = await applyMultiLoRA(model, { a, b }, { mode: 'dynamic', modelPath: env.fixtures.llama, active: mixes.mix });
    expect(handle.modules.every((m) => m.kinds.every((k) => k === 'q4'))).toBe(true);
    const reference = await env.v4.AutoModelForCausalLM.from_pretrained('ref/dynamic-mix-q4', { dtype: 'fp32' });
    const c = compareToReference(await logits(env.v4, model), await logits(env.v4, reference), tol);
    expect(c.ok, `max error ${c.maxAbsError} > bound ${c.bound}`).toBe(true);
    await handle.remove();
  });
});
