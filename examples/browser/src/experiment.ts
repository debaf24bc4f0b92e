/**
 * The demo's training problem, the same in the page and in Node (the browser tests train it in both and
 * compare): a small MLP student whose frozen base equals a teacher's base, and a teacher that adds a
 * rank-k update to the base weights of its two hidden Dense layers. The adapters must learn that update,
 * so the loss falls towards 0 and the spectrum of the learned ΔW is worth watching. Every number comes
 * from core's SeededRandom and the teacher's outputs are computed in float64 in plain JS, so the data
 * are bit-identical on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import { SeededRandom, type MultiLoraConfig } from '@multilora/core';
import { applyMultiLoRA, type MultiLoraModel } from '@multilora/tfjs';

/** What `applyMultiLoRA` takes: a config, or an adapter (its own config and weights). */
export type AdapterSpec = Parameters<typeof applyMultiLoRA>[1];

/** Sizes of the problem. */
export interface ProblemSize {
  inputs: number;
  hidden: number;
  outputs: number;
  samples: number;
  batch: number;
  /** Rank of the teacher's update of each hidden layer. */
  teacherRank: number;
}

/** `tiny`: the test path (fast even on SwiftShader WebGPU); `demo`: the page's default. */
export const SIZES: Record<'tiny' | 'demo', ProblemSize> = {
  tiny: { inputs: 8, hidden: 16, outputs: 4, samples: 64, batch: 32, teacherRank: 2 },
  demo: { inputs: 32, hidden: 64, outputs: 8, samples: 512, batch: 64, teacherRank: 6 },
};

/** The data and the base weights of one problem, as plain arrays (row-major, tfjs Dense layout [in, out]). */
export interface Problem {
  size: ProblemSize;
  x: Float32Array;
  y: Float32Array;
  /** Kernels [in, out] and biases of fc1, fc2, head. */
  kernels: Float32Array[];
  biases: Float32Array[];
  /** A fixed probe batch (the first `batch` samples' inputs), whose outputs the tests compare. */
  probe: Float32Array;
}

function uniform(rng: SeededRandom, length: number, bound: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.uniform(-bound, bound);
  return out;
}

/** y = relu?(x · W + b) in float64 for one row. */
function denseRow(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>, out: number, relu: boolean): Float64Array {
  const inF = x.length;
  const y = new Float64Array(out);
  for (let j = 0; j < out; j++) {
    let s = b[j];
    for (let i = 0; i < inF; i++) s += x[i] * w[i * out + j];
    y[j] = relu ? Math.max(0, s) : s;
  }
  return y;
}

/** A problem of `size` from `seed` (see the file comment). */
export function makeProblem(size: ProblemSize, seed = 7): Problem {
  const rng = new SeededRandom(seed);
  const dims = [size.inputs, size.hidden, size.hidden, size.outputs];
  const kernels = [0, 1, 2].map((l) => uniform(rng, dims[l] * dims[l + 1], Math.sqrt(6 / (dims[l] + dims[l + 1]))));
  const biases = [0, 1, 2].map((l) => uniform(rng, dims[l + 1], 0.1));
  // The teacher's hidden kernels: W0 + U·V with U [in, k], V [k, out].
  const teacher = kernels.map((w, l) => {
    if (l === 2) return w;
    const [inF, out, k] = [dims[l], dims[l + 1], size.teacherRank];
    const u = uniform(rng, inF * k, 1 / Math.sqrt(k));
    const v = uniform(rng, k * out, 0.6 / Math.sqrt(inF));
    const t = Float64Array.from(w);
    for (let i = 0; i < inF; i++) for (let j = 0; j < out; j++) for (let q = 0; q < k; q++) t[i * out + j] += u[i * k + q] * v[q * out + j];
    return t;
  });
  const x = uniform(rng, size.samples * size.inputs, 1);
  const y = new Float32Array(size.samples * size.outputs);
  for (let s = 0; s < size.samples; s++) {
    let h: ArrayLike<number> = x.subarray(s * size.inputs, (s + 1) * size.inputs);
    for (let l = 0; l < 3; l++) h = denseRow(h, teacher[l], biases[l], dims[l + 1], l < 2);
    y.set(h, s * size.outputs);
  }
  return { size, x, y, kernels, biases, probe: x.slice(0, size.batch * size.inputs) };
}

