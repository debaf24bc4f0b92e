// Seq2seq end to end: the BART fixture (Optimum's layout: encoder_model.onnx rooted at the encoder
// sub-module, mapping rule 4; decoder_model_merged.onnx with full scopes, rule 1, and the If on
// use_cache_branch) loaded by AutoModelForSeq2SeqLM in both transformers.js generations, with one
// adapter on encoder and decoder modules (self-attention, cross-attention, MLP). Reference: the same
// fixture written with W0 + ΔW (ΔW from core's float64 reference), atol 1e-5 + rtol 1e-5, on the decoder
// logits of a pass without past and a step with past (both If branches) and on greedy tokens; q8:
// error under 1/10 of the adapter's effect (the activations are quantized).
import { compareToReference } from '@multilora/core/testing';
import { applyMultiLoRA } from '@multilora/transformers';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomAdapter, referenceDeltas } from './fixtures/onnx-models/adapters.js';
import { onnx } from './fixtures/onnx-models/graph-builder.js';
import { TINY_BART, addDeltas, randomWeights, writeFixtureModel } from './fixtures/onnx-models/index.js';
import { itAdaptsSeq2Seq } from './fixtures/seq2seq-cases.js';
import {
  BART_IDS, LIBRARIES, SEQ2SEQ_IDS, SEQ2SEQ_SLOTS, expectSeq2SeqPlaced, generate, loadSeq2Seq, prompt, seq2seqLogits, setup,
  type Library,
} from './fixtures/transformers-harness.js';

const ENCODER = ['model.encoder.layers.0.self_attn.q_proj', 'model.encoder.layers.1.self_attn.v_proj', 'model.encoder.layers.1.fc2'];
const DECODER = ['model.decoder.layers.0.self_attn.k_proj', 'model.decoder.layers.0.fc1', 'model.decoder.layers.1.self_attn.out_proj',
  'model.decoder.layers.1.encoder_attn.q_proj', 'model.decoder.layers.1.encoder_attn.v_proj'];
/** With past, the cross-attention keys and values are inputs: their projections exist in the no-past branch only. */
const NO_PAST_ONLY = new Set(['model.decoder.layers.1.encoder_attn.v_proj']);
const adapter = randomAdapter(TINY_BART, { targets: [...ENCODER, ...DECODER], n: 2, r: 2, seed: 101 });
const LAYOUT = { modules: [...ENCODER, ...DECODER], encoderPrefix: 'model.encoder.', noPastOnly: NO_PAST_ONLY };
const tol = { atol: 1e-5, rtol: 1e-5 };

let env: Awaited<ReturnType<typeof setup>>;
beforeAll(async () => {
  env = await setup();
  const weights = addDeltas(randomWeights(TINY_BART), referenceDeltas([{ adapter, weight: 1 }]));
  await writeFixtureModel(env.fixtures.root, 'ref/seq2seq-bart', TINY_BART, { weights, variants: ['fp32'], overwrite: true });
});

const lib = (l: Library) => (l === '@huggingface/transformers' ? env.v4 : env.v2);
const load = (l: Library, id: string, dtype = 'fp32') => loadSeq2Seq(l, lib(l), id, dtype);
const tokens = (l: Library, model: unknown) => generate(l, lib(l), model, 6, SEQ2SEQ_IDS);

