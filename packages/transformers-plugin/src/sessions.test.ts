import { describe, expect, it } from 'vitest';
import { sessionSlots, type OrtSession } from './sessions.js';
import { givenFile, readSessionSource } from './source.js';
import { encodeModel, makeValueInfo, onnx } from './onnx/proto.js';

const session = (inputNames: string[], outputNames = ['out']): OrtSession => ({ inputNames, outputNames, run: async () => ({}) });
const stems = (model: Record<string, unknown>) => sessionSlots(model).map((s) => [s.name, s.library, s.stem]);

describe('session slots', () => {
  it('3+: the main session of an encoder–decoder model is encoder_model; other slots keep their names', () => {
    const v4 = { config: { is_encoder_decoder: true }, sessions: { model: session(['input_ids']), decoder_model_merged: session(['use_cache_branch']) } };
    expect(stems(v4)).toEqual([['model', 'transformers.js v3+', 'encoder_model'], ['decoder_model_merged', 'transformers.js v3+', 'decoder_model_merged']]);
    expect(stems({ config: {}, sessions: { model: session(['use_cache_branch']), embed_tokens: session(['input_ids']) } }))
      .toEqual([['model', 'transformers.js v3+', 'model'], ['embed_tokens', 'transformers.js v3+', 'embed_tokens']]);
  });

  it('2.x: session is encoder_model (seq2seq), decoder_model_merged (a merged decoder) or model; set() swaps the property', () => {
    const v2 = { config: { is_encoder_decoder: true }, session: session(['input_ids']), decoder_merged_session: session(['use_cache_branch']), other: 1 };
    expect(stems(v2)).toEqual([['session', 'transformers.js v2', 'encoder_model'], ['decoder_merged_session', 'transformers.js v2', 'decoder_model_merged']]);
    expect(stems({ config: {}, session: session(['input_ids', 'use_cache_branch']) })).toEqual([['session', 'transformers.js v2', 'decoder_model_merged']]);
    expect(stems({ config: {}, session: session(['input_ids']) })).toEqual([['session', 'transformers.js v2', 'model']]);
    const next = session(['x']);
    sessionSlots(v2)[1].set(next);
    expect(v2.decoder_merged_session).toBe(next);
  });

  it('files given as bytes are found by session name or file stem and named after the file the library loads', async () => {
    const graph = { name: 'g', input: [makeValueInfo('input_ids', 7, ['b', 's'])], output: [makeValueInfo('out', 1, ['b'])] };
    const bytes = encodeModel(onnx.ModelProto.create({ irVersion: 8, graph }));
    const [encoder, decoder] = sessionSlots({ config: { is_encoder_decoder: true }, session: session(['input_ids']), decoder_merged_session: session(['use_cache_branch']) });
    expect(givenFile(encoder, { encoder_model: bytes })?.key).toBe('encoder_model');
    expect(givenFile(encoder, { session: bytes, encoder_model: bytes })?.key).toBe('session');
    expect(givenFile(decoder, { encoder_model: bytes })).toBeUndefined();
    expect((await readSessionSource(encoder, { files: { session: bytes }, dtype: 'q8' })).fileName).toBe('encoder_model_quantized.onnx');
    expect((await readSessionSource(decoder, { files: { decoder_model_merged: bytes }, dtype: 'fp32' })).fileName).toBe('decoder_model_merged.onnx');
  });
});
