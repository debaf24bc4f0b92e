// Bad input: every failure names what is wrong, and the model keeps its original sessions and still
// computes exactly what it computed before.
import { createAdapter, type Adapter } from '@multilora/core';
import { applyMultiLoRA } from '@multilora/transformers';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomAdapter } from './fixtures/onnx-models/adapters.js';
import { DT, GraphBuilder, encodeModel } from './fixtures/onnx-models/graph-builder.js';
import { TINY_LLAMA } from './fixtures/onnx-models/index.js';
import { logits, maxAbsDiff, setup } from './fixtures/transformers-harness.js';

let env: Awaited<ReturnType<typeof setup>>;
beforeAll(async () => {
  env = await setup();
});

function adapterFor(modules: { name: string; in: number; out: number }[], kind?: 'embedding'): Adapter {
  const adapter = createAdapter({ n: 1, r: 2, init: 'lora' }, modules.map((m) => ({ name: m.name, inShape: [m.in], outFeatures: m.out, kind })));
  for (const m of adapter.modules.values()) m.b.fill(0.1);
  return adapter;
}

/** Loads the tiny Llama (v4, fp32), runs `attempt`, and checks that the sessions and logits are unchanged. */
async function expectUntouched(attempt: (model: unknown) => Promise<unknown>, expected: object) {
  const model = await env.v4.AutoModelForCausalLM.from_pretrained('multilora/tiny-llama', { dtype: 'fp32' });
  const session = model.sessions.model;
  const before = await logits(env.v4, model);
  const error = await attempt(model).then(() => undefined, (e: unknown) => e);
  expect(error).toMatchObject(expected);
  expect(model.sessions.model).toBe(session);
  expect(maxAbsDiff(await logits(env.v4, model), before)).toBe(0);
  return error as Error;
}

