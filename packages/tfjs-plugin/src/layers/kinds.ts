import type { MultiLoraLayer } from './adapter-state.js';
import { conv2dKind } from './conv2d.js';
import { denseKind } from './dense.js';
import { embeddingKind } from './embedding.js';
import type { LayerKind } from './layer-kind.js';
import type { LayerInternals } from './tfjs-internals.js';

/** The base layer types MultiLoRA adapts, in the order error messages list them. */
export const LAYER_KINDS: readonly LayerKind[] = [denseKind, embeddingKind, conv2dKind];

/** The tfjs class names that can be adapted, for messages: `Dense, Embedding, Conv2D`. */
export const SUPPORTED_CLASS_NAMES = LAYER_KINDS.map((k) => k.baseClassName).join(', ');

/** The kind whose base class is `className`, if supported. */
export function kindOfBaseClass(className: string): LayerKind | undefined {
  return LAYER_KINDS.find((k) => k.baseClassName === className);
}

/** The kind of a layer that carries an adapter, or undefined for any other layer. */
export function kindOfAdapterLayer(layer: LayerInternals): LayerKind | undefined {
  return LAYER_KINDS.find((k) => layer instanceof (k.adapterClass as unknown as abstract new (...args: never[]) => object));
}

/** Whether `layer` carries an adapter (one of the MultiLoRA layer classes). */
export function isMultiLoraLayer(layer: LayerInternals): layer is MultiLoraLayer {
  return kindOfAdapterLayer(layer) !== undefined;
}
