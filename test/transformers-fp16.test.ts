// fp16 merged decoders (Optimum's decoder_model_merged_fp16.onnx, the If with and without past in
// float16; seq2seq also encoder_model_fp16.onnx) loaded by transformers.js 4.x with dtype 'fp16'
// (@xenova/transformers 2.17 has no fp16 option: it loads `<stem>{,_quantized}.onnx` only). One
// adapter in merge, branch and dynamic modes; reference: the fp32 model of W0 + ΔW (ΔW from core's
// float64 reference). Tolerance: the fp16 model differs from its fp32 model by rounding alone, each
// rounding off by up to u = 2⁻¹¹ (fp16's unit roundoff) relative to the value rounded; with the
// logits' scale max |reference logit| ≈ 3 and errors that partly cancel over the roundings on the path
// (weights, activations, two layers, norms, softmax), the bound is rtol 16u ≈ 7.8e-3 of max |reference
// logit| (measured: 1.7u to 2.8u for Llama and BART, 4.1u for T5, the same for the no-past and with-past branches); the adapter's
// effect on the logits must exceed 20 times that bound (measured: over 100 times).
import { f16ToNumber } from '@multilora/core';
import { compareToReference } from '@multilora/core/testing';
import { applyMultiLoRA, type Mode } from '@multilora/transformers';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomAdapter, referenceDeltas } from './fixtures/onnx-models/adapters.js';
import { DT, onnx, type GraphProto, type NodeProto, type TensorProto } from './fixtures/onnx-models/graph-builder.js';
import { TINY_BART, TINY_LLAMA, TINY_T5, addDeltas, randomWeights, scopeOf, writeFixtureModel } from './fixtures/onnx-models/index.js';
import { maxAbsDiff, prompt, seq2seqLogits, setup, type Seq2SeqIds } from './fixtures/transformers-harness.js';

const U = 2 ** -11;
const tol = { rtol: 16 * U };
const MODES: Mode[] = ['merge', 'branch', 'dynamic'];
const llamaAdapter = randomAdapter(TINY_LLAMA, { targets: ['q_proj', 'v_proj', 'up_proj', 'lm_head'], n: 2, r: 2, seed: 131 });
const BART_MODULES = ['model.encoder.layers.0.self_attn.q_proj', 'model.encoder.layers.1.fc2', 'model.decoder.layers.0.self_attn.k_proj',
  'model.decoder.layers.1.fc1', 'model.decoder.layers.1.encoder_attn.v_proj'];
const bartAdapter = randomAdapter(TINY_BART, { targets: BART_MODULES, n: 2, r: 2, seed: 141 });
const T5_MODULES = ['encoder.block.0.layer.0.SelfAttention.q', 'encoder.block.1.layer.1.DenseReluDense.wi_0',
  'decoder.block.0.layer.0.SelfAttention.k', 'decoder.block.1.layer.1.EncDecAttention.q', 'decoder.block.1.layer.2.DenseReluDense.wo'];
const t5Adapter = randomAdapter(TINY_T5, { targets: T5_MODULES, n: 2, r: 2, seed: 161 });
/** T5's ids: `…</s>` (eos 1) for the encoder, decoder_start_token_id 0 first for the decoder. */
const T5_IDS: Seq2SeqIds = { encoder: [5, 9, 22, 31, 47, 1], decoder: [0, 7, 13, 40], step: 21 };

let env: Awaited<ReturnType<typeof setup>>;
beforeAll(async () => {
  env = await setup();
  const llama = addDeltas(randomWeights(TINY_LLAMA), referenceDeltas([{ adapter: llamaAdapter, weight: 1 }]));
  const bart = addDeltas(randomWeights(TINY_BART), referenceDeltas([{ adapter: bartAdapter, weight: 1 }]));
  const t5 = addDeltas(randomWeights(TINY_T5), referenceDeltas([{ adapter: t5Adapter, weight: 1 }]));
  await writeFixtureModel(env.fixtures.root, 'ref/fp16-llama', TINY_LLAMA, { weights: llama, variants: ['fp32'], overwrite: true });
  await writeFixtureModel(env.fixtures.root, 'ref/fp16-bart', TINY_BART, { weights: bart, variants: ['fp32'], overwrite: true });
  await writeFixtureModel(env.fixtures.root, 'ref/fp16-t5', TINY_T5, { weights: t5, variants: ['fp32'], overwrite: true });
});

