// Adapter files: a PEFT LoRA folder (adapter_config.json + adapter_model.safetensors, written here
// by hand as PEFT writes them, with rsLoRA, rank_pattern and alpha_pattern) and a native MultiLoRA
// folder, loaded by path onto a BERT feature-extraction pipeline. Reference: the BERT fixture rebuilt
// with W0 + ΔW, ΔW = (alpha/√r) · B·A computed here in float64 from PEFT's rules (independent of
// core's parser) and core's referenceDeltaWeight for the native adapter. Tolerance atol 1e-5 + rtol 1e-5.
import { writeSafetensors } from '@multilora/core';
import { compareToReference } from '@multilora/core/testing';
import { writeAdapterFolder } from '@multilora/core/node';
import { applyMultiLoRA } from '@multilora/transformers';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SeededRandom } from '@multilora/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomAdapter, referenceDeltas } from './fixtures/onnx-models/adapters.js';
import { TINY_BERT, addDeltas, linearModules, randomWeights, writeFixtureModel } from './fixtures/onnx-models/index.js';
import { setup, type Library } from './fixtures/transformers-harness.js';

const native = randomAdapter(TINY_BERT, { targets: ['key', 'intermediate.dense'], n: 2, r: 2, seed: 71 });
let env: Awaited<ReturnType<typeof setup>>;
let peftDir: string;
let nativeDir: string;

/** Writes a PEFT LoRA folder; returns ΔW per module (float64, [out, in]) by PEFT's own rules. */
async function writePeftFolder(dir: string): Promise<Map<string, Float64Array>> {
  const config = {
    peft_type: 'LORA', task_type: 'FEATURE_EXTRACTION', base_model_name_or_path: 'multilora/tiny-bert', r: 4, lora_alpha: 8,
    use_rslora: true, target_modules: ['query', 'value', 'output.dense'], rank_pattern: { 'layer.1.attention.self.query': 2 },
    alpha_pattern: { value: 16 }, lora_dropout: 0.05, fan_in_fan_out: false, bias: 'none', inference_mode: true,
  };
  const rng = new SeededRandom(72);
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  const deltas = new Map<string, Float64Array>();
  for (const [name, [out, inF]] of linearModules(TINY_BERT)) {
    if (!config.target_modules.some((t) => name.endsWith(`.${t}`))) continue;
    const r = name === 'encoder.layer.1.attention.self.query' ? 2 : 4;
    const alpha = name.endsWith('.value') ? 16 : 8;
    const a = Float32Array.from({ length: r * inF }, () => rng.uniform(-0.5, 0.5));
    const b = Float32Array.from({ length: out * r }, () => rng.uniform(-0.5, 0.5));
    tensors[`base_model.model.${name}.lora_A.weight`] = { shape: [r, inF], data: a };
    tensors[`base_model.model.${name}.lora_B.weight`] = { shape: [out, r], data: b };
    const gamma = alpha / Math.sqrt(r);
    const delta = new Float64Array(out * inF);
    for (let o = 0; o < out; o++) for (let c = 0; c < inF; c++) {
      let acc = 0;
      for (let k = 0; k < r; k++) acc += b[o * r + k] * a[k * inF + c];
      delta[o * inF + c] = gamma * acc;
    }
    deltas.set(name, delta);
  }
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'adapter_config.json'), JSON.stringify(config, null, 2));
  await writeFile(join(dir, 'adapter_model.safetensors'), writeSafetensors(tensors, { format: 'pt' }));
  return deltas;
}

beforeAll(async () => {
  env = await setup();
  peftDir = join(env.fixtures.root, 'adapters/peft-bert');
  nativeDir = join(env.fixtures.root, 'adapters/native-bert');
  const peftDeltas = await writePeftFolder(peftDir);
  await writeAdapterFolder(nativeDir, native);
  const base = randomWeights(TINY_BERT);
  await writeFixtureModel(env.fixtures.root, 'ref/peft-bert', TINY_BERT, { weights: addDeltas(base, peftDeltas), variants: ['fp32'], overwrite: true });
  const mixed = referenceDeltas([{ adapter: native, weight: 0.5 }]);
  for (const [k, d] of peftDeltas) mixed.set(k, (mixed.get(k) ?? new Float64Array(d.length)).map((v, i) => v + d[i]));
  await writeFixtureModel(env.fixtures.root, 'ref/peft-native-bert', TINY_BERT, { weights: addDeltas(base, mixed), variants: ['fp32'], overwrite: true });
});

const tol = { atol: 1e-5, rtol: 1e-5 };
const TEXT = 'hello world, the big red tree';

describe('adapter folders on a BERT feature-extraction pipeline', () => {
  it.each([['@huggingface/transformers', 'merge'], ['@huggingface/transformers', 'branch'], ['@xenova/transformers', 'merge'], ['@xenova/transformers', 'dynamic']] as [Library, 'merge' | 'branch' | 'dynamic'][])(
    '%s, %s: a PEFT LoRA folder (rsLoRA, rank_pattern, alpha_pattern) matches the reference', async (lib, mode) => {
      const T = lib === '@huggingface/transformers' ? env.v4 : env.v2;
      const options = lib === '@huggingface/transformers' ? { dtype: 'fp32' } : { quantized: false };
      const pipe = await T.pipeline('feature-extraction', 'multilora/tiny-bert', options);
      const reference = await T.pipeline('feature-extraction', 'ref/peft-bert', options);
      const before = (await pipe(TEXT)).data as Float32Array;
      const handle = await applyMultiLoRA(pipe, peftDir, { mode, modelPath: env.fixtures.bert, dtype: 'fp32' });
      expect(handle.modules.map((m) => m.module)).toContain('encoder.layer.1.attention.output.dense');
      const expected = (await reference(TEXT)).data as Float32Array;
      const c = compareToReference((await pipe(TEXT)).data, expected, tol);
      expect(c.ok, `max error ${c.maxAbsError} > bound ${c.bound}`).toBe(true);
      expect(compareToReference(before, expected, { atol: 100 * c.bound }).ok).toBe(false);
      await handle.remove();
    });

  it('PEFT and native MultiLoRA folders mixed in dynamic mode match the reference of the mix', async () => {
    const pipe = await env.v4.pipeline('feature-extraction', 'multilora/tiny-bert', { dtype: 'fp32' });
    const handle = await applyMultiLoRA(pipe, { peft: peftDir, native: nativeDir }, { mode: 'dynamic', modelPath: env.fixtures.bert, active: { peft: 1, native: 0.5 } });
    const reference = await env.v4.pipeline('feature-extraction', 'ref/peft-native-bert', { dtype: 'fp32' });
    const c = compareToReference((await pipe(TEXT, { pooling: 'mean' })).data, (await reference(TEXT, { pooling: 'mean' })).data, tol);
    expect(c.ok, `max error ${c.maxAbsError} > bound ${c.bound}`).toBe(true);
    await handle.setAdapter('peft');
    const peftOnly = await env.v4.pipeline('feature-extraction', 'ref/peft-bert', { dtype: 'fp32' });
    const c2 = compareToReference((await pipe(TEXT)).data, (await peftOnly(TEXT)).data, tol);
    expect(c2.ok, `max error ${c2.maxAbsError} > bound ${c2.bound}`).toBe(true);
    await handle.remove();
  });
});
