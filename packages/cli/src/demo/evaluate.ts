import * as tf from '@tensorflow/tfjs';
import type { Example } from './tasks.js';

/** Examples as tensors: inputs int32 [N, INPUT_LENGTH], answers int32 [N, SEQ]. */
export function toTensors(examples: readonly Example[]): { x: tf.Tensor; y: tf.Tensor } {
  return {
    x: tf.tensor2d(examples.map((e) => e.input), undefined, 'int32'),
    y: tf.tensor2d(examples.map((e) => e.target), undefined, 'int32'),
  };
}

/** Exact-match accuracy: the share of examples whose every answer token is the arg-max prediction. */
export function exactMatch(model: tf.LayersModel, examples: readonly Example[]): number {
  if (examples.length === 0) return 0;
  const { x, y } = toTensors(examples);
  const correct = tf.tidy(() => {
    const predicted = tf.argMax(model.predict(x) as tf.Tensor, -1).toInt();
    return tf.all(tf.equal(predicted, y), -1).toInt().sum();
  });
  const value = correct.dataSync()[0];
  tf.dispose([x, y, correct]);
  return value / examples.length;
}

/** Exact-match accuracy per task of a test set. */
export function accuracyPerTask(model: tf.LayersModel, tests: ReadonlyMap<string, Example[]>): Record<string, number> {
  return Object.fromEntries([...tests].map(([name, examples]) => [name, exactMatch(model, examples)]));
}
