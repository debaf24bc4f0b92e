import * as tf from '@tensorflow/tfjs';
import { describe, it, expect } from 'vitest';
import { createAdapter, parseAdapter, referenceDeltaWeight, serializeAdapter, MultiLoraError, type AdapterModule } from '@multilora/core';
import { assertClose, float32Tolerance } from '@multilora/core/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAdapterFolder, writeAdapterFolder } from '@multilora/core/node';
import { applyMultiLoRA } from './apply.js';
import type { MultiLoraModel } from './handle.js';
import { bitEqual, predictValues, randomTensor, randomizeAdapter, weightValues } from './testing/helpers.js';
import { convNet, embeddingMlp, tokenIds } from './testing/models.js';

/** ΔW of `module` from the float64 reference, in the tfjs layout of the layer's base weight. */
function referenceDeltaInLayerLayout(module: AdapterModule): Float64Array {
  const delta = referenceDeltaWeight(module); // [out, inFeatures], in-features in file order
  const out = module.outFeatures;
  const inF = module.inFeatures;
  const result = new Float64Array(delta.length);
  if (module.kind !== 'conv') {
    for (let o = 0; o < out; o++) for (let c = 0; c < inF; c++) result[c * out + o] = delta[o * inF + c];
    return result;
  }
  const [inC, kh, kw] = module.inShape;
  for (let o = 0; o < out; o++) {
    for (let c = 0; c < inC; c++) {
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) result[((i * kw + j) * inC + c) * out + o] = delta[o * inF + (c * kh + i) * kw + j];
      }
    }
  }
  return result;
}

function freshModel(kind: 'embedding' | 'conv', prefix: string) {
  return kind === 'embedding' ? embeddingMlp(prefix) : convNet(prefix);
}

/** A model with a random (non-zero ΔW) adapter on its default targets, and an input for it. */
function adaptedModel(kind: 'embedding' | 'conv', seed: number) {
  const m = freshModel(kind, `h${kind}${seed}`);
  const x = kind === 'embedding' ? tokenIds(4, seed) : randomTensor([3, 6, 6, 2], seed);
  const original = weightValues(m);
  const y0 = predictValues(m, x);
  const tensorsBefore = tf.memory().numTensors;
  const h = applyMultiLoRA(m, { n: 3, r: 2, loraAlpha: 4, seed });
  h.loadAdapter(randomizeAdapter(h.exportAdapter(), seed + 1));
  return { m, x, h, original, y0, tensorsBefore };
}

function baseWeightOf(h: MultiLoraModel, name: string): Float32Array {
  const layer = h.model.layers.find((l) => l.name === name) as unknown as { baseWeight(): tf.LayerVariable };
  return layer.baseWeight().read().dataSync<'float32'>().slice();
}

