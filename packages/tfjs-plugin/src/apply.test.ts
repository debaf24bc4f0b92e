import * as tf from '@tensorflow/tfjs';
import { describe, it, expect } from 'vitest';
import { createAdapter, referenceForward } from '@multilora/core';
import { assertClose, errorOf, float32Tolerance, randomFloat32 } from '@multilora/core/testing';
import { applyMultiLoRA, getMultiLoRA } from './apply.js';
import { bitEqual, predictValues, randomTensor, randomizeAdapter, values64, weightValues } from './testing/helpers.js';
import type { DenseLayer } from './layers/tfjs-internals.js';
import { convNet, embeddingMlp, nestedModel, sharedLayerModel, tokenIds } from './testing/models.js';

/** A Dense layer's kernel [in, out] and bias as core's reference base. */
function denseBase(layer: tf.layers.Layer) {
  const { kernel, bias } = layer as unknown as DenseLayer;
  return { weight: kernel.read().dataSync<'float32'>().slice(), weightInOut: true, bias: bias!.read().dataSync<'float32'>().slice() };
}

function classNames(model: tf.LayersModel): string[] {
  return model.layers.map((l) => l.getClassName());
}

describe('applyMultiLoRA: targets', () => {
  it('adapts every Dense, Embedding and Conv2D layer except the output layer by default, keeping layer names', () => {
    const m = embeddingMlp('t1');
    const h = applyMultiLoRA(m, { n: 2, r: 3 });
    expect(h.moduleNames).toEqual(['t1_emb', 't1_hidden']);
    expect(classNames(m)).toEqual(['MultiLoraEmbedding', 'Flatten', 'MultiLoraDense', 'Dense']);
    expect(m.layers.map((l) => l.name)).toEqual(['t1_emb', 't1_flat', 't1_hidden', 't1_out']);
    // embedding: A 6×20 + B 8×6 + s 2; hidden: A 6×32 + B 16×6 + s 2
    const trainable = (6 * 20 + 8 * 6 + 2) + (6 * 32 + 16 * 6 + 2);
    const base = 20 * 8 + (32 * 16 + 16) + (16 * 3 + 3);
    expect(h.parameterCounts()).toEqual({ trainable, total: trainable + base, percent: (100 * trainable) / (trainable + base) });
    expect(m.trainableWeights.map((w) => w.originalName).sort()).toEqual(
      ['t1_emb', 't1_hidden'].flatMap((l) => ['multilora_A', 'multilora_B', 'multilora_scale'].map((w) => `${l}/${w}`)).sort());
    h.remove();
  });

  it('adapts Conv2D layers and matches targetModules by PEFT rules (list suffix, regex, excludeModules, all-linear)', () => {
    const m = convNet('t2');
    expect(applyMultiLoRA(m).moduleNames).toEqual(['t2_conv1', 't2_conv2']);
    getMultiLoRA(m).remove();
    expect(applyMultiLoRA(m, { targetModules: ['t2_out'] }).moduleNames).toEqual(['t2_out']);
    getMultiLoRA(m).remove();
    expect(applyMultiLoRA(m, { targetModules: 't2_conv\\d', excludeModules: ['t2_conv2'] }).moduleNames).toEqual(['t2_conv1']);
    getMultiLoRA(m).remove();
    const n = nestedModel('t3');
    expect(applyMultiLoRA(n, { targetModules: 'all-linear' }).moduleNames).toEqual(['t3_inner.t3_d1', 't3_inner.t3_d2']);
    getMultiLoRA(n).remove();
    expect(applyMultiLoRA(n, { targetModules: ['t3_d2', 't3_out'] }).moduleNames).toEqual(['t3_inner.t3_d2', 't3_out']);
    getMultiLoRA(n).remove();
  });

  it('starts equal to the base model (scales 0; tol 1e-6 · max|y|) and is bit-identical to it while disabled', () => {
    for (const [m, x] of [[embeddingMlp(), tokenIds(5, 1)], [convNet(), randomTensor([3, 6, 6, 2], 2)], [nestedModel(), randomTensor([4, 5], 3)]] as const) {
      const y0 = predictValues(m, x);
      const h = applyMultiLoRA(m, { n: 3, r: 2, seed: 7 });
      const y1 = predictValues(m, x);
      assertClose(y1, y0, { atol: 1e-6, rtol: 1e-6 }, `${m.name} fresh`);
      h.disable();
      expect(bitEqual([predictValues(m, x)], [y0])).toBe(true);
      h.enable();
      h.remove();
      tf.dispose(x);
    }
  });
});

