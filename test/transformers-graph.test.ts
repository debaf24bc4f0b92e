// The plugin's graph rewrite on a one-layer graph in every base format (fp32 MatMul, fp16 MatMul,
// fp32 Gemm, q8 MatMulInteger, q4 MatMulNBits) and every mode, run with onnxruntime-node. Exactness:
// y_adapted − y_base must equal the adapter branch x · ΔWᵀ of core's float64 referenceForward (the base
// path, quantized or not, is the same in both runs; tolerances in the test names).
import { referenceForward, resolveConfig, type Adapter, type AdapterModule } from '@multilora/core';
import { randomFloat32, randomModule, compareToReference } from '@multilora/core/testing';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildGraph, planModules, type BuildSpec } from '../packages/transformers-plugin/src/build.js';
import { MIX_INPUT, MixFeed, dynamicLayers } from '../packages/transformers-plugin/src/dynamic.js';
import { decodeModel } from '../packages/transformers-plugin/src/onnx/proto.js';
import { encodeModel, type ModelProto } from './fixtures/onnx-models/graph-builder.js';
import { convertFp16, quantizeQ4, quantizeQ8 } from './fixtures/onnx-models/quantize.js';
import { SINGLE_LAYER_MODULE, singleLayerGraph } from './fixtures/onnx-models/single-layer.js';

const IN = 64;
const OUT = 48;

function adapterOf(m: AdapterModule): Adapter {
  const module = { ...m, name: SINGLE_LAYER_MODULE };
  return { config: resolveConfig({ n: m.n, r: m.r }), modules: new Map([[module.name, module]]), metadata: { peftType: 'MULTILORA', extra: {} } };
}

const adapters = {
  a: adapterOf(randomModule({ n: 2, r: 3, inFeatures: IN, outFeatures: OUT, gamma: 0.75 }, 31)),
  b: adapterOf(randomModule({ n: 3, r: 2, inFeatures: IN, outFeatures: OUT, scaleMode: 'channel', gamma: 1.5 }, 32)),
};
const mix = { a: 0.5, b: -2 };

const formats: Record<string, () => { model: ModelProto; tokens: number; dims: number[] }> = {
  'fp32 MatMul': () => ({ model: singleLayerGraph(IN, OUT, 'MatMul', 7).model, tokens: 6, dims: [2, 3, IN] }),
  'fp16 MatMul': () => ({ model: convertFp16(singleLayerGraph(IN, OUT, 'MatMul', 7).model), tokens: 6, dims: [2, 3, IN] }),
  'fp32 Gemm': () => ({ model: singleLayerGraph(IN, OUT, 'Gemm', 7).model, tokens: 5, dims: [5, IN] }),
  'q8 MatMulInteger': () => ({ model: quantizeQ8(singleLayerGraph(IN, OUT, 'MatMul', 7).model), tokens: 6, dims: [2, 3, IN] }),
  'q4 MatMulNBits': () => ({ model: quantizeQ4(singleLayerGraph(IN, OUT, 'MatMul', 7).model), tokens: 6, dims: [2, 3, IN] }),
};

async function run(bytes: Uint8Array, x: Float32Array, dims: number[], extra: Record<string, ort.Tensor> = {}): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ x: new ort.Tensor('float32', x, dims), ...extra });
  await session.release();
  return out.y.data as Float32Array;
}

/** Σ_k w_k · (x · ΔW_kᵀ) in float64. */
function expectedBranch(x: Float32Array, tokens: number): Float64Array {
  const y = new Float64Array(tokens * OUT);
  for (const [name, w] of Object.entries(mix)) {
    const branch = referenceForward(adapters[name as 'a' | 'b'].modules.get(SINGLE_LAYER_MODULE)!, x, tokens);
    for (let i = 0; i < y.length; i++) y[i] += w * branch[i];
  }
  return y;
}

