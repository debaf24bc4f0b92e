// saveMerged writes a model folder that transformers.js loads with no plugin: float layers get
// W0 + ΔW, quantized layers a constant branch. Reference: the adapted model itself (atol 1e-5 +
// rtol 1e-5: the merged weights are rounded once to float32 where the branch adds in the graph).
import { compareToReference } from '@multilora/core/testing';
import { applyMultiLoRA } from '@multilora/transformers';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomAdapter } from './fixtures/onnx-models/adapters.js';
import { TINY_LLAMA } from './fixtures/onnx-models/index.js';
import { generate, logits, setup } from './fixtures/transformers-harness.js';

const a = randomAdapter(TINY_LLAMA, { targets: ['q_proj', 'k_proj', 'v_proj', 'up_proj'], seed: 61 });
const b = randomAdapter(TINY_LLAMA, { targets: ['o_proj', 'down_proj', 'lm_head'], n: 1, r: 3, seed: 62 });
let env: Awaited<ReturnType<typeof setup>>;
beforeAll(async () => {
  env = await setup();
});

const tol = { atol: 1e-5, rtol: 1e-5 };

describe('saveMerged', () => {
  it.each([['merge', 'fp32'], ['dynamic', 'fp32'], ['dynamic', 'q4'], ['branch', 'q8']] as const)(
    '%s mode on %s: the saved folder loads without the plugin and computes what the adapted model computes', async (mode, dtype) => {
      const id = `saved/${mode}-${dtype}`;
      const dir = join(env.fixtures.root, id);
      await rm(dir, { recursive: true, force: true });
      const model = await env.v4.AutoModelForCausalLM.from_pretrained('multilora/tiny-llama', { dtype });
      const handle = await applyMultiLoRA(model, { a, b }, { mode, modelPath: env.fixtures.llama, active: { a: 0.7, b: 1.3 } });
      const expected = await logits(env.v4, model);
      await handle.saveMerged(dir);
      const files = await readdir(dir);
      expect(files).toEqual(expect.arrayContaining(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json', 'onnx']));
      const file = { fp32: 'model.onnx', q4: 'model_q4.onnx', q8: 'model_quantized.onnx' }[dtype];
      expect(await readdir(join(dir, 'onnx'))).toEqual([file]);
      const saved = await env.v4.AutoModelForCausalLM.from_pretrained(id, { dtype });
      const c = compareToReference(await logits(env.v4, saved), expected, tol);
      expect(c.ok, `max error ${c.maxAbsError} > bound ${c.bound}`).toBe(true);
      expect(await generate('@huggingface/transformers', env.v4, saved)).toEqual(await generate('@huggingface/transformers', env.v4, model));
      const tokenizer = await env.v4.AutoTokenizer.from_pretrained(id);
      expect(tokenizer.decode(tokenizer('the cat sat').input_ids.tolist()[0].map(Number), { skip_special_tokens: true })).toBe('the cat sat');
      await handle.remove();
    });

  it('saves a given mix while disabled, and transformers.js 2.x loads the saved fp32 folder', async () => {
    const dir = join(env.fixtures.root, 'saved/v2-mix');
    await rm(dir, { recursive: true, force: true });
    const model = await env.v2.AutoModelForCausalLM.from_pretrained('multilora/tiny-llama', { quantized: false, model_file_name: 'model' });
    const handle = await applyMultiLoRA(model, { a, b }, { mode: 'dynamic', modelPath: env.fixtures.llama, dtype: 'fp32' });
    await handle.setAdapter({ b: -0.5 });
    const expected = await logits(env.v2, model);
    await handle.disable();
    await expect(handle.saveMerged(dir)).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await handle.saveMerged(dir, { mix: { b: -0.5 } });
    const saved = await env.v2.AutoModelForCausalLM.from_pretrained('saved/v2-mix', { quantized: false, model_file_name: 'model' });
    const c = compareToReference(await logits(env.v2, saved), expected, tol);
    expect(c.ok, `max error ${c.maxAbsError} > bound ${c.bound}`).toBe(true);
    await handle.remove();
  });
});