describe('applyMultiLoRA: forward against core\'s float64 reference', () => {
  it('a shared Dense layer (two call sites) computes reference(x) at both (tol float32Tolerance(in + n·r + out))', () => {
    const m = sharedLayerModel('f1');
    const shared = m.getLayer('f1_shared');
    const adapter = randomizeAdapter(createAdapter({ n: 2, r: 2, loraAlpha: 3, scaleMode: 'channel' }, [{ name: 'f1_shared', inShape: [5], outFeatures: 6 }]), 4);
    const h = applyMultiLoRA(m, adapter);
    expect(h.moduleNames).toEqual(['f1_shared']);
    const module = adapter.modules.get('f1_shared')!;
    const xa = randomFloat32(4 * 5, 5);
    const xb = randomFloat32(4 * 5, 6);
    for (const x of [xa, xb]) {
      const y = shared.apply(tf.tensor2d(x, [4, 5])) as tf.Tensor;
      const expected = referenceForward(module, x, 4, denseBase(shared)).map(Math.tanh);
      assertClose(values64(y), expected, float32Tolerance(5 + 4 + 6), 'shared call');
    }
    // and the model uses the same adapted layer at both call sites
    const full = predictValues(m, [tf.tensor2d(xa, [4, 5]), tf.tensor2d(xb, [4, 5])]);
    h.disable();
    const baseOut = predictValues(m, [tf.tensor2d(xa, [4, 5]), tf.tensor2d(xb, [4, 5])]);
    expect(bitEqual([full], [baseOut])).toBe(false);
    h.remove();
  });

  it('a Dense layer inside a nested Sequential computes reference(x) (tol float32Tolerance(in + n·r))', () => {
    const m = nestedModel('f2');
    const adapter = randomizeAdapter(createAdapter({ n: 3, r: 2, loraAlpha: 4 }, [{ name: 'f2_inner.f2_d1', inShape: [5], outFeatures: 6 }]), 8);
    const h = applyMultiLoRA(m, adapter);
    const inner = m.getLayer('f2_inner') as tf.Sequential;
    const d1 = inner.getLayer('f2_d1');
    const x = randomFloat32(3 * 5, 9);
    const y = d1.apply(tf.tensor2d(x, [3, 5])) as tf.Tensor;
    const expected = referenceForward(adapter.modules.get('f2_inner.f2_d1')!, x, 3, denseBase(d1));
    assertClose(values64(y), expected.map((v) => Math.max(0, v)), float32Tolerance(5 + 6), 'nested d1');
    h.remove();
  });
});

describe('applyMultiLoRA: other layer shapes', () => {
  it('a Dense layer on rank-3 input [batch, seq, in] adapts every token (reference on the flattened tokens; tol float32Tolerance(in + n·r))', () => {
    const input = tf.input({ shape: [4, 5] });
    const dense = tf.layers.dense({ units: 6, name: 'r3_dense', kernelInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: 3 }), biasInitializer: 'ones' });
    const m = tf.model({ inputs: input, outputs: dense.apply(input) as tf.SymbolicTensor });
    const adapter = randomizeAdapter(createAdapter({ n: 2, r: 2 }, [{ name: 'r3_dense', inShape: [5], outFeatures: 6 }]), 6);
    const h = applyMultiLoRA(m, adapter);
    const x = randomFloat32(3 * 4 * 5, 7);
    const y = m.predict(tf.tensor3d(x, [3, 4, 5])) as tf.Tensor;
    expect(y.shape).toEqual([3, 4, 6]);
    assertClose(values64(y), referenceForward(adapter.modules.get('r3_dense')!, x, 12, denseBase(dense)), float32Tolerance(5 + 4), 'rank 3');
    h.remove();
  });

  it('a channelsFirst Conv2D computes what its merged kernel computes (tol 1e-5 · max|y|)', () => {
    const conv = tf.layers.conv2d({ inputShape: [3, 5, 5], filters: 4, kernelSize: [3, 2], strides: 2, padding: 'same', dataFormat: 'channelsFirst', name: 'cf_conv', kernelInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: 8 }) });
    const m = tf.sequential({ layers: [conv] });
    const h = applyMultiLoRA(m, { targetModules: ['cf_conv'], n: 2, r: 2 });
    h.loadAdapter(randomizeAdapter(h.exportAdapter(), 9));
    const x = randomTensor([2, 3, 5, 5], 10);
    const adapted = predictValues(m, x);
    h.merge();
    assertClose(predictValues(m, x), adapted, { atol: 1e-5, rtol: 1e-5 }, 'channelsFirst');
    h.remove();
  });
});

