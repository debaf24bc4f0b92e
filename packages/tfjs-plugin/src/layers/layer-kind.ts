import type * as tf from '@tensorflow/tfjs';
import type { ModuleKind } from '@multilora/core';
import type { MultiLoraLayer } from './adapter-state.js';
import type { LayerInternals } from './tfjs-internals.js';

/** The dimensions of a base layer as the adapter file sees them. */
export interface ModuleDims {
  /** `[in]` (Dense), `[vocab]` (Embedding), `[inChannels, kh, kw]` (Conv2D). */
  inShape: number[];
  outFeatures: number;
}

/**
 * Everything the plugin needs to know about one supported base layer type: its tfjs class name, its
 * MultiLoRA class, its dimensions, the layout of A in the layer against the adapter file, and ΔW.
 */
export interface LayerKind {
  kind: ModuleKind;
  /** tfjs's class name of the base layer, e.g. `Dense`. */
  baseClassName: string;
  /** The registered MultiLoRA layer class (a subclass of the base class). */
  adapterClass: { prototype: object; className: string };
  /**
   * The adapter-relevant dimensions of a built base layer, or a sentence saying why this layer cannot
   * be adapted (e.g. not built yet).
   */
  dims(layer: LayerInternals): ModuleDims | string;
  /** Shape of A in the layer's layout for n·r = `nr`. */
  aShape(layer: LayerInternals, nr: number): number[];
  /** A from the file's [n, r, ...inShape] (as a flat array) to the layer's layout. */
  aFromFile(a: Float32Array, layer: LayerInternals, nr: number): Float32Array;
  /** A (the values of the layer's A, in its layout) back to the file's [n, r, ...inShape]. */
  aToFile(a: Float32Array, layer: MultiLoraLayer): Float32Array;
  /** ΔW in the layout of the layer's base weight (tf ops, current backend). */
  deltaWeight(layer: MultiLoraLayer): tf.Tensor;
}

