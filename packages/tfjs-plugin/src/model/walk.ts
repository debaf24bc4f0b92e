import type * as tf from '@tensorflow/tfjs';
import type { LayerInternals } from '../layers/tfjs-internals.js';

/** A container of layers: a LayersModel, a Sequential, or a model nested inside another as a layer. */
export interface ContainerLike extends LayerInternals {
  layers: LayerInternals[];
  outputs: { sourceLayer: LayerInternals }[];
}

/** One layer of a model as the plugin sees it. */
export interface LayerEntry {
  layer: LayerInternals;
  /**
   * The module name: the layer's name, prefixed by the names of the nested models it sits in
   * (`encoder.dense_1`), so PEFT's suffix matching works with plain layer names too.
   */
  name: string;
  /** tfjs's class name, e.g. `Dense`, `MultiLoraDense`, `Sequential`. */
  className: string;
  /** Whether the layer produces one of the outermost model's outputs. */
  isOutput: boolean;
  /** The nested models around the layer, outermost first (the top model not included). */
  containers: ContainerLike[];
}

/** Whether `layer` is itself a model (it has layers of its own). */
export function isContainer(layer: LayerInternals): layer is ContainerLike {
  return Array.isArray((layer as Partial<ContainerLike>).layers);
}

/** The layers whose outputs are `container`'s outputs, looking through nested models. */
function outputLayers(container: ContainerLike, found = new Set<LayerInternals>()): Set<LayerInternals> {
  for (const t of container.outputs ?? []) {
    const layer = t.sourceLayer;
    if (found.has(layer)) continue;
    found.add(layer);
    if (isContainer(layer)) outputLayers(layer, found);
  }
  return found;
}

/**
 * Builds the inner model of every Sequential that has not built it yet (tfjs does so lazily on the
 * first predict, fit or compile, and that build resets every weight's trainable flag, which would undo
 * a freeze). Changes no weight and no output.
 */
export function buildLazySequentials(model: tf.LayersModel): void {
  const pending = (c: ContainerLike) => c.getClassName() === 'Sequential' && (c as unknown as { model?: unknown }).model == null && c.layers.length > 0;
  const visit = (c: ContainerLike) => {
    if (pending(c)) (c as unknown as { build(): void }).build();
    for (const layer of c.layers) if (isContainer(layer)) visit(layer);
  };
  visit(model as unknown as ContainerLike);
}

/**
 * Every layer of `model`, depth first, nested models included (each layer object once, even when
 * shared between several calls or models), input layers left out.
 */
export function walkLayers(model: tf.LayersModel): LayerEntry[] {
  const top = model as unknown as ContainerLike;
  const outputs = outputLayers(top);
  const seen = new Set<LayerInternals>();
  const entries: LayerEntry[] = [];
  const visit = (container: ContainerLike, prefix: string, containers: ContainerLike[]) => {
    for (const layer of container.layers) {
      if (seen.has(layer) || layer.getClassName() === 'InputLayer') continue;
      seen.add(layer);
      const name = `${prefix}${layer.name}`;
      entries.push({ layer, name, className: layer.getClassName(), isOutput: outputs.has(layer), containers });
      if (isContainer(layer)) visit(layer, `${name}.`, [...containers, layer]);
    }
  };
  visit(top, '', []);
  return entries;
}