describe('applyMultiLoRA on bad input', () => {
  it('a module that maps to no node: ONNX_NODE_NOT_FOUND listing the nearest node names', async () => {
    const bad = adapterFor([{ name: 'model.layers.0.self_attn.qproj', in: 32, out: 32 }]);
    const e = await expectUntouched((m) => applyMultiLoRA(m, bad, { modelPath: env.fixtures.llama }), { code: 'ONNX_NODE_NOT_FOUND' });
    expect(e.message).toContain('model.layers.0.self_attn.qproj');
    expect(e.message).toContain('"/model/layers.0/self_attn/q_proj/MatMul"');
  });

  it('a shape mismatch: SHAPE_MISMATCH naming both shapes', async () => {
    const bad = adapterFor([{ name: 'model.layers.1.mlp.up_proj', in: 32, out: 48 }]);
    const e = await expectUntouched((m) => applyMultiLoRA(m, bad, { modelPath: env.fixtures.llama }), { code: 'SHAPE_MISMATCH' });
    expect(e.message).toMatch(/\[out=48, in=32\]/);
    expect(e.message).toMatch(/\[in=32\] → \[out=64\]/);
  });

  it('merge into quantized weights: ONNX_UNSUPPORTED_OP naming the op; ambiguous scopes: ONNX_AMBIGUOUS_NODE', async () => {
    const model = await env.v4.AutoModelForCausalLM.from_pretrained('multilora/tiny-llama', { dtype: 'q8' });
    const session = model.sessions.model;
    const adapter = randomAdapter(TINY_LLAMA, { targets: ['q_proj'], seed: 3 });
    await expect(applyMultiLoRA(model, adapter, { mode: 'merge', modelPath: env.fixtures.llama })).rejects.toMatchObject({
      code: 'ONNX_UNSUPPORTED_OP', message: expect.stringContaining('MatMulInteger'),
    });
    const attention = adapterFor([{ name: 'model.layers.0.self_attn', in: 32, out: 32 }]);
    await expect(applyMultiLoRA(model, attention, { mode: 'branch', modelPath: env.fixtures.llama })).rejects.toMatchObject({
      code: 'ONNX_AMBIGUOUS_NODE', message: expect.stringContaining('/model/layers.0/self_attn/MatMul_1'),
    });
    expect(model.sessions.model).toBe(session);
  });

  it('a linear op with a computed weight: ONNX_UNSUPPORTED_OP naming the node and op', async () => {
    const b = new GraphBuilder('g');
    b.input('x', DT.FLOAT, ['batch', 4]);
    b.output('y', DT.FLOAT, ['batch', 3]);
    const w = b.op1('/fc', 'Identity', [b.initializer('w', DT.FLOAT, [4, 3], new Float32Array(12).fill(0.5))]);
    b.op('/fc', 'MatMul', ['x', w], {}, { outputs: ['y'] });
    const bytes = encodeModel(b.model());
    const fake = { sessions: { model: await ort.InferenceSession.create(bytes) } };
    await expect(applyMultiLoRA(fake, adapterFor([{ name: 'fc', in: 4, out: 3 }]), { files: { model: bytes } })).rejects.toMatchObject({
      code: 'ONNX_UNSUPPORTED_OP', message: expect.stringMatching(/"\/fc\/MatMul" \(MatMul\).*computed/),
    });
  });

  it('a merge that overflows: ADAPTER_NOT_FINITE, nothing changed', async () => {
    const huge = randomAdapter(TINY_LLAMA, { targets: ['o_proj'], seed: 4 });
    for (const m of huge.modules.values()) m.scale.fill(3e38);
    await expectUntouched((m) => applyMultiLoRA(m, huge, { modelPath: env.fixtures.llama }), { code: 'ADAPTER_NOT_FINITE' });
  });

  it('an embedding adapter: UNSUPPORTED_LAYER', async () => {
    const emb = adapterFor([{ name: 'model.embed_tokens', in: 100, out: 32 }], 'embedding');
    await expectUntouched((m) => applyMultiLoRA(m, emb, { modelPath: env.fixtures.llama }), { code: 'UNSUPPORTED_LAYER' });
  });

  it('no modelPath or files: ONNX_MODEL_FILE_NOT_FOUND saying what to pass; a wrong folder lists its files', async () => {
    const adapter = randomAdapter(TINY_LLAMA, { targets: ['q_proj'], seed: 3 });
    const e = await expectUntouched((m) => applyMultiLoRA(m, adapter), { code: 'ONNX_MODEL_FILE_NOT_FOUND' });
    expect(e.message).toContain('modelPath');
    const e2 = await expectUntouched((m) => applyMultiLoRA(m, adapter, { modelPath: env.fixtures.bert }), { code: 'ONNX_MODEL_FILE_NOT_FOUND' });
    expect(e2.message).toContain('"model_q4.onnx"');
  });

  it('transformers.js 2.x without dtype when both model.onnx and model_quantized.onnx fit: asks for dtype', async () => {
    const model = await env.v2.AutoModelForCausalLM.from_pretrained('multilora/tiny-llama', { quantized: false, model_file_name: 'model' });
    const adapter = randomAdapter(TINY_LLAMA, { targets: ['q_proj'], seed: 3 });
    await expect(applyMultiLoRA(model, adapter, { modelPath: env.fixtures.llama })).rejects.toMatchObject({
      code: 'ONNX_MODEL_FILE_NOT_FOUND', message: expect.stringContaining('Pass dtype'),
    });
  });

  it('applying twice, and unknown adapters in a mix, are refused', async () => {
    const model = await env.v4.AutoModelForCausalLM.from_pretrained('multilora/tiny-llama', { dtype: 'fp32' });
    const adapter = randomAdapter(TINY_LLAMA, { targets: ['q_proj'], seed: 3 });
    const handle = await applyMultiLoRA(model, { x: adapter }, { mode: 'dynamic', modelPath: env.fixtures.llama });
    await expect(applyMultiLoRA(model, adapter, { modelPath: env.fixtures.llama })).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await expect(handle.setAdapter('y')).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('"x"') });
    await expect(handle.setAdapter({ x: Number.NaN })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    await expect(applyMultiLoRA(model, adapter, { mode: 'fast' as never })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    await handle.remove();
    const again = await applyMultiLoRA(model, adapter, { modelPath: env.fixtures.llama });
    await again.remove();
  });
});