describe('graph rewrite on one layer: y_adapted − y_base = Σ w_k x·ΔW_kᵀ', () => {
  for (const [format, make] of Object.entries(formats)) {
    const quantized = format.startsWith('q');
    const fp16 = format.startsWith('fp16');
    const modes = quantized ? (['branch', 'dynamic'] as const) : (['merge', 'branch', 'dynamic'] as const);
    it.each(modes)(`${format}, %s (${fp16 ? 'rtol 4e-3' : 'atol 2e-5 + rtol 1e-5'})`, async (mode) => {
      const { model, tokens, dims } = make();
      const source = decodeModel(encodeModel(model), 'fixture');
      const named = Object.entries(adapters).map(([name, adapter]) => ({ name, adapter }));
      const plans = planModules(new Map([['model', { model: source, fileName: 'model.onnx' }]]), named);
      expect([...plans.values()][0].kinds).toEqual([format.split(' ')[0] === 'q8' ? 'q8' : format.startsWith('q4') ? 'q4' : format.includes('Gemm') ? 'gemm' : 'matmul']);
      const x = randomFloat32(tokens * IN, 99);
      const base = await run(encodeModel(model), x, dims);
      let adapted: Float32Array;
      if (mode === 'dynamic') {
        const layers = dynamicLayers(new Map([[SINGLE_LAYER_MODULE, named.map(({ adapter }, i) => ({ adapter: i, module: adapter.modules.get(SINGLE_LAYER_MODULE)! }))]]));
        const feed = new MixFeed(['a', 'b']);
        feed.select(mix);
        const extra = { [MIX_INPUT]: new ort.Tensor('float32', feed.values, [2]) };
        adapted = await run(buildGraph(encodeModel(model), 'model', { mode, layers, adapterCount: 2 }, plans), x, dims, extra);
      } else {
        const spec: BuildSpec = { mode, mix: named.map((a) => ({ ...a, weight: mix[a.name as 'a' | 'b'] })) };
        adapted = await run(buildGraph(encodeModel(model), 'model', spec, plans), x, dims);
      }
      const delta = adapted.map((v, i) => v - base[i]);
      const c = compareToReference(delta, expectedBranch(x, tokens), fp16 ? { rtol: 4e-3 } : { atol: 2e-5, rtol: 1e-5 });
      expect(c.ok, `max error ${c.maxAbsError} at ${c.worstIndex}, bound ${c.bound}`).toBe(true);
      expect(c.maxAbsExpected).toBeGreaterThan(0.5);
    });
  }

  it('builds are deterministic and leave the source bytes as they were', () => {
    const bytes = encodeModel(formats['fp32 MatMul']().model);
    const copy = bytes.slice();
    const named = [{ name: 'a', adapter: adapters.a }];
    const plans = planModules(new Map([['model', { model: decodeModel(bytes, 'fixture'), fileName: 'model.onnx' }]]), named);
    const spec: BuildSpec = { mode: 'branch', mix: [{ ...named[0], weight: 1 }] };
    expect(buildGraph(bytes, 'model', spec, plans)).toEqual(buildGraph(bytes, 'model', spec, plans));
    buildGraph(bytes, 'model', { mode: 'merge', mix: spec.mix }, plans);
    expect(bytes).toEqual(copy);
  });

  it('rule 4: graphs exported from a sub-module (seq2seq encoder / decoder files) match the module path after encoder / decoder', () => {
    const layer = (name: string) => ({ ...adapters.a.modules.get(SINGLE_LAYER_MODULE)!, name });
    const adapter: Adapter = { ...adapters.a, modules: new Map(['model.encoder.mlp.fc', 'model.decoder.mlp.fc'].map((n) => [n, layer(n)])) };
    const graph = () => decodeModel(encodeModel(singleLayerGraph(IN, OUT, 'MatMul', 7).model), 'fixture');
    const plans = planModules(new Map([
      ['model', { model: graph(), fileName: 'encoder_model.onnx' }],
      ['decoder_model_merged', { model: graph(), fileName: 'decoder_model_merged.onnx' }],
    ]), [{ name: 'a', adapter }]);
    expect(plans.get('model.encoder.mlp.fc')!.scopes).toEqual({ model: '/mlp/fc' });
    expect(plans.get('model.decoder.mlp.fc')!.scopes).toEqual({ decoder_model_merged: '/mlp/fc' });
    expect(() => planModules(new Map([['model', { model: graph(), fileName: 'model.onnx' }]]), [{ name: 'a', adapter }])).toThrow(/"\/mlp\/fc\/MatMul"/);
  });
});
