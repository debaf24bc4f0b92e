// Optimum's merged decoder (decoder_model_merged.onnx: the decoders with and without past key values
// as the branches of one If), which transformers.js 2.x loads for decoders by default: every module is
// adapted in both branches. Reference: the merged-weight model (W0 + ΔW from core's float64 reference),
// atol 1e-5 + rtol 1e-5; generate() uses both branches (first step without past, then with past).
import { compareToReference } from '@multilora/core/testing';
import { applyMultiLoRA, type Mode } from '@multilora/transformers';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomAdapter, referenceDeltas } from './fixtures/onnx-models/adapters.js';
import { onnx } from './fixtures/onnx-models/graph-builder.js';
import { TINY_LLAMA, addDeltas, randomWeights, writeFixtureModel } from './fixtures/onnx-models/index.js';
import { generate, logits, maxAbsDiff, setup, type Library } from './fixtures/transformers-harness.js';

const adapter = randomAdapter(TINY_LLAMA, { targets: ['k_proj', 'v_proj', 'up_proj', 'lm_head'], seed: 91 });
let env: Awaited<ReturnType<typeof setup>>;
beforeAll(async () => {
  env = await setup();
  const weights = addDeltas(randomWeights(TINY_LLAMA), referenceDeltas([{ adapter, weight: 1 }]));
  await writeFixtureModel(env.fixtures.root, 'ref/merged-decoder', TINY_LLAMA, { weights, variants: ['fp32'], overwrite: true });
});

const cases: [Library, Mode][] = [
  ['@xenova/transformers', 'merge'], ['@xenova/transformers', 'branch'], ['@xenova/transformers', 'dynamic'],
  ['@huggingface/transformers', 'merge'], ['@huggingface/transformers', 'dynamic'],
];

describe('merged decoder (If with and without past)', () => {
  it.each(cases)('%s, %s: both branches adapted; logits and greedy tokens match the reference', async (lib, mode) => {
    const v4 = lib === '@huggingface/transformers';
    const T = v4 ? env.v4 : env.v2;
    const options = v4 ? { dtype: 'fp32', model_file_name: 'decoder_model_merged' } : { quantized: false };
    const model = await T.AutoModelForCausalLM.from_pretrained('multilora/tiny-llama', options);
    const reference = await T.AutoModelForCausalLM.from_pretrained('ref/merged-decoder', v4 ? { dtype: 'fp32' } : { quantized: false, model_file_name: 'model' });
    const base = await logits(T, model);
    const handle = await applyMultiLoRA(model, adapter, { mode, modelPath: env.fixtures.llama, dtype: 'fp32' });
    expect(handle.modules.every((m) => m.kinds.length === 2)).toBe(true);
    const expected = await logits(T, reference);
    const c = compareToReference(await logits(T, model), expected, { atol: 1e-5, rtol: 1e-5 });
    expect(c.ok, `max error ${c.maxAbsError} > bound ${c.bound}`).toBe(true);
    expect(maxAbsDiff(base, expected)).toBeGreaterThan(100 * c.bound);
    expect(await generate(lib, T, model)).toEqual(await generate(lib, T, reference));
    await handle.remove();
    expect(maxAbsDiff(await logits(T, model), base)).toBe(0);
  });

  it('q8 merged decoder in branch mode lands within 1/10 of the effect of the fp32 reference', async () => {
    const model = await env.v2.AutoModelForCausalLM.from_pretrained('multilora/tiny-llama', { quantized: true });
    const reference = await env.v2.AutoModelForCausalLM.from_pretrained('ref/merged-decoder', { quantized: false, model_file_name: 'model' });
    const base = await logits(env.v2, model);
    const handle = await applyMultiLoRA(model, adapter, { mode: 'branch', modelPath: env.fixtures.llama, dtype: 'q8' });
    expect(handle.modules.every((m) => m.kinds.join() === 'q8,q8')).toBe(true);
    const expected = await logits(env.v2, reference);
    expect(maxAbsDiff(await logits(env.v2, model), expected)).toBeLessThan(0.1 * maxAbsDiff(base, expected));
    await handle.remove();
  });

  it('merge updates each shared weight once (no private copies) and saveMerged keeps the If', async () => {
    const dir = join(env.fixtures.root, 'saved/merged-decoder');
    await rm(dir, { recursive: true, force: true });
    const model = await env.v2.AutoModelForCausalLM.from_pretrained('multilora/tiny-llama', { quantized: false });
    const handle = await applyMultiLoRA(model, adapter, { modelPath: env.fixtures.llama, dtype: 'fp32' });
    await handle.saveMerged(dir);
    const saved = onnx.ModelProto.decode(await readFile(join(dir, 'onnx', 'decoder_model_merged.onnx')));
    const source = onnx.ModelProto.decode(await readFile(join(env.fixtures.llama, 'onnx', 'decoder_model_merged.onnx')));
    expect(saved.graph!.node!.map((n) => n.opType)).toEqual(['If']);
    expect(saved.graph!.initializer!.map((t) => t.name).sort()).toEqual(source.graph!.initializer!.map((t) => t.name).sort());
    const loaded = await env.v2.AutoModelForCausalLM.from_pretrained('saved/merged-decoder', { quantized: false });
    expect(compareToReference(await logits(env.v2, loaded), await logits(env.v2, model), { atol: 1e-5, rtol: 1e-5 }).ok).toBe(true);
    await handle.remove();
  });
});
