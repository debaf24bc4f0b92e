/**
 * The model of the paper's Figure 3 as our benchmarks train it (bench/tfjs-training.bench.ts in Node,
 * bench/browser-training.bench.ts through the browser page): 2 transformer-like blocks (RMS norms, single-head attention
 * with q, k, v, o projections, a 2-layer MLP; 6 Dense layers per block), a Dense head, inputs
 * [batch, seq, hidden]. Layer names and seeded Glorot initialisers are fixed, so every backend trains the same model.
 */
import * as tf from '@tensorflow/tfjs';
import type { MultiLoraConfig } from '@multilora/core';

/** Sizes of the Figure-3 model. */
export interface Figure3Size {
  hidden: number;
  seq: number;
  batch: number;
  blocks: number;
  head: number;
}

/** The benchmarks' full and `--quick` sizes. */
export const FIGURE3_SIZES: Record<'full' | 'quick', Figure3Size> = {
  full: { hidden: 256, seq: 32, batch: 8, blocks: 2, head: 16 },
  quick: { hidden: 128, seq: 16, batch: 8, blocks: 2, head: 16 },
};

/**
 * RMS normalisation without weights. tfjs-layers' LayerNormalization is not used: its backward tiles the
 * moments and tfjs's Tile gradient is one slice per repetition, which took ~460 ms of a ~935 ms step
 * (tf.profile), drowning what the adapters cost in a cost no adapter implementation controls.
 */
class RmsNorm extends tf.layers.Layer {
  static className = 'RmsNorm';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return tf.div(x, tf.sqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-6)));
    });
  }
}

function block(x: tf.SymbolicTensor, i: number, hidden: number): tf.SymbolicTensor {
  const dense = (units: number, name: string, activation?: 'relu') =>
    tf.layers.dense({ units, name: `b${i}_${name}`, activation, kernelInitializer: tf.initializers.glorotUniform({ seed: i * 10 + name.length }) });
  const apply = (layer: tf.layers.Layer, input: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(input) as tf.SymbolicTensor;
  const h = apply(new RmsNorm({ name: `b${i}_norm1` }), x);
  const q = apply(dense(hidden, 'q_proj'), h);
  const k = apply(dense(hidden, 'k_proj'), h);
  const v = apply(dense(hidden, 'v_proj'), h);
  const scores = apply(tf.layers.dot({ axes: 2, name: `b${i}_scores` }), [q, k]);
  const weights = apply(tf.layers.softmax({ axis: 2, name: `b${i}_softmax` }), scores);
  const context = apply(tf.layers.dot({ axes: [2, 1], name: `b${i}_context` }), [weights, v]);
  const o = apply(dense(hidden, 'o_proj'), context);
  const x2 = apply(tf.layers.add({ name: `b${i}_res1` }), [x, o]);
  const h2 = apply(new RmsNorm({ name: `b${i}_norm2` }), x2);
  const up = apply(dense(2 * hidden, 'up_proj', 'relu'), h2);
  const down = apply(dense(hidden, 'down_proj'), up);
  return apply(tf.layers.add({ name: `b${i}_res2` }), [x2, down]);
}

/** The Figure-3 model of `size`. */
export function buildFigure3Model(size: Figure3Size): tf.LayersModel {
  const input = tf.input({ shape: [size.seq, size.hidden], name: 'features' });
  let x = input;
  for (let i = 0; i < size.blocks; i++) x = block(x, i, size.hidden);
  const head = tf.layers.dense({ units: size.head, name: 'head', kernelInitializer: tf.initializers.glorotUniform({ seed: 99 }) });
  return tf.model({ inputs: input, outputs: head.apply(x) as tf.SymbolicTensor });
}

/** One adapter setting of the Figure-3 comparison; no `config` = frozen base, only the head trains. */
export interface Figure3Variant {
  name: string;
  config?: Partial<MultiLoraConfig>;
}

/** LoRA r ∈ {8, 32, 64} against MultiLoRA n×r ∈ {4×8, 8×8, 2×32}, and the frozen base. */
export const FIGURE3_VARIANTS: readonly Figure3Variant[] = [
  { name: 'frozen base, no adapter' },
  { name: 'LoRA r=8', config: { n: 1, r: 8, init: 'lora' } },
  { name: 'LoRA r=32', config: { n: 1, r: 32, init: 'lora' } },
  { name: 'LoRA r=64', config: { n: 1, r: 64, init: 'lora' } },
  { name: 'MultiLoRA 4×8', config: { n: 4, r: 8 } },
  { name: 'MultiLoRA 8×8', config: { n: 8, r: 8 } },
  { name: 'MultiLoRA 2×32', config: { n: 2, r: 32 } },
];
