import * as tf from '@tensorflow/tfjs';
import { MultiLoraError } from '@multilora/core';
import type { MultiLoraLayer } from '../layers/adapter-state.js';
import type { LayerKind } from '../layers/layer-kind.js';

/** An adapted layer with its kind and module name. */
export interface AdaptedLayer {
  name: string;
  layer: MultiLoraLayer;
  kind: LayerKind;
}

function writeValue(variable: tf.LayerVariable, value: tf.Tensor): void {
  variable.write(value);
  value.dispose();
}

/** W0 + ΔW of every unmerged layer, and a flag tensor per layer: 1 when all of it is finite. */
interface MergePlan {
  todo: AdaptedLayer[];
  merged: tf.Tensor[];
  finite: tf.Tensor;
}

function planMerge(layers: readonly AdaptedLayer[]): MergePlan {
  const todo = layers.filter((l) => !l.layer.multilora.merged);
  const merged = todo.map(({ layer, kind }) => tf.tidy(() => tf.add(layer.baseWeight().read(), kind.deltaWeight(layer))));
  const finite = tf.tidy(() => tf.stack(merged.map((t) => tf.cast(tf.all(tf.isFinite(t)), 'int32'))));
  return { todo, merged, finite };
}

/**
 * Writes W0 + ΔW into the base weight of every unmerged layer, all or nothing: when any result is not
 * finite nothing is written and ADAPTER_NOT_FINITE names the layers. With `keepSnapshot`, the base
 * weights are copied first so that {@link unmergeLayers} and remove restore them bit-exactly.
 * Reads one flag per layer synchronously; {@link mergeLayersAsync} reads it asynchronously.
 */
export function mergeLayers(layers: readonly AdaptedLayer[], keepSnapshot: boolean): void {
  if (!layers.some((l) => !l.layer.multilora.merged)) return;
  const plan = planMerge(layers);
  commitMerge(plan, plan.finite.dataSync(), keepSnapshot);
}

/** {@link mergeLayers} with an asynchronous read, for every backend (webgpu in Node included). */
export async function mergeLayersAsync(layers: readonly AdaptedLayer[], keepSnapshot: boolean): Promise<void> {
  if (!layers.some((l) => !l.layer.multilora.merged)) return;
  const plan = planMerge(layers);
  commitMerge(plan, await plan.finite.data(), keepSnapshot);
}

function commitMerge({ todo, merged, finite }: MergePlan, flags: ArrayLike<number>, keepSnapshot: boolean): void {
  finite.dispose();
  const bad = todo.filter((_, i) => flags[i] !== 1).map((l) => `"${l.name}"`);
  if (bad.length > 0) {
    tf.dispose(merged);
    throw new MultiLoraError('ADAPTER_NOT_FINITE',
      `merging would put NaN or Inf into the base weights of ${bad.join(', ')}; nothing was merged. Check the adapter's weights and scales.`);
  }
  todo.forEach(({ layer }, i) => {
    const state = layer.multilora;
    if (keepSnapshot && !state.snapshot) state.snapshot = tf.keep(tf.clone(layer.baseWeight().read()));
    writeValue(layer.baseWeight(), merged[i]);
    state.merged = true;
  });
}

/**
 * Takes ΔW out of the base weight of every merged layer: restores the copy taken at merge time
 * (bit-exact) when there is one, else subtracts ΔW (a model saved merged and loaded again).
 */
export function unmergeLayers(layers: readonly AdaptedLayer[]): void {
  for (const { layer, kind } of layers) {
    const state = layer.multilora;
    if (!state.merged) continue;
    const base = layer.baseWeight();
    const restored = state.snapshot ?? tf.tidy(() => tf.sub(base.read(), kind.deltaWeight(layer)));
    writeValue(base, restored);
    state.snapshot = undefined;
    state.merged = false;
  }
}
