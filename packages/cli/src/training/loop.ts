import * as tf from '@tensorflow/tfjs';

/** One training batch as tensors; the loop disposes them after the step. */
export interface Batch {
  x: tf.Tensor;
  y: tf.Tensor;
}

/** Options of {@link trainLoop}. */
export interface TrainLoopOptions {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  /** Steps to run, counted from `startStep` (default 0) up to `steps` (exclusive). */
  steps: number;
  startStep?: number;
  /** The batch of step `step` (deterministic in `step`, so that a resumed run sees the same data). */
  batch(step: number): Batch;
  /** The scalar loss of a batch's predictions. */
  loss(y: tf.Tensor, prediction: tf.Tensor): tf.Scalar;
  /** Called after every step with its loss and wall time. */
  onStep?(step: number, loss: number, ms: number): void | Promise<void>;
}

/** What a training run measured. */
export interface TrainLoopResult {
  /** Loss per step run. */
  losses: number[];
  /** Wall time per step in ms (batch creation included). */
  stepMs: number[];
}

/**
 * Trains `model`'s trainable weights (only those: adapters after applyMultiLoRA, everything for full
 * fine-tuning) with `optimizer` on the batches `batch(step)`. One step reads its loss back, which also
 * makes step times honest on asynchronous backends.
 */
export async function trainLoop(options: TrainLoopOptions): Promise<TrainLoopResult> {
  const { model, optimizer } = options;
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const losses: number[] = [];
  const stepMs: number[] = [];
  for (let step = options.startStep ?? 0; step < options.steps; step++) {
    const t0 = performance.now();
    const { x, y } = options.batch(step);
    const cost = optimizer.minimize(() => options.loss(y, model.apply(x, { training: true }) as tf.Tensor), true, variables) as tf.Scalar;
    const loss = (await cost.data())[0];
    tf.dispose([x, y, cost]);
    const ms = performance.now() - t0;
    losses.push(loss);
    stepMs.push(ms);
    await options.onStep?.(step, loss, ms);
  }
  return { losses, stepMs };
}

/** Softmax cross-entropy of logits [..., classes] against integer labels [...] (mean over all positions). */
export function sparseCrossEntropy(labels: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const classes = logits.shape[logits.shape.length - 1] as number;
    return tf.losses.softmaxCrossEntropy(tf.oneHot(labels.toInt(), classes), logits) as tf.Scalar;
  });
}

/** The median of `values` (0 for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
