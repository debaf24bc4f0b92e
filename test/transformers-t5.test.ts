// Seq2seq end to end on T5 (flan-t5 style: relative attention bias, T5LayerNorm, gated-GELU, untied
// lm_head): the tiny-t5 fixture in Optimum's layout (encoder_model.onnx rooted at the encoder stack,
// mapping rule 4: `encoder.block.0.layer.0.SelfAttention.q` → `/block.0/layer.0/SelfAttention/q`;
// decoder_model_merged.onnx with full scopes, rule 1, and the If on use_cache_branch) loaded by
// AutoModelForSeq2SeqLM in both transformers.js generations, with one adapter on T5's PEFT names:
// encoder self-attention and FF, decoder self-attention, cross-attention (EncDecAttention.q / .v) and
// FF (wi_0, wo). Reference: the fixture written with W0 + ΔW (ΔW from core's float64 reference),
// atol 1e-5 + rtol 1e-5, on the decoder logits of a pass without past and a step with past (both If
// branches) and on greedy tokens; q8: error under 1/10 of the adapter's effect.
import { compareToReference } from '@multilora/core/testing';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomAdapter, referenceDeltas } from './fixtures/onnx-models/adapters.js';
import { onnx, type GraphProto, type NodeProto } from './fixtures/onnx-models/graph-builder.js';
import { TINY_T5, addDeltas, randomWeights, writeFixtureModel } from './fixtures/onnx-models/index.js';
import { relativeBucket, t5ReferenceLogits } from './fixtures/onnx-models/t5-reference.js';
import { itAdaptsSeq2Seq } from './fixtures/seq2seq-cases.js';
import { LIBRARIES, loadSeq2Seq, prompt, seq2seqLogits, setup, type Library, type Seq2SeqIds } from './fixtures/transformers-harness.js';

const ENCODER = ['encoder.block.0.layer.0.SelfAttention.q', 'encoder.block.1.layer.0.SelfAttention.v', 'encoder.block.1.layer.1.DenseReluDense.wi_0'];
const DECODER = ['decoder.block.0.layer.0.SelfAttention.k', 'decoder.block.1.layer.0.SelfAttention.o', 'decoder.block.0.layer.1.EncDecAttention.q',
  'decoder.block.1.layer.1.EncDecAttention.v', 'decoder.block.0.layer.2.DenseReluDense.wo', 'decoder.block.1.layer.2.DenseReluDense.wi_0'];
/** With past, the cross-attention keys and values are inputs: their projections exist in the no-past branch only. */
const LAYOUT = { modules: [...ENCODER, ...DECODER], encoderPrefix: 'encoder.', noPastOnly: new Set(['decoder.block.1.layer.1.EncDecAttention.v']) };
const adapter = randomAdapter(TINY_T5, { targets: LAYOUT.modules, n: 2, r: 2, seed: 151 });
/** T5's ids: `…</s>` (eos 1) for the encoder, decoder_start_token_id 0 first for the decoder. */
const IDS: Seq2SeqIds = { encoder: [5, 9, 22, 31, 47, 1], decoder: [0, 7, 13, 40], step: 21 };
const tol = { atol: 1e-5, rtol: 1e-5 };

let env: Awaited<ReturnType<typeof setup>>;
beforeAll(async () => {
  env = await setup();
  const weights = addDeltas(randomWeights(TINY_T5), referenceDeltas([{ adapter, weight: 1 }]));
  await writeFixtureModel(env.fixtures.root, 'ref/seq2seq-t5', TINY_T5, { weights, variants: ['fp32'], overwrite: true });
});

const lib = (l: Library) => (l === '@huggingface/transformers' ? env.v4 : env.v2);
const load = (l: Library, id: string, dtype = 'fp32') => loadSeq2Seq(l, lib(l), id, dtype);
const forward = (l: Library, model: unknown) => seq2seqLogits(lib(l), model, IDS);

/** The node names of the .onnx file `file` of the T5 fixture: main graph, then each If branch. */
async function nodeNames(file: string): Promise<string[][]> {
  const main = onnx.ModelProto.decode(await readFile(join(env.fixtures.t5, 'onnx', file))).graph as GraphProto;
  const branches = (main.node as NodeProto[]).flatMap((n) => n.attribute.filter((a) => a.g).map((a) => a.g as GraphProto));
  return [main, ...branches].map((g) => (g.node as NodeProto[]).map((n) => n.name));
}