/** Everything a failed apply must leave as it was. */
function fingerprint(model: tf.LayersModel, x: tf.Tensor | tf.Tensor[]) {
  return {
    weights: weightValues(model),
    outputs: [predictValues(model, x)],
    classes: classNames(model),
    trainable: model.weights.map((w) => w.trainable),
    tensors: tf.memory().numTensors,
  };
}

function expectUnchanged(model: tf.LayersModel, x: tf.Tensor | tf.Tensor[], before: ReturnType<typeof fingerprint>) {
  const after = fingerprint(model, x);
  expect(bitEqual(after.weights, before.weights)).toBe(true);
  expect(bitEqual(after.outputs, before.outputs)).toBe(true);
  expect(after.classes).toEqual(before.classes);
  expect(after.trainable).toEqual(before.trainable);
  expect(after.tensors).toBe(before.tensors);
}

describe('applyMultiLoRA: bad input leaves the model bit-identical', () => {
  it('targets that match nothing: TARGET_NOT_FOUND listing the layer names', () => {
    const m = embeddingMlp('e1');
    const x = tokenIds(3, 2);
    const before = fingerprint(m, x);
    const e = errorOf(() => applyMultiLoRA(m, { targetModules: ['q_proj'] }));
    expect(e.code).toBe('TARGET_NOT_FOUND');
    for (const name of ['e1_emb', 'e1_flat', 'e1_hidden', 'e1_out']) expect(e.message).toContain(name);
    expectUnchanged(m, x, before);
  });

  it('a target of an unsupported type: UNSUPPORTED_LAYER naming it and the supported types', () => {
    const m = embeddingMlp('e2');
    const x = tokenIds(3, 3);
    const before = fingerprint(m, x);
    const e = errorOf(() => applyMultiLoRA(m, { targetModules: ['e2_flat', 'e2_hidden'] }));
    expect(e.code).toBe('UNSUPPORTED_LAYER');
    expect(e.message).toContain('"e2_flat" (Flatten)');
    expect(e.message).toContain('Dense, Embedding, Conv2D');
    expectUnchanged(m, x, before);
  });

  it('an adapter whose shapes disagree: ADAPTER_SHAPE_MISMATCH naming the layer and both shapes, after the other layers were planned', () => {
    const m = embeddingMlp('e3');
    const x = tokenIds(3, 4);
    const before = fingerprint(m, x);
    const adapter = createAdapter({ n: 2, r: 2 }, [
      { name: 'e3_emb', kind: 'embedding', inShape: [20], outFeatures: 8 },
      { name: 'e3_hidden', inShape: [31], outFeatures: 16 },
    ]);
    const e = errorOf(() => applyMultiLoRA(m, adapter));
    expect(e.code).toBe('ADAPTER_SHAPE_MISMATCH');
    expect(e.message).toContain('layer "e3_hidden"');
    expect(e.message).toContain('in=[31] out=16');
    expect(e.message).toContain('in=[32] out=16');
    expectUnchanged(m, x, before);
  });

  it('an adapter naming layers the model lacks, a bad config, or a second apply: nothing changes', () => {
    const m = convNet('e4');
    const x = randomTensor([2, 6, 6, 2], 5);
    const before = fingerprint(m, x);
    const adapter = createAdapter({}, [{ name: 'e4_missing', inShape: [3], outFeatures: 2 }]);
    expect(errorOf(() => applyMultiLoRA(m, adapter)).code).toBe('TARGET_NOT_FOUND');
    expect(errorOf(() => applyMultiLoRA(m, { r: 0 })).code).toBe('INVALID_CONFIG');
    expectUnchanged(m, x, before);
    const h = applyMultiLoRA(m, { r: 2 });
    const adapted = fingerprint(m, x);
    expect(errorOf(() => applyMultiLoRA(m, { r: 2 })).code).toBe('INVALID_STATE');
    expectUnchanged(m, x, adapted);
    h.remove();
  });

  it('a model whose compiled optimizer has already trained: INVALID_STATE telling to compile after applying', async () => {
    const m = nestedModel('e5');
    const x = randomTensor([4, 5], 6);
    const y = randomTensor([4, 2], 7);
    m.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    const before = fingerprint(m, x);
    const e = errorOf(() => applyMultiLoRA(m));
    expect(e.code).toBe('INVALID_STATE');
    expect(e.message).toContain('compile');
    expectUnchanged(m, x, before);
  });
});