describe('seq2seq (BART: encoder + merged decoder)', () => {
  it('the fixture: a step with the cache equals the full pass (atol 1e-5), and both generations compute the same logits', async () => {
    const T = env.v4;
    const model = await load('@huggingface/transformers', 'multilora/tiny-bart');
    const stepped = await seq2seqLogits(T, model);
    const full = await model({ ...prompt(T, SEQ2SEQ_IDS), decoder_input_ids: new T.Tensor('int64', BigInt64Array.of(2n, 7n, 13n, 40n, 21n), [1, 5]) });
    const V = TINY_BART.vocabSize;
    expect(compareToReference(stepped.slice(4 * V), (full.logits.data as Float32Array).slice(4 * V), { atol: 1e-5 }).ok).toBe(true);
    expect(compareToReference(stepped, await seq2seqLogits(env.v2, await load('@xenova/transformers', 'multilora/tiny-bart')), { atol: 1e-5 }).ok).toBe(true);
  });

  itAdaptsSeq2Seq({
    id: 'multilora/tiny-bart', referenceId: 'ref/seq2seq-bart', adapter, layout: LAYOUT, ids: BART_IDS, tolerance: tol,
    modelPath: () => env.fixtures.bart, library: lib,
  });

  it('saveMerged of a merged seq2seq model: encoder_model.onnx + decoder_model_merged.onnx (If kept) that both generations load without the plugin', async () => {
    const dir = join(env.fixtures.root, 'saved/seq2seq-merge');
    await rm(dir, { recursive: true, force: true });
    const model = await load('@huggingface/transformers', 'multilora/tiny-bart');
    const handle = await applyMultiLoRA(model, adapter, { modelPath: env.fixtures.bart });
    const expected = await seq2seqLogits(env.v4, model);
    await handle.saveMerged(dir);
    expect((await readdir(dir)).sort()).toEqual(['config.json', 'generation_config.json', 'onnx', 'tokenizer.json', 'tokenizer_config.json']);
    expect((await readdir(join(dir, 'onnx'))).sort()).toEqual(['decoder_model_merged.onnx', 'encoder_model.onnx']);
    const decoder = onnx.ModelProto.decode(await readFile(join(dir, 'onnx', 'decoder_model_merged.onnx')));
    expect(decoder.graph!.node!.map((n) => n.opType)).toEqual(['If']);
    for (const l of LIBRARIES) {
      const saved = await load(l, 'saved/seq2seq-merge');
      const c = compareToReference(await seq2seqLogits(lib(l), saved), expected, tol);
      expect(c.ok, `${l}: max error ${c.maxAbsError} > bound ${c.bound}`).toBe(true);
      expect(await tokens(l, saved)).toEqual(await tokens('@huggingface/transformers', model));
    }
    await handle.remove();
  });

  it.each([
    ['@xenova/transformers', 'q8', 'branch', 'file stems'], ['@huggingface/transformers', 'fp32', 'merge', 'session names'],
  ] as const)('%s, %s, %s, sessions given as bytes keyed by %s: rule 4 finds the encoder modules; saveMerged writes the files the library loads', async (l, dtype, mode, keys) => {
    const id = `saved/seq2seq-bytes-${dtype}`;
    await rm(join(env.fixtures.root, id), { recursive: true, force: true });
    const model = await load(l, 'multilora/tiny-bart', dtype);
    const suffix = dtype === 'q8' ? '_quantized' : '';
    const read = (stem: string) => readFile(join(env.fixtures.bart, 'onnx', `${stem}${suffix}.onnx`)).then((b) => new Uint8Array(b));
    const { encoder, decoder } = keys === 'file stems' ? { encoder: 'encoder_model', decoder: 'decoder_model_merged' } : SEQ2SEQ_SLOTS[l];
    const files = { [encoder]: await read('encoder_model'), [decoder]: await read('decoder_model_merged') };
    const handle = await applyMultiLoRA(model, adapter, { mode, files, dtype });
    expectSeq2SeqPlaced(handle, l, dtype === 'q8' ? 'q8' : 'matmul', LAYOUT);
    const expected = await seq2seqLogits(lib(l), model);
    await handle.saveMerged(join(env.fixtures.root, id));
    expect((await readdir(join(env.fixtures.root, id, 'onnx'))).sort()).toEqual([`decoder_model_merged${suffix}.onnx`, `encoder_model${suffix}.onnx`]);
    const c = compareToReference(await seq2seqLogits(lib(l), await load(l, id, dtype)), expected, tol);
    expect(c.ok, `max error ${c.maxAbsError} > bound ${c.bound}`).toBe(true);
    await handle.remove();
  });
});
