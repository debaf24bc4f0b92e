// The fixture generator writes small but real models: Optimum's names and layout, loadable by both
// transformers.js generations in every dtype, a KV cache and padding mask that behave as a decoder's
// must (incremental decoding = full pass, left padding = no padding, atol 1e-5), and a q4 file that
// computes exactly the fp32 model of its dequantized weights (atol 1e-5 + rtol 1e-5: ORT's
// MatMulNBits contract as ContribOperators.md states it).
import { compareToReference } from '@multilora/core/testing';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { onnx } from './fixtures/onnx-models/graph-builder.js';
import { TINY_LLAMA, dequantizeQ4Weights, randomWeights, writeFixtureModel } from './fixtures/onnx-models/index.js';
import { generate, loadOptions, logits, setup, type Library } from './fixtures/transformers-harness.js';

let env: Awaited<ReturnType<typeof setup>>;
beforeAll(async () => {
  env = await setup();
  await writeFixtureModel(env.fixtures.root, 'ref/fixture-q4-dequantized', TINY_LLAMA, { weights: dequantizeQ4Weights(TINY_LLAMA, randomWeights(TINY_LLAMA)), variants: ['fp32'], overwrite: true });
});

const { numLayers: L, numKvHeads: H, hiddenSize, numHeads, vocabSize: V } = TINY_LLAMA;
const hd = hiddenSize / numHeads;

async function decoderRun(session: ort.InferenceSession, ids: number[][], mask: number[][], past?: Record<string, ort.Tensor>, pastLen = 0) {
  const B = ids.length;
  const S = ids[0].length;
  const i64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);
  const positions = mask.map((row) => {
    let p = 0;
    return row.map((m) => (m ? p++ : 1));
  }).map((row) => row.slice(row.length - S));
  const feeds: Record<string, ort.Tensor> = { input_ids: i64(ids), attention_mask: i64(mask), position_ids: i64(positions) };
  for (let i = 0; i < L; i++) {
    for (const kv of ['key', 'value']) {
      feeds[`past_key_values.${i}.${kv}`] = past?.[`present.${i}.${kv}`] ?? new ort.Tensor('float32', new Float32Array(0), [B, H, pastLen, hd]);
    }
  }
  return session.run(feeds);
}

describe('fixture models', () => {
  it('use Optimum\'s node names and initializer layout in every variant', async () => {
    const read = async (file: string) => onnx.ModelProto.decode(await readFile(join(env.fixtures.llama, 'onnx', file)));
    const fp32 = await read('model.onnx');
    const q = fp32.graph!.node!.find((n) => n.name === '/model/layers.0/self_attn/q_proj/MatMul')!;
    const w = fp32.graph!.initializer!.find((t) => t.name === q.input![1])!;
    expect(w.name).toMatch(/^onnx::MatMul_\d+$/);
    expect(w.dims!.map(Number)).toEqual([32, 32]);
    const gate = fp32.graph!.initializer!.find((t) => t.name === fp32.graph!.node!.find((n) => n.name === '/model/layers.1/mlp/gate_proj/MatMul')!.input![1])!;
    expect(gate.dims!.map(Number)).toEqual([32, 64]);
    const q8 = await read('model_quantized.onnx');
    expect(q8.graph!.node!.find((n) => n.name === '/model/layers.0/self_attn/q_proj/MatMul_quant')?.opType).toBe('MatMulInteger');
    const q4 = await read('model_q4.onnx');
    const nbits = q4.graph!.node!.find((n) => n.name === '/model/layers.0/self_attn/q_proj/MatMul_Q4')!;
    expect([nbits.opType, nbits.domain]).toEqual(['MatMulNBits', 'com.microsoft']);
    const fp16 = await read('model_fp16.onnx');
    expect(fp16.graph!.initializer!.find((t) => t.name === w.name)!.dataType).toBe(10);
  });

  it('incremental decoding with past key values equals the full pass; left padding changes nothing (atol 1e-5)', async () => {
    const session = await ort.InferenceSession.create(join(env.fixtures.llama, 'onnx', 'model.onnx'));
    const ids = [1, 7, 12, 30, 44, 9];
    const full = await decoderRun(session, [ids], [ids.map(() => 1)]);
    const prefix = await decoderRun(session, [ids.slice(0, -1)], [ids.slice(0, -1).map(() => 1)]);
    const step = await decoderRun(session, [ids.slice(-1)], [ids.map(() => 1)], prefix as Record<string, ort.Tensor>, ids.length - 1);
    const last = (full.logits.data as Float32Array).slice((ids.length - 1) * V);
    expect(compareToReference(step.logits.data as Float32Array, last, { atol: 1e-5 }).ok).toBe(true);
    expect(step['present.1.value'].dims).toEqual([1, H, ids.length, hd]);
    const padded = await decoderRun(session, [[0, 0, ...ids], [5, 6, 7, 8, 9, 10, 11, 12]], [[0, 0, ...ids.map(() => 1)], Array(8).fill(1)]);
    const paddedLast = (padded.logits.data as Float32Array).slice(7 * V, 8 * V);
    expect(compareToReference(paddedLast, last, { atol: 1e-5 }).ok).toBe(true);
    await session.release();
  });

  it('q4 (MatMulNBits, block 32) computes the fp32 model of its dequantized weights (atol 1e-5 + rtol 1e-5)', async () => {
    const q4 = await env.v4.AutoModelForCausalLM.from_pretrained('multilora/tiny-llama', { dtype: 'q4' });
    const ref = await env.v4.AutoModelForCausalLM.from_pretrained('ref/fixture-q4-dequantized', { dtype: 'fp32' });
    const c = compareToReference(await logits(env.v4, q4), await logits(env.v4, ref), { atol: 1e-5, rtol: 1e-5 });
    expect(c.ok, `max error ${c.maxAbsError}`).toBe(true);
  });

  it.each([
    ['@huggingface/transformers', 'fp32'], ['@huggingface/transformers', 'fp16'], ['@huggingface/transformers', 'q8'],
    ['@huggingface/transformers', 'q4'], ['@xenova/transformers', 'fp32'], ['@xenova/transformers', 'q8'],
  ] as [Library, string][])('%s loads the %s decoder and BERT encoder; generate() runs; close to fp32 (fp16 rtol 5e-3, q8 rtol 5e-2, q4 rtol 0.3)', async (lib, dtype) => {
    const T = lib === '@huggingface/transformers' ? env.v4 : env.v2;
    const model = await T.AutoModelForCausalLM.from_pretrained('multilora/tiny-llama', loadOptions(lib, dtype));
    const fp32 = await T.AutoModelForCausalLM.from_pretrained('multilora/tiny-llama', loadOptions(lib, 'fp32'));
    const rtol = { fp32: 0, fp16: 5e-3, q8: 5e-2, q4: 0.3 }[dtype]!;
    expect(compareToReference(await logits(T, model), await logits(T, fp32), { atol: 1e-6, rtol }).ok).toBe(true);
    const tokens = await generate(lib, T, model, 5);
    expect(tokens).toHaveLength(6 + 5);
    const tokenizer = await T.AutoTokenizer.from_pretrained('multilora/tiny-llama');
    expect(tokenizer('the cat sat').input_ids.tolist()[0].map(Number)).toEqual([1, 3, 5, 7]);
    const extractor = await T.pipeline('feature-extraction', 'multilora/tiny-bert', lib === '@huggingface/transformers' ? { dtype } : { quantized: dtype === 'q8' });
    const features = await extractor('hello world', { pooling: 'mean', normalize: true });
    expect(features.dims).toEqual([1, 32]);
  });
});
