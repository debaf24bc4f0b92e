import * as tf from '@tensorflow/tfjs';
import { describe, it, expect } from 'vitest';
import { serializeAdapter } from '@multilora/core';
import { assertClose } from '@multilora/core/testing';
import { applyMultiLoRA, getMultiLoRA } from './apply.js';
import { bitEqual, predictValues, randomTensor, randomizeAdapter, weightValues } from './testing/helpers.js';
import { convNet, embeddingMlp, nestedModel, sharedLayerModel, tokenIds } from './testing/models.js';

/** `model.save` into memory and `tf.loadLayersModel` back (tfjs-node's file:// is not installable here). */
async function saveAndLoad(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return tf.loadLayersModel(tf.io.fromMemory(saved!));
}

const cases = [
  { name: 'Sequential with Embedding', make: () => embeddingMlp(), input: () => tokenIds(4, 1), scaleMode: 'module' as const },
  { name: 'Conv2D net', make: () => convNet(), input: () => randomTensor([2, 6, 6, 2], 2), scaleMode: 'channel' as const },
  { name: 'functional with a shared layer', make: () => sharedLayerModel(), input: () => [randomTensor([3, 5], 3), randomTensor([3, 5], 4)], scaleMode: 'module' as const },
  { name: 'nested model', make: () => nestedModel(), input: () => randomTensor([3, 5], 5), scaleMode: 'channel' as const },
];

describe.each(cases)('save / load round trip: $name', ({ make, input, scaleMode }) => {
  it('tf.loadLayersModel gives back MultiLoRA layers with bit-identical outputs; getMultiLoRA trains only their adapters', async () => {
    const m = make();
    const x = input();
    const h = applyMultiLoRA(m, { n: 2, r: 3, loraAlpha: 5, scaleMode, seed: 4 });
    h.loadAdapter(randomizeAdapter(h.exportAdapter(), 5));
    const loaded = await saveAndLoad(m);
    expect(bitEqual([predictValues(loaded, x)], [predictValues(m, x)])).toBe(true);

    const h2 = getMultiLoRA(loaded);
    expect(h2.moduleNames).toEqual(h.moduleNames);
    expect(h2.parameterCounts()).toEqual(h.parameterCounts());
    const original = h.exportAdapter();
    const reloaded = h2.exportAdapter();
    expect(serializeAdapter(reloaded).weights).toEqual(serializeAdapter(original).weights);
    expect(loaded.trainableWeights.map((w) => w.originalName).sort()).toEqual(m.trainableWeights.map((w) => w.originalName).sort());
    h2.remove();
    h.remove();
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(m.layers.map((l) => l.getClassName()));
    expect(bitEqual([predictValues(loaded, x)], [predictValues(m, x)])).toBe(true);
  });
});

describe('save / load of a merged model', () => {
  it('keeps the merged flag; unmerge after loading subtracts ΔW (max error vs the original W0 within 1e-6 · max|W0|)', async () => {
    const m = convNet();
    const x = randomTensor([2, 6, 6, 2], 6);
    const original = weightValues(m);
    const h = applyMultiLoRA(m, { n: 2, r: 2, seed: 7 });
    h.loadAdapter(randomizeAdapter(h.exportAdapter(), 8));
    const yAdapted = predictValues(m, x);
    h.merge();
    const loaded = await saveAndLoad(m);
    const h2 = getMultiLoRA(loaded);
    expect(h2.merged).toBe(true);
    assertClose(predictValues(loaded, x), yAdapted, { atol: 2e-5, rtol: 2e-5 }, 'merged, loaded');
    h2.unmerge();
    const restored = h2.remove();
    const after = weightValues(restored);
    let maxError = 0;
    let maxAbs = 0;
    original.forEach((w, i) => w.forEach((v, j) => {
      maxError = Math.max(maxError, Math.abs(v - after[i][j]));
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }));
    console.info(`merge → save → load → unmerge (subtraction): max |W − W0| = ${maxError.toExponential(2)} (max |W0| ${maxAbs.toFixed(2)})`);
    expect(maxError).toBeLessThanOrEqual(1e-6 * maxAbs);
    h.remove();
  });
});
