import * as tf from '@tensorflow/tfjs';
import { INPUT_LENGTH, SEQ, VOCAB } from './tasks.js';

/** Sizes of the demo's base model. */
export interface ModelSize {
  /** Token embedding width. */
  embedding: number;
  /** Width of the three hidden Dense layers. */
  hidden: number;
}

/** The Dense layers that adapters target (and whose ΔW the diagnostics compare). */
export const ADAPTED_LAYERS = ['fc1', 'fc2', 'fc3'] as const;

/**
 * The demo's base model: token embedding → flatten → fc1 (ReLU) → fc2, fc3 (ReLU, residual) → a head
 * with one softmax over the vocabulary per answer position. Outputs logits [batch, SEQ, VOCAB].
 * Deterministic weights from `seed`.
 */
export function buildBaseModel(size: ModelSize, seed: number): tf.LayersModel {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 31 + k });
  const input = tf.input({ shape: [INPUT_LENGTH], dtype: 'int32', name: 'tokens' });
  const embedded = tf.layers.embedding({ inputDim: VOCAB, outputDim: size.embedding, name: 'embed', embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed }) }).apply(input);
  const flat = tf.layers.flatten({ name: 'flatten' }).apply(embedded);
  const dense = (name: string, units: number, k: number, activation?: 'relu') =>
    tf.layers.dense({ units, name, activation, kernelInitializer: init(k) });
  const h1 = dense('fc1', size.hidden, 1, 'relu').apply(flat) as tf.SymbolicTensor;
  const h2 = tf.layers.add({ name: 'res2' }).apply([h1, dense('fc2', size.hidden, 2, 'relu').apply(h1) as tf.SymbolicTensor]) as tf.SymbolicTensor;
  const h3 = tf.layers.add({ name: 'res3' }).apply([h2, dense('fc3', size.hidden, 3, 'relu').apply(h2) as tf.SymbolicTensor]) as tf.SymbolicTensor;
  const logits = dense('head', SEQ * VOCAB, 4).apply(h3);
  const output = tf.layers.reshape({ targetShape: [SEQ, VOCAB], name: 'answer' }).apply(logits) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'demo_base' });
}

/** A copy of `model` with the same architecture and weights (the base each method starts from). */
export function cloneModel(model: tf.LayersModel, size: ModelSize, seed: number): tf.LayersModel {
  const copy = buildBaseModel(size, seed);
  copy.setWeights(model.getWeights());
  return copy;
}
