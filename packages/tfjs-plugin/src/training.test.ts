import * as tf from '@tensorflow/tfjs';
import { describe, it, expect, afterEach } from 'vitest';
import { createAdapter, initModule, resolveConfig } from '@multilora/core';
import { assertClose, float32Tolerance, randomFloat32 } from '@multilora/core/testing';
import { applyMultiLoRA } from './apply.js';
import { setFastKernel } from './ops/fast-kernel.js';
import { bitEqual, predictValues, randomTensor, randomizeAdapter, values64, weightValues } from './testing/helpers.js';
import { convNet, embeddingMlp, nestedModel, tokenIds } from './testing/models.js';

afterEach(() => setFastKernel('cpu', true));

const TASKS = 3;
const FEATURES = 8;

/** x [batch, 8 + 3] (features, task one-hot) and y [batch, 1]: a different function of x per task. */
function multiTaskData(batch: number, seed: number) {
  const feats = randomFloat32(batch * FEATURES, seed);
  const x = new Float32Array(batch * (FEATURES + TASKS));
  const y = new Float32Array(batch);
  const w = randomFloat32(TASKS * FEATURES, seed + 1);
  for (let i = 0; i < batch; i++) {
    const task = i % TASKS;
    let acc = 0;
    for (let f = 0; f < FEATURES; f++) {
      x[i * (FEATURES + TASKS) + f] = feats[i * FEATURES + f];
      acc += w[task * FEATURES + f] * feats[i * FEATURES + f];
    }
    x[i * (FEATURES + TASKS) + FEATURES + task] = 1;
    y[i] = Math.sin(acc) + 0.5 * task;
  }
  return { x: tf.tensor2d(x, [batch, FEATURES + TASKS]), y: tf.tensor2d(y, [batch, 1]) };
}

/** Dense(32, relu) → Dense(32, relu) → Dense(1), seeded; same names and weights on every call. */
function mlp(): tf.Sequential {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [FEATURES + TASKS], units: 32, activation: 'relu', kernelInitializer: init(1), name: 'mt_h1' }),
      tf.layers.dense({ units: 32, activation: 'relu', kernelInitializer: init(2), name: 'mt_h2' }),
      tf.layers.dense({ units: 1, kernelInitializer: init(3), name: 'mt_out' }),
    ],
  });
}

function mse(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): number {
  const loss = tf.tidy(() => tf.losses.meanSquaredError(y, model.predict(x) as tf.Tensor));
  const v = loss.dataSync()[0];
  loss.dispose();
  return v;
}