describe.each(['embedding', 'conv'] as const)('handle on the %s model', (kind) => {
  it('merge writes W0 + ΔW (ΔW vs float64 reference, tol float32Tolerance(n·r)) and keeps outputs (tol 2e-5 · max|y|); unmerge restores W0 with max error 0', () => {
    const { m, x, h, original } = adaptedModel(kind, 3);
    const adapter = h.exportAdapter();
    const yAdapted = predictValues(m, x);
    const before = new Map(h.moduleNames.map((n) => [n, baseWeightOf(h, n)]));
    h.merge();
    expect(h.merged).toBe(true);
    for (const name of h.moduleNames) {
      const w0 = before.get(name)!;
      const delta = Float64Array.from(baseWeightOf(h, name), (v, i) => v - w0[i]);
      assertClose(delta, referenceDeltaInLayerLayout(adapter.modules.get(name)!), float32Tolerance(3 * 2 + 8), `ΔW ${name}`);
    }
    assertClose(predictValues(m, x), yAdapted, { atol: 2e-5, rtol: 2e-5 }, 'merged outputs');
    h.unmerge();
    expect(h.merged).toBe(false);
    let maxError = 0;
    for (const name of h.moduleNames) {
      const w = baseWeightOf(h, name);
      before.get(name)!.forEach((v, i) => { maxError = Math.max(maxError, Math.abs(v - w[i])); });
    }
    expect(maxError).toBe(0);
    expect(bitEqual([predictValues(m, x)], [yAdapted])).toBe(true);
    h.remove();
    expect(bitEqual(weightValues(m), original)).toBe(true);
  });

  it('remove() gives the original model back bit-exact, even while merged, and disposes every adapter tensor', () => {
    const { m, x, h, original, y0, tensorsBefore } = adaptedModel(kind, 5);
    const names = m.layers.map((l) => l.getClassName());
    h.merge();
    expect(h.remove()).toBe(m);
    expect(m.layers.map((l) => l.getClassName())).toEqual(names.map((n) => n.replace('MultiLora', '')));
    expect(bitEqual(weightValues(m), original)).toBe(true);
    expect(bitEqual([predictValues(m, x)], [y0])).toBe(true);
    expect(m.weights.every((w) => w.trainable)).toBe(true);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(() => h.merge()).toThrow(MultiLoraError);
  });

  it('mergeAndUnload() leaves a plain tfjs model with the adapted outputs (tol 2e-5 · max|y|)', () => {
    const { m, x, h } = adaptedModel(kind, 7);
    const yAdapted = predictValues(m, x);
    const plain = h.mergeAndUnload();
    expect(plain.layers.every((l) => !l.getClassName().startsWith('MultiLora'))).toBe(true);
    expect(plain.weights.some((w) => w.originalName.includes('multilora'))).toBe(false);
    expect(plain.weights.every((w) => w.trainable)).toBe(true);
    assertClose(predictValues(plain, x), yAdapted, { atol: 2e-5, rtol: 2e-5 }, 'unloaded outputs');
  });

  it('exportAdapter → adapter files → loadAdapter into a fresh apply reproduces the outputs bit-exactly', () => {
    const { m, x, h } = adaptedModel(kind, 9);
    const files = serializeAdapter(h.exportAdapter());
    const parsed = parseAdapter(files);
    const m2 = freshModel(kind, m.name); // same layer names, same seeded base weights
    const h2 = applyMultiLoRA(m2, parsed);
    expect(h2.moduleNames).toEqual(h.moduleNames);
    expect(bitEqual([predictValues(m2, x)], [predictValues(m, x)])).toBe(true);
    const again = h2.exportAdapter();
    for (const [name, module] of parsed.modules) {
      const other = again.modules.get(name)!;
      expect(bitEqual([other.a, other.b, other.scale], [module.a, module.b, module.scale])).toBe(true);
    }
  });

  it('writeAdapterFolder → readAdapterFolder → loadAdapter round-trips the adapter bit-exactly', async () => {
    const { m, x, h } = adaptedModel(kind, 15);
    const dir = mkdtempSync(join(tmpdir(), 'multilora-tfjs-'));
    try {
      await writeAdapterFolder(dir, h.exportAdapter());
      const y = predictValues(m, x);
      h.loadAdapter(randomizeAdapter(h.exportAdapter(), 99));
      expect(bitEqual([predictValues(m, x)], [y])).toBe(false);
      h.loadAdapter(await readAdapterFolder(dir));
      expect(bitEqual([predictValues(m, x)], [y])).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('handle: lossless export as a plain PEFT LoRA', () => {
  it.each(['embedding', 'conv'] as const)('a %s model\'s adapter written as LoRA (rank n·r) and applied to a fresh model gives the same outputs (tol 1e-5 · max|y|)', (kind) => {
    const { m, x, h } = adaptedModel(kind, 21);
    const lora = parseAdapter(serializeAdapter(h.exportAdapter(), { format: 'lora' }));
    expect(lora.metadata.peftType).toBe('LORA');
    expect([...lora.modules.values()].every((mod) => mod.n === 1 && mod.r === 6)).toBe(true);
    const m2 = freshModel(kind, m.name);
    applyMultiLoRA(m2, lora);
    assertClose(predictValues(m2, x), predictValues(m, x), { atol: 1e-5, rtol: 1e-5 }, 'LoRA export');
  });
});

describe('handle: loadAdapter and merge refuse bad input, changing nothing', () => {
  it('loadAdapter with disagreeing shapes: ADAPTER_SHAPE_MISMATCH naming the layer and both shapes', () => {
    const { m, x, h } = adaptedModel('embedding', 11);
    const y = predictValues(m, x);
    const hidden = h.moduleNames[1];
    const bad = createAdapter({ n: 3, r: 4, loraAlpha: 4 }, [
      { name: h.moduleNames[0], kind: 'embedding', inShape: [20], outFeatures: 8 },
      { name: hidden, inShape: [32], outFeatures: 16 },
    ]);
    const e = (() => { try { h.loadAdapter(bad); } catch (err) { return err as MultiLoraError; } })();
    expect(e?.code).toBe('ADAPTER_SHAPE_MISMATCH');
    expect(e?.message).toContain(`layer "${h.moduleNames[0]}"`);
    expect(e?.message).toContain('n=3 r=4');
    expect(e?.message).toContain('n=3 r=2');
    expect(bitEqual([predictValues(m, x)], [y])).toBe(true);
  });

  it('merge that would overflow to Inf: ADAPTER_NOT_FINITE, no base weight written', () => {
    const { m, h } = adaptedModel('conv', 13);
    const adapter = h.exportAdapter();
    for (const mod of adapter.modules.values()) {
      mod.scale.fill(3e38);
      mod.b.fill(1e3);
    }
    h.loadAdapter(adapter);
    const weights = weightValues(m);
    expect(() => h.merge()).toThrow(/NaN or Inf/);
    expect(h.merged).toBe(false);
    expect(bitEqual(weightValues(m), weights)).toBe(true);
  });
});
