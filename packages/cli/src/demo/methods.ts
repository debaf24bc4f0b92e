import * as tf from '@tensorflow/tfjs';
import type { Adapter, DenseMatrix } from '@multilora/core';
import { applyMultiLoRA, type MultiLoraModel } from '@multilora/tfjs';
import { ADAPTED_LAYERS } from './model.js';
import type { DemoSettings } from './settings.js';

/** The three ways of fine-tuning the demo compares. */
export type MethodName = 'full' | 'lora' | 'multilora';

/** Display names, e.g. "LoRA (r = 16)". */
export function methodLabel(method: MethodName, s: Pick<DemoSettings, 'n' | 'r'>): string {
  if (method === 'full') return 'Full fine-tuning';
  return method === 'lora' ? `LoRA (r = ${s.n * s.r})` : `MultiLoRA (n = ${s.n}, r = ${s.r})`;
}

/** A model made ready for one method: what trains, the adapter handle if any, and parameter counts. */
export interface PreparedMethod {
  method: MethodName;
  model: tf.LayersModel;
  handle?: MultiLoraModel;
  trainable: number;
  total: number;
  learningRate: number;
}

const count = (weights: tf.LayerVariable[]) => weights.reduce((p, w) => p + (w.shape as number[]).reduce((a, d) => a * d, 1), 0);

/**
 * Prepares `model` (a fresh copy of the base) for `method`: full fine-tuning trains every weight;
 * LoRA is applyMultiLoRA with n = 1, r = n·r, init 'lora'; MultiLoRA is n, r, init 'multilora'. Both
 * adapters target fc1–fc3 with γ = 1 (loraAlpha = r) and the same seed.
 */
export function prepareMethod(method: MethodName, model: tf.LayersModel, s: DemoSettings): PreparedMethod {
  if (method === 'full') {
    const n = count(model.weights);
    return { method, model, trainable: n, total: n, learningRate: s.lrFull };
  }
  const config = method === 'lora'
    ? { n: 1, r: s.n * s.r, loraAlpha: s.n * s.r, init: 'lora' as const }
    : { n: s.n, r: s.r, loraAlpha: s.r, init: 'multilora' as const };
  const handle = applyMultiLoRA(model, { ...config, targetModules: [...ADAPTED_LAYERS], seed: s.seed });
  const { trainable, total } = handle.parameterCounts();
  return { method, model, handle, trainable, total, learningRate: s.lrAdapter };
}

/** Kernels of the adapted layers, as float64 [out, in] (tfjs stores Dense kernels [in, out]). */
export function adaptedKernels(model: tf.LayersModel): Map<string, DenseMatrix> {
  return new Map(ADAPTED_LAYERS.map((name) => {
    const kernel = model.getLayer(name).getWeights()[0];
    const [inF, out] = kernel.shape as [number, number];
    const src = kernel.dataSync();
    const data = new Float64Array(out * inF);
    for (let i = 0; i < inF; i++) for (let o = 0; o < out; o++) data[o * inF + i] = src[i * out + o];
    return [name, { rows: out, cols: inF, data }];
  }));
}

/** Full fine-tuning's ΔW = W_ft − W0 per adapted layer, [out, in]. */
export function denseDeltas(tuned: ReadonlyMap<string, DenseMatrix>, base: ReadonlyMap<string, DenseMatrix>): Map<string, DenseMatrix> {
  return new Map([...tuned].map(([name, w]) => {
    const w0 = base.get(name)!;
    return [name, { rows: w.rows, cols: w.cols, data: w.data.map((v, i) => v - w0.data[i]) }];
  }));
}

/** The trained adapter of an adapter method, with the demo's metadata. */
export function exportAdapter(prepared: PreparedMethod): Adapter {
  return prepared.handle!.exportAdapter({ baseModelNameOrPath: 'multilora-demo/base', taskType: 'multilora-demo' });
}
