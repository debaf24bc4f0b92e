import type * as tf from '@tensorflow/tfjs';
import { trainableFlag, weightLists, type LayerInternals } from '../layers/tfjs-internals.js';
import { isContainer, type LayerEntry } from './walk.js';

/** The trainable flags a freeze changed, to put back exactly on remove. */
export interface FrozenFlags {
  weights: Map<tf.LayerVariable, boolean>;
  layers: Map<LayerInternals, boolean>;
}

/** What to keep trainable: the adapted layers (with the models around them) and the adapter weights. */
export interface FreezeOptions {
  targets: readonly LayerEntry[];
  isAdapterWeight: (w: tf.LayerVariable) => boolean;
  /** Record the base weights of the targets as trainable (a loaded model's layers froze them in `build`). */
  baseWasTrainable?: boolean;
}

/**
 * Freezes every base weight of `model` (all layers, nested models included) and makes sure the adapted
 * layers and the models around them are trainable, so that exactly the adapter weights train. Returns
 * the flags it changed.
 */
export function freezeBase(model: tf.LayersModel, entries: readonly LayerEntry[], options: FreezeOptions): FrozenFlags {
  const flags: FrozenFlags = { weights: new Map(), layers: new Map() };
  const targetLayers = new Set(options.targets.map((t) => t.layer));
  for (const { layer } of entries) {
    if (isContainer(layer)) continue;
    for (const w of weightLists(layer)._trainableWeights) {
      if (options.isAdapterWeight(w)) continue;
      flags.weights.set(w, options.baseWasTrainable && targetLayers.has(layer) ? true : w.trainable);
      w.trainable = false;
    }
  }
  const keepOn = [model as unknown as LayerInternals, ...options.targets.flatMap((t) => [...t.containers, t.layer])];
  for (const layer of keepOn) {
    if (!flags.layers.has(layer)) flags.layers.set(layer, trainableFlag(layer).trainable_);
    trainableFlag(layer).trainable_ = true;
  }
  return flags;
}

/** Sets the flags {@link freezeBase} set again (after something reset them, such as Sequential.compile). */
export function refreeze(flags: FrozenFlags): void {
  for (const w of flags.weights.keys()) w.trainable = false;
  for (const layer of flags.layers.keys()) trainableFlag(layer).trainable_ = true;
}

/** Puts back the flags {@link freezeBase} changed. */
export function restoreFlags(flags: FrozenFlags): void {
  for (const [w, trainable] of flags.weights) w.trainable = trainable;
  for (const [layer, trainable] of flags.layers) trainableFlag(layer).trainable_ = trainable;
}
