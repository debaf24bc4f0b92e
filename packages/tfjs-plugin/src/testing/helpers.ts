import * as tf from '@tensorflow/tfjs';
import { toFusedB, type Adapter, type AdapterModule } from '@multilora/core';
import { randomFloat32, randomizeAdapter as randomizeAdapterValues } from '@multilora/core/testing';

/**
 * Shared helpers of this package's tests: a module's tensors in the layer layout, seeded inputs, and
 * float64 copies of tensor values.
 */

/** A_cat [n·r, in], B_cat [out, n·r] and the scales of a linear module, as tensors. */
export function linearTensors(m: AdapterModule): { a: tf.Tensor2D; b: tf.Tensor2D; s: tf.Tensor } {
  const nr = m.n * m.r;
  return {
    a: tf.tensor2d(m.a, [nr, m.inFeatures]),
    b: tf.tensor2d(toFusedB(m.b, m.n, m.outFeatures, m.r), [m.outFeatures, nr]),
    s: m.scaleMode === 'module' ? tf.tensor1d(m.scale) : tf.tensor2d(m.scale, [m.n, m.outFeatures]),
  };
}

/** A seeded float32 tensor of `shape` with values in [-1, 1). */
export function randomTensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(randomFloat32(shape.reduce((p, d) => p * d, 1), seed), shape);
}

/** The values of `t` (read outside any tidy) as float64. */
export function values64(t: tf.Tensor): Float64Array {
  return Float64Array.from(t.dataSync());
}

/** The values of every weight of `model`, copied, in `model.weights` order. */
export function weightValues(model: tf.LayersModel): Float32Array[] {
  return model.weights.map((w) => w.read().dataSync<'float32'>().slice());
}

/** Runs `model` on `x` (inference) and returns its output values, copied. */
export function predictValues(model: tf.LayersModel, x: tf.Tensor | tf.Tensor[]): Float32Array {
  const y = model.predict(x) as tf.Tensor;
  const v = y.dataSync<'float32'>().slice();
  y.dispose();
  return v;
}

/** Whether two lists of arrays are equal bit for bit. */
export function bitEqual(a: readonly Float32Array[], b: readonly Float32Array[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i];
    if (x.length !== y.length) return false;
    const xb = new Uint32Array(x.buffer, x.byteOffset, x.length);
    const yb = new Uint32Array(y.buffer, y.byteOffset, y.length);
    return xb.every((v, j) => v === yb[j]);
  });
}

/** Core's `randomizeAdapter` (non-zero scales, random B) with B in [-0.5, 0.5), in place. */
export function randomizeAdapter(adapter: Adapter, seed: number): Adapter {
  return randomizeAdapterValues(adapter, seed, { bRange: 0.5 });
}
