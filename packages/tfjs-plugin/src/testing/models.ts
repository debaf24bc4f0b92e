import * as tf from '@tensorflow/tfjs';

/**
 * Small seeded models for the tests: one per structure the plugin must handle (Sequential with an
 * Embedding, a Conv2D net, a functional model with a shared layer, a model nested in another).
 * Layer names are explicit and unique per call (`prefix`), so tests can target them by name.
 */

let counter = 0;
function seeded(seed: number) {
  return tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed });
}

/** ids [batch, 4] (vocab 20) → Embedding(8) → Flatten → Dense(16, relu) → Dense(3). */
export function embeddingMlp(prefix = `m${counter++}`): tf.Sequential {
  return tf.sequential({
    name: `${prefix}`,
    layers: [
      tf.layers.embedding({ inputDim: 20, outputDim: 8, inputLength: 4, name: `${prefix}_emb`, embeddingsInitializer: seeded(1) }),
      tf.layers.flatten({ name: `${prefix}_flat` }),
      tf.layers.dense({ units: 16, activation: 'relu', name: `${prefix}_hidden`, kernelInitializer: seeded(2), biasInitializer: seeded(3) }),
      tf.layers.dense({ units: 3, name: `${prefix}_out`, kernelInitializer: seeded(4) }),
    ],
  });
}

/** x [batch, 6, 6, 2] → Conv2D(4, 3×3, same, relu) → Conv2D(3, 2×2, stride 2) → Flatten → Dense(2). */
export function convNet(prefix = `c${counter++}`): tf.Sequential {
  return tf.sequential({
    name: prefix,
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: `${prefix}_conv1`, kernelInitializer: seeded(5), biasInitializer: seeded(6) }),
      tf.layers.conv2d({ filters: 3, kernelSize: 2, strides: 2, name: `${prefix}_conv2`, kernelInitializer: seeded(7) }),
      tf.layers.flatten({ name: `${prefix}_flat` }),
      tf.layers.dense({ units: 2, name: `${prefix}_out`, kernelInitializer: seeded(8) }),
    ],
  });
}

/** Two inputs [batch, 5] through one shared Dense(6, tanh), concatenated, → Dense(2). */
export function sharedLayerModel(prefix = `s${counter++}`): tf.LayersModel {
  const a = tf.input({ shape: [5], name: `${prefix}_in_a` });
  const b = tf.input({ shape: [5], name: `${prefix}_in_b` });
  const shared = tf.layers.dense({ units: 6, activation: 'tanh', name: `${prefix}_shared`, kernelInitializer: seeded(9), biasInitializer: seeded(10) });
  const joined = tf.layers.concatenate({ name: `${prefix}_cat` }).apply([shared.apply(a), shared.apply(b)] as tf.SymbolicTensor[]);
  const out = tf.layers.dense({ units: 2, name: `${prefix}_out`, kernelInitializer: seeded(11) }).apply(joined) as tf.SymbolicTensor;
  return tf.model({ inputs: [a, b], outputs: out, name: prefix });
}

/** x [batch, 5] → inner Sequential (Dense(6, relu) → Dense(4)) → Dense(2); the inner model is named `${prefix}_inner`. */
export function nestedModel(prefix = `n${counter++}`): tf.LayersModel {
  const inner = tf.sequential({
    name: `${prefix}_inner`,
    layers: [
      tf.layers.dense({ inputShape: [5], units: 6, activation: 'relu', name: `${prefix}_d1`, kernelInitializer: seeded(12), biasInitializer: seeded(13) }),
      tf.layers.dense({ units: 4, name: `${prefix}_d2`, kernelInitializer: seeded(14) }),
    ],
  });
  const x = tf.input({ shape: [5], name: `${prefix}_in` });
  const out = tf.layers.dense({ units: 2, name: `${prefix}_out`, kernelInitializer: seeded(15) }).apply(inner.apply(x)) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: out, name: prefix });
}

/** Seeded token ids [batch, 4] below 20 for {@link embeddingMlp}. */
export function tokenIds(batch: number, seed: number): tf.Tensor2D {
  const ids = new Int32Array(batch * 4);
  let state = seed;
  for (let i = 0; i < ids.length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    ids[i] = state % 20;
  }
  return tf.tensor2d(ids, [batch, 4], 'int32');
}
