// A real PEFT LoRA adapter (written by PEFT itself: ../shared/fixtures/peft-gpt2-lora, GPT-2, r = 8,
// alpha 32, fan_in_fan_out) on a GPT-2-shaped graph of its layer-0 modules as Optimum exports
// GPT-2's Conv1D: Gemm with the weight stored [in, out] (transB = 0) under its PyTorch name.
// Reference: ΔW = (alpha / r) · B·A computed here in float64 from the file's raw tensors;
// y_adapted − y_base must equal x · ΔWᵀ (atol 1e-5 + rtol 1e-4) in merge, branch and dynamic mode.
import { SeededRandom, readSafetensors, tensorToFloat32, type Adapter } from '@multilora/core';
import { compareToReference } from '@multilora/core/testing';
import { readAdapterFolder } from '@multilora/core/node';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGraph, planModules, type BuildSpec } from '../packages/transformers-plugin/src/build.js';
import { MIX_INPUT, dynamicLayers } from '../packages/transformers-plugin/src/dynamic.js';
import { decodeModel } from '../packages/transformers-plugin/src/onnx/proto.js';
import { DT, GraphBuilder, encodeModel } from './fixtures/onnx-models/graph-builder.js';
import { scopeOf } from './fixtures/onnx-models/layers.js';

const FOLDER = fileURLToPath(new URL('../../shared/fixtures/peft-gpt2-lora/', import.meta.url));
const LAYERS = [['transformer.h.0.attn.c_attn', 768, 2304, 'x'], ['transformer.h.0.attn.c_proj', 768, 768, 'x'], ['transformer.h.0.mlp.c_proj', 3072, 768, 'h']] as const;
const T = 5;

let adapter: Adapter;
let graph: Uint8Array;
const deltas = new Map<string, Float64Array>();

beforeAll(async () => {
  const full = await readAdapterFolder(FOLDER);
  adapter = { ...full, modules: new Map(LAYERS.map(([name]) => [name, full.modules.get(name)!])) };
  const config = JSON.parse(await readFile(`${FOLDER}adapter_config.json`, 'utf8'));
  const file = readSafetensors(new Uint8Array(await readFile(`${FOLDER}adapter_model.safetensors`)));
  const rng = new SeededRandom(5);
  const b = new GraphBuilder('main_graph');
  b.input('x', DT.FLOAT, ['tokens', 768]);
  b.input('h', DT.FLOAT, ['tokens', 3072]);
  for (const [name, inF, out, input] of LAYERS) {
    const a = tensorToFloat32(file.tensors.get(`base_model.model.${name}.lora_A.weight`)!);
    const bb = tensorToFloat32(file.tensors.get(`base_model.model.${name}.lora_B.weight`)!);
    const r = config.r;
    const gamma = config.lora_alpha / r;
    const delta = new Float64Array(out * inF);
    for (let o = 0; o < out; o++) for (let c = 0; c < inF; c++) {
      let acc = 0;
      for (let k = 0; k < r; k++) acc += bb[o * r + k] * a[k * inF + c];
      delta[o * inF + c] = gamma * acc;
    }
    deltas.set(name, delta);
    const w = b.initializer(`${name}.weight`, DT.FLOAT, [inF, out], Float32Array.from({ length: inF * out }, () => rng.uniform(-0.05, 0.05)));
    const bias = b.initializer(`${name}.bias`, DT.FLOAT, [out], Float32Array.from({ length: out }, () => rng.uniform(-0.1, 0.1)));
    b.output(name, DT.FLOAT, ['tokens', out]);
    b.op(scopeOf(name), 'Gemm', [input, w, bias], { alpha: { float: 1 }, beta: { float: 1 } }, { outputs: [name] });
  }
  graph = encodeModel(b.model());
});

async function run(bytes: Uint8Array, feeds: Record<string, ort.Tensor>) {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run(feeds);
  await session.release();
  return out;
}

describe('a real PEFT GPT-2 LoRA on Conv1D-style Gemm layers', () => {
  it('the graph has Optimum\'s GPT-2 scopes and the plugin finds Gemm layers in [in, out] layout', () => {
    const plans = planModules(new Map([['model', { model: decodeModel(graph, 'gpt2'), fileName: 'model.onnx' }]]), [{ name: 'gpt2', adapter }]);
    expect([...plans.values()].map((p) => [p.scopes.model, p.kinds[0]])).toEqual([
      ['/transformer/h.0/attn/c_attn', 'gemm'], ['/transformer/h.0/attn/c_proj', 'gemm'], ['/transformer/h.0/mlp/c_proj', 'gemm'],
    ]);
  });

  it.each(['merge', 'branch', 'dynamic'] as const)('%s: y_adapted − y_base = x · ΔWᵀ (atol 1e-5 + rtol 1e-4)', async (mode) => {
    const plans = planModules(new Map([['model', { model: decodeModel(graph, 'gpt2'), fileName: 'model.onnx' }]]), [{ name: 'gpt2', adapter }]);
    const rng = new SeededRandom(6);
    const x = Float32Array.from({ length: T * 768 }, () => rng.uniform(-1, 1));
    const h = Float32Array.from({ length: T * 3072 }, () => rng.uniform(-1, 1));
    const feeds: Record<string, ort.Tensor> = { x: new ort.Tensor('float32', x, [T, 768]), h: new ort.Tensor('float32', h, [T, 3072]) };
    const base = await run(graph, feeds);
    let spec: BuildSpec = { mode: mode === 'dynamic' ? 'branch' : mode, mix: [{ name: 'gpt2', adapter, weight: 1 }] };
    if (mode === 'dynamic') {
      const byModule = new Map([...adapter.modules].map(([n, m]) => [n, [{ adapter: 0, module: m }]]));
      spec = { mode, layers: dynamicLayers(byModule), adapterCount: 1 };
      feeds[MIX_INPUT] = new ort.Tensor('float32', Float32Array.of(1), [1]);
    }
    const adapted = await run(buildGraph(graph, 'model', spec, plans), feeds);
    for (const [name, inF, out, input] of LAYERS) {
      const xs = input === 'x' ? x : h;
      const expected = new Float64Array(T * out);
      const d = deltas.get(name)!;
      for (let t = 0; t < T; t++) for (let o = 0; o < out; o++) {
        let acc = 0;
        for (let c = 0; c < inF; c++) acc += xs[t * inF + c] * d[o * inF + c];
        expected[t * out + o] = acc;
      }
      const y0 = base[name].data as Float32Array;
      const delta = (adapted[name].data as Float32Array).map((v, i) => v - y0[i]);
      const c = compareToReference(delta, expected, { atol: 1e-5, rtol: 1e-4 });
      expect(c.ok, `${name}: max error ${c.maxAbsError} > bound ${c.bound}`).toBe(true);
      expect(c.maxAbsExpected).toBeGreaterThan(1e-3);
    }
  });
});
