import {
  MultiLoraError, initModule, toFusedB,
  type AdapterModule, type MultiLoraConfig,
} from '@multilora/core';
import { adapterShapes, createAdapterVariables, type AdapterState, type MultiLoraLayer } from '../layers/adapter-state.js';
import { kindOfBaseClass } from '../layers/kinds.js';
import type { LayerKind, ModuleDims } from '../layers/layer-kind.js';
import { weightLists, type LayerInternals } from '../layers/tfjs-internals.js';
import type { LayerEntry } from './walk.js';

/** One target layer, validated, with the adapter values (in the layer's layout) it will get. */
export interface AdapterPlan {
  entry: LayerEntry;
  kind: LayerKind;
  module: AdapterModule;
  values: { a: Float32Array; b: Float32Array; scale: Float32Array };
}

function shapeText(m: Pick<AdapterModule, 'kind' | 'n' | 'r' | 'inShape' | 'outFeatures' | 'scaleMode'>): string {
  return `${m.kind} n=${m.n} r=${m.r} in=[${m.inShape.join(', ')}] out=${m.outFeatures} scaleMode=${m.scaleMode}`;
}

/**
 * Throws ADAPTER_SHAPE_MISMATCH unless `module` fits the layer (kind, input shape, outputs; and, when
 * `expected` gives them, n, r and the scale mode), naming the layer and both shapes.
 */
export function checkModuleFits(name: string, className: string, module: AdapterModule, kind: LayerKind, dims: ModuleDims, expected?: Pick<AdapterModule, 'n' | 'r' | 'scaleMode'>): void {
  const fits = module.kind === kind.kind
    && module.outFeatures === dims.outFeatures
    && module.inShape.length === dims.inShape.length && module.inShape.every((d, i) => d === dims.inShape[i])
    && (!expected || (module.n === expected.n && module.r === expected.r && module.scaleMode === expected.scaleMode));
  if (!fits) {
    const layerShape = expected
      ? shapeText({ kind: kind.kind, ...expected, ...dims })
      : `${kind.kind} in=[${dims.inShape.join(', ')}] out=${dims.outFeatures}`;
    throw new MultiLoraError('ADAPTER_SHAPE_MISMATCH',
      `adapter module "${module.name}" (${shapeText(module)}) does not fit layer "${name}" (${className}: ${layerShape}). ` +
      'Use an adapter trained for this model (same layer names and sizes).');
  }
}

/** The dimensions of a target layer, or UNSUPPORTED_LAYER saying why it cannot be adapted. */
export function targetDims(entry: LayerEntry, kind: LayerKind): ModuleDims {
  const dims = kind.dims(entry.layer);
  if (typeof dims === 'string') {
    throw new MultiLoraError('UNSUPPORTED_LAYER', `layer "${entry.name}" (${entry.className}) cannot be adapted: ${dims}.`);
  }
  return dims;
}

/**
 * Validates one target and computes its adapter values (from `module`, or freshly initialised under
 * `config`), without touching the model.
 */
export function planAdapter(entry: LayerEntry, config: MultiLoraConfig, module?: AdapterModule): AdapterPlan {
  const kind = kindOfBaseClass(entry.className) as LayerKind;
  const dims = targetDims(entry, kind);
  if (module) checkModuleFits(entry.name, entry.className, module, kind, dims);
  const m = module ?? initModule(config, { name: entry.name, kind: kind.kind, ...dims });
  const values = {
    a: kind.aFromFile(m.a, entry.layer, m.n * m.r),
    b: toFusedB(m.b, m.n, m.outFeatures, m.r),
    scale: m.scale,
  };
  return { entry, kind, module: m, values };
}

/**
 * Creates the adapter variables of every plan: all or nothing (on an error, those already created are
 * disposed and the error is rethrown).
 */
export function buildStates(plans: readonly AdapterPlan[], loraDropout: number): AdapterState[] {
  const states: AdapterState[] = [];
  try {
    for (const { entry, kind, module: m, values } of plans) {
      const shapes = adapterShapes(kind.aShape(entry.layer, m.n * m.r), m.outFeatures, m);
      const vars = createAdapterVariables(entry.layer.name, shapes, values);
      states.push({ n: m.n, r: m.r, gamma: m.gamma, scaleMode: m.scaleMode, loraDropout, merged: false, kind: kind.kind, ...vars, enabled: true });
    }
  } catch (e) {
    for (const s of states) for (const v of [s.a, s.b, s.scale]) v.dispose();
    throw e;
  }
  return states;
}

/** Turns `layer` into its MultiLoRA class in place (same object, same name) carrying `state`. */
export function attachAdapter(layer: LayerInternals, kind: LayerKind, state: AdapterState): void {
  weightLists(layer)._trainableWeights.push(state.a, state.b, state.scale);
  Object.setPrototypeOf(layer, kind.adapterClass.prototype);
  (layer as MultiLoraLayer).multilora = state;
}

/** Turns an adapted layer back into its base class and disposes its adapter weights (and merge snapshot). */
export function detachAdapter(layer: MultiLoraLayer, kind: LayerKind): void {
  const state = layer.multilora;
  state.snapshot?.dispose();
  const adapterWeights = new Set([state.a, state.b, state.scale]);
  const lists = weightLists(layer);
  lists._trainableWeights = lists._trainableWeights.filter((w) => !adapterWeights.has(w));
  lists._nonTrainableWeights = lists._nonTrainableWeights.filter((w) => !adapterWeights.has(w));
  Object.setPrototypeOf(layer, Object.getPrototypeOf(kind.adapterClass.prototype));
  delete (layer as Partial<MultiLoraLayer>).multilora;
  delete (layer as { savedSettings?: unknown }).savedSettings;
  for (const w of adapterWeights) w.dispose();
}
