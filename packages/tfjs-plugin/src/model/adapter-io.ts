import * as tf from '@tensorflow/tfjs';
import { MultiLoraError, fromFusedB, toFusedB, type Adapter, type AdapterModule } from '@multilora/core';
import { checkModuleFits, targetDims } from './attach.js';
import type { AdaptedLayer } from './merge.js';

function layerDims({ name, layer, kind }: AdaptedLayer) {
  return targetDims({ layer, name, className: kind.baseClassName, isOutput: false, containers: [] }, kind);
}

/** Copies of the values of a layer's adapter weights, in the layer's layout. */
export interface AdapterValues {
  a: Float32Array;
  b: Float32Array;
  scale: Float32Array;
}

/** The adapter weights' values, read synchronously (cpu, wasm, webgl; webgpu in a browser). */
export function readAdapterValues({ layer: { multilora: s } }: AdaptedLayer): AdapterValues {
  const copy = (v: tf.LayerVariable) => v.read().dataSync<'float32'>().slice();
  return { a: copy(s.a), b: copy(s.b), scale: copy(s.scale) };
}

/** The adapter weights' values, read asynchronously (every backend, webgpu in Node included). */
export async function readAdapterValuesAsync({ layer: { multilora: s } }: AdaptedLayer): Promise<AdapterValues> {
  const copy = async (v: tf.LayerVariable) => Float32Array.from(await v.read().data<'float32'>());
  return { a: await copy(s.a), b: await copy(s.b), scale: await copy(s.scale) };
}

/** The adapter of one layer as core's {@link AdapterModule} (file layout), from its weights' values. */
export function moduleOfLayer({ name, layer, kind }: AdaptedLayer, values: AdapterValues): AdapterModule {
  const s = layer.multilora;
  const dims = layerDims({ name, layer, kind });
  return {
    name,
    kind: kind.kind,
    n: s.n,
    r: s.r,
    inShape: dims.inShape,
    inFeatures: dims.inShape.reduce((p, d) => p * d, 1),
    outFeatures: dims.outFeatures,
    scaleMode: s.scaleMode,
    gamma: s.gamma,
    a: kind.aToFile(values.a, layer),
    b: fromFusedB(values.b, s.n, dims.outFeatures, s.r),
    scale: values.scale,
  };
}

/**
 * Checks that `adapter` has exactly one fitting module per adapted layer (same names, kinds, sizes, n, r
 * and scale mode) before anything is written; throws TARGET_NOT_FOUND, ADAPTER_MISSING_TENSOR or
 * ADAPTER_SHAPE_MISMATCH naming the layer and both shapes.
 */
export function checkAdapterFits(adapter: Adapter, layers: readonly AdaptedLayer[]): void {
  const names = layers.map((l) => l.name);
  const extra = [...adapter.modules.keys()].filter((k) => !names.includes(k));
  if (extra.length > 0) {
    throw new MultiLoraError('TARGET_NOT_FOUND',
      `the adapter has modules ${extra.map((e) => `"${e}"`).join(', ')} that match no adapted layer; the adapted layers are ${names.join(', ')}.`);
  }
  for (const l of layers) {
    const module = adapter.modules.get(l.name);
    if (!module) {
      throw new MultiLoraError('ADAPTER_MISSING_TENSOR',
        `the adapter has no module for adapted layer "${l.name}"; it has ${[...adapter.modules.keys()].join(', ')}.`);
    }
    const s = l.layer.multilora;
    checkModuleFits(l.name, l.kind.baseClassName, module, l.kind, layerDims(l), s);
  }
}

/** Writes a fitting module (see {@link checkAdapterFits}) into its layer's adapter weights and γ. */
export function loadModuleIntoLayer({ layer, kind }: AdaptedLayer, module: AdapterModule): void {
  const s = layer.multilora;
  const write = (v: tf.LayerVariable, values: Float32Array) => {
    const t = tf.tensor(values, v.shape as number[], 'float32');
    v.write(t);
    t.dispose();
  };
  write(s.a, kind.aFromFile(module.a, layer, s.n * s.r));
  write(s.b, toFusedB(module.b, s.n, module.outFeatures, s.r));
  write(s.scale, module.scale);
  s.gamma = module.gamma;
}