const loadLlama = (id: string, dtype: string) =>
  env.v4.AutoModelForCausalLM.from_pretrained(id, dtype === 'fp16' ? { dtype, model_file_name: 'decoder_model_merged' } : { dtype });
const loadSeq2Seq = (id: string, dtype: string) => env.v4.AutoModelForSeq2SeqLM.from_pretrained(id, { dtype });

/** Logits of a causal LM over a pass without past (the If's no-past branch) and one step with its cache (the with-past branch). */
async function decoderLogits(model: any): Promise<Float32Array> {
  const T = env.v4;
  const first = await model(prompt(T));
  const past = Object.fromEntries(Object.entries(first)
    .filter(([k]) => k.startsWith('present.')).map(([k, v]) => [k.replace('present.', 'past_key_values.'), v]));
  const second = await model({ ...prompt(T, [1, 5, 9, 22, 31, 47, 21]), input_ids: new T.Tensor('int64', BigInt64Array.of(21n), [1, 1]), past_key_values: past });
  return Float32Array.from([...first.logits.data, ...second.logits.data]);
}

const MODELS = {
  llama: { load: loadLlama, forward: decoderLogits, adapter: llamaAdapter, path: () => env.fixtures.llama, files: ['decoder_model_merged_fp16.onnx'] },
  bart: { load: loadSeq2Seq, forward: (m: any) => seq2seqLogits(env.v4, m), adapter: bartAdapter, path: () => env.fixtures.bart,
    files: ['encoder_model_fp16.onnx', 'decoder_model_merged_fp16.onnx'] },
  t5: { load: loadSeq2Seq, forward: (m: any) => seq2seqLogits(env.v4, m, T5_IDS), adapter: t5Adapter, path: () => env.fixtures.t5,
    files: ['encoder_model_fp16.onnx', 'decoder_model_merged_fp16.onnx'] },
} as const;

/** The float16 values of `t` as numbers. */
function halfs(t: TensorProto): number[] {
  const raw = t.rawData;
  return Array.from(new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)), f16ToNumber);
}

/** The main graph of the .onnx file `path` and the branches of its `If` nodes. */
async function graphsIn(path: string): Promise<{ main: GraphProto; branches: GraphProto[] }> {
  const main = onnx.ModelProto.decode(await readFile(path)).graph as GraphProto;
  return { main, branches: (main.node as NodeProto[]).flatMap((n) => n.attribute.filter((a) => a.g).map((a) => a.g as GraphProto)) };
}

const nodesOf = (g: GraphProto) => g.node as NodeProto[];
const floatNames = (list: GraphProto['input'], type: number) => list.filter((v) => v.type!.tensorType!.elemType === type).map((v) => v.name!);