describe('seq2seq (T5: encoder + merged decoder)', () => {
  it('the fixture: Optimum\'s T5 node names; a step with the cache equals the full pass (atol 1e-5); both generations agree; the tokenizer loads', async () => {
    const [encoder] = await nodeNames('encoder_model.onnx');
    expect(encoder).toEqual(expect.arrayContaining(['/block.0/layer.0/SelfAttention/q/MatMul', '/block.1/layer.1/DenseReluDense/wi_1/MatMul',
      '/block.0/layer.0/SelfAttention/relative_attention_bias/Gather']));
    expect(encoder.some((n) => n.startsWith('/encoder/'))).toBe(false);
    const [, withPast, noPast] = await nodeNames('decoder_model_merged.onnx');
    for (const branch of [withPast, noPast]) {
      expect(branch).toEqual(expect.arrayContaining(['/decoder/block.1/layer.1/EncDecAttention/q/MatMul', '/lm_head/MatMul',
        '/decoder/block.0/layer.0/SelfAttention/relative_attention_bias/Gather']));
    }
    expect(noPast).toContain('/decoder/block.1/layer.1/EncDecAttention/v/MatMul');
    expect(withPast).not.toContain('/decoder/block.1/layer.1/EncDecAttention/v/MatMul');

    const T = env.v4;
    const model = await load('@huggingface/transformers', 'multilora/tiny-t5');
    const stepped = await seq2seqLogits(T, model, IDS);
    const full = await model({ ...prompt(T, IDS.encoder), decoder_input_ids: new T.Tensor('int64', BigInt64Array.from([...IDS.decoder, IDS.step].map(BigInt)), [1, 5]) });
    const V = TINY_T5.vocabSize;
    const c = compareToReference(stepped.slice(4 * V), (full.logits.data as Float32Array).slice(4 * V), { atol: 1e-5 });
    expect(c.ok, `max error ${c.maxAbsError}`).toBe(true);
    expect(compareToReference(stepped, await forward('@xenova/transformers', await load('@xenova/transformers', 'multilora/tiny-t5')), { atol: 1e-5 }).ok).toBe(true);
    // The tokenizer (WordPiece, T5's specials): a T5Tokenizer in both generations that appends `</s>`.
    for (const l of LIBRARIES) {
      const tokenizer = await lib(l).AutoTokenizer.from_pretrained('multilora/tiny-t5');
      expect([tokenizer.constructor.name, Array.from((await tokenizer('the cat sat')).input_ids.data, Number)]).toEqual(['T5Tokenizer', [3, 5, 7, 1]]);
    }
  });

  it('relativeBucket is HF\'s _relative_position_bucket (32 buckets, distance 128; values worked by hand from its formula)', () => {
    const bi = (r: number) => relativeBucket(r, true, 32, 128);
    const causal = (r: number) => relativeBucket(r, false, 32, 128);
    expect([0, -1, 1, -7, -8, -10, 10, -100, -200].map(bi)).toEqual([0, 1, 17, 7, 8, 8, 24, 15, 15]);
    expect([5, 0, -3, -15, -16, -20, -1000].map(causal)).toEqual([0, 0, 3, 15, 16, 17, 31]);
  });

  it('the fixture computes T5: its logits match a float64 reference from HF\'s modeling_t5 (atol 1e-4 + rtol 1e-4), over lengths that reach the log-spaced buckets', async () => {
    const T = env.v4;
    const encoderIds = [5, 9, 22, 31, 47, 8, 60, 3, 17, 70, 44, 1];
    const decoderIds = [0, 7, 13, 40, 21, 9, 55, 30, 12, 66];
    // Encoder |key − query| up to 11 (buckets 2 and 3 of 4 via the log), decoder up to 9 (buckets 4 to 6 of 8).
    expect(new Set(Array.from({ length: 11 }, (_, r) => relativeBucket(-r, true, 8, 16)))).toEqual(new Set([0, 1, 2, 3]));
    expect(new Set(Array.from({ length: 10 }, (_, r) => relativeBucket(-r, false, 8, 16)))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6]));
    const model = await load('@huggingface/transformers', 'multilora/tiny-t5');
    const i64 = (v: number[]) => new T.Tensor('int64', BigInt64Array.from(v.map(BigInt)), [1, v.length]);
    const out = await model({ ...prompt(T, encoderIds), decoder_input_ids: i64(decoderIds) });
    const c = compareToReference(out.logits.data as Float32Array, t5ReferenceLogits(TINY_T5, randomWeights(TINY_T5), encoderIds, decoderIds), { atol: 1e-4, rtol: 1e-4 });
    expect(c.ok, `max error ${c.maxAbsError} > bound ${c.bound}`).toBe(true);
  });

  itAdaptsSeq2Seq({
    id: 'multilora/tiny-t5', referenceId: 'ref/seq2seq-t5', adapter, layout: LAYOUT, ids: IDS, tolerance: tol,
    modelPath: () => env.fixtures.t5, library: lib,
  });
});