/** The frozen-base student: Dense(relu) fc1 → Dense(relu) fc2 → Dense head, with the problem's base weights. */
export function buildStudent(problem: Problem): tf.LayersModel {
  const { inputs, hidden, outputs } = problem.size;
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [inputs], units: hidden, activation: 'relu', name: 'fc1' }),
      tf.layers.dense({ units: hidden, activation: 'relu', name: 'fc2' }),
      tf.layers.dense({ units: outputs, name: 'head' }),
    ],
  });
  const dims = [inputs, hidden, hidden, outputs];
  model.setWeights(problem.kernels.flatMap((k, l) => [tf.tensor2d(k, [dims[l], dims[l + 1]]), tf.tensor1d(problem.biases[l])]));
  return model;
}

/** A student with MultiLoRA on fc1 and fc2, and a training step (Adam, mean squared error). */
export interface Session {
  problem: Problem;
  model: tf.LayersModel;
  lora: MultiLoraModel;
  /** One optimizer step on minibatch `step` (taken in order, wrapping); resolves to the loss before the step. */
  step(step: number): Promise<number>;
  /** The student's outputs on the probe batch. */
  probe(): Promise<Float32Array>;
  /** Mean squared error over all samples. */
  evaluate(): Promise<number>;
  dispose(): void;
}

/** Default adapter config of the demo. */
export const DEFAULT_CONFIG: Partial<MultiLoraConfig> = { n: 4, r: 2, loraAlpha: 4, seed: 3 };

/** Builds the student, applies MultiLoRA (`config`, or a loaded adapter's own) and prepares Adam at `lr`. */
export function createSession(problem: Problem, config: AdapterSpec = DEFAULT_CONFIG, lr = 0.01): Session {
  const { samples, batch, inputs, outputs } = problem.size;
  const model = buildStudent(problem);
  const lora = applyMultiLoRA(model, config);
  // Adam's epsilon explicitly: its default is the backend's epsilon(), and tfjs's webgl backend reports float16
  // precision (1e-4) exactly when float32 render targets work, so webgl would otherwise train differently.
  const optimizer = tf.train.adam(lr, 0.9, 0.999, 1e-7);
  const xAll = tf.tensor2d(problem.x, [samples, inputs]);
  const yAll = tf.tensor2d(problem.y, [samples, outputs]);
  const batches = Math.max(1, Math.floor(samples / batch));
  const slices = Array.from({ length: batches }, (_, i) => [xAll.slice([i * batch, 0], [batch, inputs]), yAll.slice([i * batch, 0], [batch, outputs])]);
  const probeX = tf.tensor2d(problem.probe, [batch, inputs]);
  return {
    problem,
    model,
    lora,
    async step(i) {
      const [xb, yb] = slices[i % batches];
      const loss = optimizer.minimize(() => tf.losses.meanSquaredError(yb, model.apply(xb, { training: true }) as tf.Tensor) as tf.Scalar, true)!;
      const value = (await loss.data())[0];
      loss.dispose();
      return value;
    },
    async probe() {
      const out = model.predict(probeX) as tf.Tensor;
      const data = (await out.data()) as Float32Array;
      out.dispose();
      return Float32Array.from(data);
    },
    async evaluate() {
      const loss = tf.tidy(() => tf.losses.meanSquaredError(yAll, model.predict(xAll) as tf.Tensor));
      const value = (await loss.data())[0];
      loss.dispose();
      return value;
    },
    dispose() {
      optimizer.dispose();
      tf.dispose([xAll, yAll, probeX, ...slices.flat()]);
      model.dispose();
    },
  };
}
