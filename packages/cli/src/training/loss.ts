import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../errors.js';
import type { Row } from './dataset.js';
import { sparseCrossEntropy } from './loop.js';

/** How `train` scores predictions: cross-entropy on class indices, or mean squared error. */
export type LossKind = 'ce' | 'mse';

/** A chosen loss: the tf function, the target tensor's shape per row, and a row checker. */
export interface LossPlan {
  kind: LossKind;
  /** Shape of one row's target tensor (class indices for ce, values for mse). */
  targetShape: number[];
  fn(y: tf.Tensor, prediction: tf.Tensor): tf.Scalar;
  /** Why a row's target does not fit, or undefined. */
  check(row: Row): string | undefined;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Cross-entropy on probabilities (a model that ends in softmax): −mean log p[label]. */
function probabilityCrossEntropy(labels: tf.Tensor, probs: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const classes = probs.shape[probs.shape.length - 1] as number;
    const p = tf.sum(tf.mul(tf.oneHot(labels.toInt(), classes), probs), -1);
    return tf.neg(tf.mean(tf.log(tf.clipByValue(p, 1e-7, 1)))) as tf.Scalar;
  });
}

/**
 * The loss for a model whose output per example has shape `output` (without the batch axis):
 * `ce` needs integer targets in [0, classes): one per example for output [classes], T per example for
 * [T, classes]; `mse` needs as many target numbers as the output has. `auto` picks ce when the output's
 * last axis has > 1 classes and most rows' targets are that many whole numbers ≥ 0 (so that a few
 * malformed rows are reported as such instead of switching the loss); else mse.
 */
export function planLoss(kind: LossKind | 'auto', output: readonly number[], rows: readonly Row[], softmaxOutput: boolean): LossPlan {
  const classes = output[output.length - 1];
  const positions = size(output.slice(0, -1));
  const ceShape = (r: Row) => r.target.length === positions && r.target.every((t) => Number.isInteger(t) && t >= 0);
  const ceFits = (r: Row) => ceShape(r) && r.target.every((t) => t < classes);
  const chosen = kind === 'auto' ? (classes > 1 && 2 * rows.filter(ceShape).length > rows.length ? 'ce' : 'mse') : kind;
  if (chosen === 'ce') {
    if (classes < 2) throw new UsageError(`--loss ce needs a model output with ≥ 2 classes on its last axis; this model outputs [${output.join(', ')}]. Use --loss mse.`);
    return {
      kind: 'ce',
      targetShape: output.length > 1 ? output.slice(0, -1) : [],
      fn: softmaxOutput ? probabilityCrossEntropy : sparseCrossEntropy,
      check: (r) => (ceFits(r) ? undefined
        : `target has ${r.target.length} value(s) [${r.target.slice(0, 8).join(', ')}${r.target.length > 8 ? ', …' : ''}]; expected ${positions === 1 ? 'one class index' : `${positions} class indices`} (whole numbers 0–${classes - 1}) for output [${output.join(', ')}]`),
    };
  }
  const n = size(output);
  return {
    kind: 'mse',
    targetShape: [...output],
    fn: (y, p) => tf.losses.meanSquaredError(y, p) as tf.Scalar,
    check: (r) => (r.target.length === n ? undefined : `target has ${r.target.length} value(s); expected ${n} for output [${output.join(', ')}] with --loss mse`),
  };
}