describe('fp16 merged decoders (transformers.js 4.x, dtype fp16)', () => {
  it.each(['llama', 'bart', 't5'] as const)('%s fixture: float16 inside (branches too), float32 at the main graph\'s boundary only', async (name) => {
    for (const file of MODELS[name].files) {
      const { main, branches } = await graphsIn(join(MODELS[name].path(), 'onnx', file));
      expect(branches).toHaveLength(file.startsWith('decoder') ? 2 : 0);
      const floatInputs = floatNames(main.input, DT.FLOAT);
      expect(floatNames(main.output, DT.FLOAT).length).toBeGreaterThan(0);
      for (const sub of [main, ...branches]) {
        expect((sub.initializer as TensorProto[]).filter((t) => t.dataType === DT.FLOAT).map((t) => t.name)).toEqual([]);
        const constants = nodesOf(sub).filter((n) => n.opType === 'Constant').map((n) => n.attribute[0].t!.dataType);
        expect(constants.every((t) => t === DT.FLOAT16)).toBe(true);
        const toFloat = nodesOf(sub).filter((n) => n.opType === 'Cast' && Number(n.attribute[0].i) === DT.FLOAT);
        expect(toFloat.every((n) => n.name.startsWith('graph_output_cast_'))).toBe(true);
      }
      for (const b of branches) expect(b.output.map((v) => v.name)).toEqual(floatNames(b.output, DT.FLOAT16));
      // Branches read the cast float inputs, never the float32 graph inputs themselves.
      const reads = new Set(branches.flatMap((b) => nodesOf(b).flatMap((n) => n.input)));
      expect(floatInputs.filter((n) => reads.has(n))).toEqual([]);
      if (branches.length > 0) expect(floatInputs.filter((n) => reads.has(`${n}_fp16`)).length).toBeGreaterThan(0);
    }
  });

  const cases = (['llama', 'bart', 't5'] as const).flatMap((name) => MODES.map((mode) => [name, mode] as const));
  it.each(cases)(`%s, %s: fp16 logits of both If branches match the fp32 merged-weight reference (rtol 16·2⁻¹¹); remove() is exact`, async (name, mode) => {
    const m = MODELS[name];
    const model = await m.load(`multilora/tiny-${name}`, 'fp16');
    const base = await m.forward(model);
    const expected = await m.forward(await m.load(`ref/fp16-${name}`, 'fp32'));
    const handle = await applyMultiLoRA(model, m.adapter, { mode, modelPath: m.path(), dtype: 'fp16' });
    expect(handle.modules.map((p) => p.module).sort()).toEqual([...m.adapter.modules.keys()].sort());
    expect(handle.modules.every((p) => p.kinds.every((k) => k === 'matmul'))).toBe(true);
    // Every decoder module is adapted in both branches, except cross-attention k/v (inputs with past).
    const inBoth = handle.modules.filter((p) => !p.module.includes('encoder'));
    expect(inBoth.length).toBeGreaterThan(0);
    expect(inBoth.every((p) => p.kinds.length === 2)).toBe(true);
    const c = compareToReference(await m.forward(model), expected, tol);
    expect(c.ok, `max error ${c.maxAbsError} > bound ${c.bound}`).toBe(true);
    expect(maxAbsDiff(base, expected)).toBeGreaterThan(20 * c.bound);
    await handle.remove();
    expect(maxAbsDiff(await m.forward(model), base)).toBe(0);
  });

  it.each(['llama', 'bart'] as const)('%s: merge writes float16 initializers, each shared weight once: W = fp16(W0 + ΔW) within half an fp16 ulp', async (name) => {
    const m = MODELS[name];
    const dir = join(env.fixtures.root, `saved/fp16-${name}`);
    await rm(dir, { recursive: true, force: true });
    const model = await m.load(`multilora/tiny-${name}`, 'fp16');
    const handle = await applyMultiLoRA(model, m.adapter, { mode: 'merge', modelPath: m.path(), dtype: 'fp16' });
    await handle.saveMerged(dir);
    await handle.remove();
    const deltas = referenceDeltas([{ adapter: m.adapter, weight: 1 }]);
    let checked = 0;
    for (const file of m.files) {
      const source = await graphsIn(join(m.path(), 'onnx', file));
      const saved = (await graphsIn(join(dir, 'onnx', file))).main.initializer as TensorProto[];
      const initializers = source.main.initializer as TensorProto[];
      expect(saved.map((t) => t.name)).toEqual(initializers.map((t) => t.name));
      const byName = new Map(saved.map((t) => [t.name, t]));
      // The weight read by each adapted MatMul (in the main graph or in either If branch), by name.
      const graphs = [source.main, ...source.branches];
      const adapted = new Map<string, string>();
      for (const module of deltas.keys()) {
        const scope = file.startsWith('encoder') ? scopeOf(module.replace(/^model\.encoder\./, '')) : scopeOf(module);
        if (file.startsWith('encoder') !== module.startsWith('model.encoder.')) continue;
        for (const n of graphs.flatMap(nodesOf)) if (n.name === `${scope}/MatMul`) adapted.set(n.input[1], module);
      }
      for (const t of initializers) {
        const after = byName.get(t.name)!;
        expect(after.dataType, t.name).toBe(t.dataType);
        const module = adapted.get(t.name);
        if (!module) {
          expect(Buffer.from(after.rawData).equals(Buffer.from(t.rawData)), t.name).toBe(true);
          continue;
        }
        expect(t.dataType).toBe(DT.FLOAT16);
        const [inF, out] = t.dims.map(Number);
        const d = deltas.get(module)!;
        const w0 = halfs(t);
        const w = halfs(after);
        // ΔW is [out, in]; the weight is stored [in, out]. Added once: twice would be off by ΔW.
        for (let i = 0; i < inF; i++) {
          for (let j = 0; j < out; j++) {
            const e = w0[i * out + j] + d[j * inF + i];
            expect(Math.abs(w[i * out + j] - e), `${t.name}[${i}, ${j}]`).toBeLessThanOrEqual(U * Math.abs(e) + 2 ** -24 + 1e-6 * Math.abs(e));
          }
        }
        checked++;
      }
    }
    expect(checked).toBe(deltas.size);
  });
});
