import * as tf from '@tensorflow/tfjs';
import type { ModuleKind, ScaleMode } from '@multilora/core';
import { deltaWeightInOut, type BranchAttrs } from '../ops/branch-tf.js';
import { weightLists, type LayerInternals } from './tfjs-internals.js';

/** What a saved model records of a layer's adapter (its `multilora` config entry). */
export interface AdapterSettings extends BranchAttrs {
  /** Dropout probability on the branch's input while training. */
  loraDropout: number;
  /** Whether the base weight holds W0 + ΔW. */
  merged: boolean;
}

/** Weight names of the adapter inside its layer (`<layer>/multilora_A` etc.). */
export const WEIGHT_NAMES = { a: 'multilora_A', b: 'multilora_B', scale: 'multilora_scale' } as const;

/** A layer's adapter: its settings, its three trainable weights and its switches. */
export interface AdapterState extends AdapterSettings {
  kind: ModuleKind;
  /** A in the layer's own layout: A_cat [n·r, in] (Dense, Embedding) or a conv kernel [kh, kw, inC, n·r]. */
  a: tf.LayerVariable;
  /** B_cat [out, n·r]. */
  b: tf.LayerVariable;
  /** [n] or [n, out]. */
  scale: tf.LayerVariable;
  /** `disable()` turns the branch off without touching weights. */
  enabled: boolean;
  /** The base weight before the first merge (a kept tensor on the same backend), restored bit-exactly by unmerge/remove. */
  snapshot?: tf.Tensor;
}

/** A Dense, Embedding or Conv2D layer that carries an adapter. */
export interface MultiLoraLayer extends LayerInternals {
  multilora: AdapterState;
  /** The frozen base weight ΔW merges into (Dense/Conv2D kernel, Embedding table). */
  baseWeight(): tf.LayerVariable;
}

/** Shapes of a layer's adapter weights in its own layout. */
export interface AdapterShapes {
  a: number[];
  b: number[];
  scale: number[];
}

/** The shapes of the adapter weights for `out` outputs under `settings`, given A's shape. */
export function adapterShapes(aShape: number[], out: number, { n, r, scaleMode }: Pick<BranchAttrs, 'n' | 'r' | 'scaleMode'>): AdapterShapes {
  return { a: aShape, b: [out, n * r], scale: scaleMode === 'module' ? [n] : [n, out] };
}

/**
 * New adapter variables for layer `layerName`, named as tfjs names weights that a layer adds in its own
 * `build` (`<layer>/multilora_A`), so a model saved after an in-place apply loads back by name.
 * `values` (layer layout) are copied; nothing is created if any value has the wrong length.
 */
export function createAdapterVariables(layerName: string, shapes: AdapterShapes, values: { a: Float32Array; b: Float32Array; scale: Float32Array }) {
  const make = (key: keyof AdapterShapes) => {
    const t = tf.tensor(values[key], shapes[key], 'float32');
    try {
      return new tf.LayerVariable(t, 'float32', `${layerName}/${WEIGHT_NAMES[key]}`, true);
    } finally {
      t.dispose();
    }
  };
  const created: tf.LayerVariable[] = [];
  try {
    for (const key of ['a', 'b', 'scale'] as const) created.push(make(key));
  } catch (e) {
    for (const v of created) v.dispose();
    throw e;
  }
  const [a, b, scale] = created;
  return { a, b, scale };
}

/** Reads the `multilora` entry of a saved layer config (snake_case keys are already converted by tfjs). */
export function settingsFromConfig(config: Record<string, unknown>): AdapterSettings {
  const m = config as unknown as AdapterSettings;
  return { n: m.n, r: m.r, gamma: m.gamma, scaleMode: m.scaleMode, loraDropout: m.loraDropout ?? 0, merged: m.merged ?? false };
}

/** The `multilora` entry a layer writes into its config. */
export function settingsToConfig(state: AdapterSettings): Record<string, unknown> {
  const { n, r, gamma, scaleMode, loraDropout, merged } = state;
  return { n, r, gamma, scaleMode, loraDropout, merged };
}

/**
 * The `build` half of an adapter layer built from a saved config: freezes the base weights the base class
 * just created and adds the adapter weights (zeros until the saved weights are loaded).
 */
export function buildAdapter(layer: LayerInternals, kind: ModuleKind, settings: AdapterSettings, aShape: number[], out: number): AdapterState {
  for (const w of weightLists(layer)._trainableWeights) w.trainable = false;
  const shapes = adapterShapes(aShape, out, settings);
  const zeros = tf.initializers.zeros();
  // addWeight is protected in tfjs's typings; this runs inside the layer's own build.
  const addWeight = (layer as unknown as { addWeight: (name: string, shape: number[], dtype: 'float32', init: tf.serialization.Serializable, reg: undefined, trainable: boolean) => tf.LayerVariable }).addWeight.bind(layer);
  const add = (key: keyof AdapterShapes) => addWeight(WEIGHT_NAMES[key], shapes[key], 'float32', zeros, undefined, true);
  return { ...settings, kind, a: add('a'), b: add('b'), scale: add('scale'), enabled: true };
}

/** Dropout on the branch's input while training, when the adapter has any. */
export function branchInput(x: tf.Tensor, state: AdapterState, kwargs: Record<string, unknown>): tf.Tensor {
  return kwargs.training === true && state.loraDropout > 0 ? tf.dropout(x, state.loraDropout) : x;
}

/** Whether the branch runs: enabled and not merged into the base. */
export function branchActive(state: AdapterState): boolean {
  return state.enabled && !state.merged;
}

/** The attributes of the fused op. */
export function branchAttrs(state: AdapterState): BranchAttrs {
  return { n: state.n, r: state.r, gamma: state.gamma, scaleMode: state.scaleMode as ScaleMode };
}

/** ΔW of a layer whose A_cat is [n·r, in] and whose base weight is [in, out] (Dense, Embedding). */
export function inOutDeltaWeight(layer: MultiLoraLayer): tf.Tensor {
  const s = layer.multilora;
  return deltaWeightInOut(s.a.read() as tf.Tensor2D, s.b.read() as tf.Tensor2D, s.scale.read(), branchAttrs(s));
}