describe('training', () => {
  it.each([{ fast: true }, { fast: false }])('model.fit lowers the loss of a multi-task problem by at least half and leaves the base weights bit-identical (fast kernel: $fast)', async ({ fast }) => {
    setFastKernel('cpu', fast);
    const m = mlp();
    const { x, y } = multiTaskData(96, 5);
    const baseBefore = weightValues(m);
    const h = applyMultiLoRA(m, { n: 4, r: 2, seed: 3 });
    m.compile({ optimizer: tf.train.adam(0.03), loss: 'meanSquaredError' });
    const before = mse(m, x, y);
    await m.fit(x, y, { epochs: 40, batchSize: 32, verbose: 0, shuffle: false });
    expect(mse(m, x, y)).toBeLessThan(0.5 * before);
    h.disable();
    expect(bitEqual(weightValues(m).slice(-baseBefore.length), baseBefore)).toBe(true);
    h.remove();
    expect(bitEqual(weightValues(m), baseBefore)).toBe(true);
    tf.dispose([x, y]);
  });

  it('a custom loop (optimizer.minimize) trains only the adapters and lowers the loss by at least half', () => {
    const m = mlp();
    const { x, y } = multiTaskData(96, 7);
    const h = applyMultiLoRA(m, { n: 4, r: 2, seed: 4 });
    const optimizer = tf.train.adam(0.03);
    const before = mse(m, x, y);
    const trained = new Set<string>();
    for (let step = 0; step < 60; step++) {
      const { grads } = tf.variableGrads(() => tf.losses.meanSquaredError(y, m.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
      Object.keys(grads).forEach((k) => trained.add(k));
      optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
      tf.dispose(grads);
    }
    expect(mse(m, x, y)).toBeLessThan(0.5 * before);
    expect([...trained].sort()).toEqual(h.adapterWeights.map((w) => w.name).sort());
    h.remove();
    optimizer.dispose();
    tf.dispose([x, y]);
  });

  it('a model compiled before apply trains its adapters only; a Sequential compiled after apply keeps its base frozen', async () => {
    for (const compileFirst of [true, false]) {
      const m = mlp();
      const { x, y } = multiTaskData(48, 9);
      if (compileFirst) m.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
      const base = weightValues(m);
      const h = applyMultiLoRA(m, { n: 2, r: 2, seed: 5 });
      if (!compileFirst) m.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
      expect(m.trainableWeights.length).toBe(6);
      const adapters = h.adapterWeights.map((w) => w.read().dataSync().slice());
      await m.fit(x, y, { epochs: 2, verbose: 0 });
      expect(bitEqual(weightValues(m).slice(-base.length), base)).toBe(true);
      expect(bitEqual(h.adapterWeights.map((w) => w.read().dataSync<'float32'>().slice()), adapters as Float32Array[])).toBe(false);
      h.remove();
      tf.dispose([x, y]);
    }
  });

  it('one fit step gives the same adapter updates on the fast kernel and on tfjs ops (tol float32Tolerance(64))', async () => {
    const results: Float32Array[][] = [];
    for (const fast of [true, false]) {
      setFastKernel('cpu', fast);
      const m = mlp();
      const { x, y } = multiTaskData(32, 11);
      const h = applyMultiLoRA(m, { n: 2, r: 3, seed: 6, scaleMode: 'channel' });
      h.loadAdapter(randomizeAdapter(h.exportAdapter(), 12));
      m.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
      await m.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
      results.push(h.adapterWeights.map((w) => w.read().dataSync<'float32'>().slice()));
      h.remove();
      tf.dispose([x, y]);
    }
    results[0].forEach((w, i) => assertClose(w, Float64Array.from(results[1][i]), float32Tolerance(64), `weight ${i}`));
  });

  it('loraDropout drops the branch input only while training; inference is deterministic', () => {
    const m = nestedModel();
    const h = applyMultiLoRA(m, { n: 2, r: 2, loraDropout: 0.5, seed: 2 });
    h.loadAdapter(randomizeAdapter(h.exportAdapter(), 3));
    const x = randomTensor([6, 5], 4);
    const infer = () => (m.apply(x, { training: false }) as tf.Tensor).dataSync<'float32'>().slice();
    const train = () => (m.apply(x, { training: true }) as tf.Tensor).dataSync<'float32'>().slice();
    expect(bitEqual([infer()], [infer()])).toBe(true);
    expect(bitEqual([train()], [infer()])).toBe(false);
    h.remove();
  });
});

describe('no tensor leaks', () => {
  it('tf.memory().numTensors is unchanged by 100 training steps (SGD custom loop and Adam fit after its first step)', async () => {
    const m = embeddingMlp();
    const x = tokenIds(16, 3);
    const y = randomTensor([16, 3], 4);
    applyMultiLoRA(m, { n: 2, r: 4, seed: 1 });
    const sgd = tf.train.sgd(0.01);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) {
      sgd.minimize(() => tf.losses.meanSquaredError(y, m.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
    }
    expect(tf.memory().numTensors).toBe(before);
    m.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    const afterFirst = tf.memory().numTensors;
    await m.fit(x, y, { epochs: 100, verbose: 0 });
    expect(tf.memory().numTensors).toBe(afterFirst);
  });

  it('apply / merge / unmerge / export / load / remove cycles leave numTensors where it started', () => {
    for (const make of [convNet, nestedModel]) {
      const m = make();
      const before = tf.memory().numTensors;
      for (let cycle = 0; cycle < 3; cycle++) {
        const h = applyMultiLoRA(m, { n: 2, r: 2, seed: cycle });
        h.loadAdapter(randomizeAdapter(h.exportAdapter(), cycle));
        h.merge();
        h.unmerge();
        h.merge();
        if (cycle === 2) h.mergeAndUnload();
        else h.remove();
      }
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});

describe('n = 1 with init "lora" is PEFT\'s LoRA', () => {
  it('initialises A Kaiming-uniform (as core), B = 0, s = 1, and equals a hand-written LoRA Dense, forward and gradients (tol float32Tolerance(in + r))', () => {
    const inF = 6;
    const out = 4;
    const r = 3;
    const alpha = 6;
    const dense = tf.layers.dense({ units: out, inputShape: [inF], name: 'lora_dense', kernelInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: 1 }), biasInitializer: 'ones' });
    const m = tf.sequential({ layers: [dense] });
    const h = applyMultiLoRA(m, { n: 1, r, loraAlpha: alpha, init: 'lora', targetModules: ['lora_dense'], seed: 9 });
    const fresh = h.exportAdapter().modules.get('lora_dense')!;
    const expected = initModule(resolveConfig({ n: 1, r, loraAlpha: alpha, init: 'lora', seed: 9 }), { name: 'lora_dense', inShape: [inF], outFeatures: out });
    expect(bitEqual([fresh.a, fresh.b, fresh.scale], [expected.a, expected.b, expected.scale])).toBe(true);
    expect(fresh.b.every((v) => v === 0) && fresh.scale[0] === 1).toBe(true);

    // give B values so that the branch matters, then compare with LoRA written out by hand
    const adapter = createAdapter({ n: 1, r, loraAlpha: alpha, init: 'lora', seed: 9 }, [{ name: 'lora_dense', inShape: [inF], outFeatures: out }]);
    const module = adapter.modules.get('lora_dense')!;
    module.b.set(randomFloat32(module.b.length, 10));
    h.loadAdapter(adapter);
    const x = randomTensor([5, inF], 11);
    const [kernel, bias] = [dense.getWeights().find((w) => w.shape.join() === `${inF},${out}`)!, dense.getWeights().find((w) => w.shape.join() === `${out}`)!];
    const loraA = tf.tensor2d(module.a, [r, inF]);
    const loraB = tf.tensor2d(module.b, [out, r]);
    const byHand = (a: tf.Tensor, b: tf.Tensor) =>
      tf.add(tf.add(tf.matMul(x, kernel), bias), tf.mul(tf.matMul(tf.matMul(x, a, false, true), b, false, true), alpha / r));
    assertClose(predictValues(m, x), values64(byHand(loraA, loraB)), float32Tolerance(inF + r), 'forward');

    const dy = randomTensor([5, out], 12);
    const [gA, gB] = tf.grads((a: tf.Tensor, b: tf.Tensor) => byHand(a, b))([loraA, loraB], dy);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(m.apply(x) as tf.Tensor, dy)) as tf.Scalar, h.adapterWeights.map((w) => w.read() as tf.Variable));
    const [vA, vB] = h.adapterWeights.map((w) => grads[w.name]);
    assertClose(values64(vA), values64(gA), float32Tolerance(5 + out), 'dA');
    assertClose(values64(vB), values64(gB), float32Tolerance(5 + out), 'dB');
    h.remove();
  });
});
