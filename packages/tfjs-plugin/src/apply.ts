import type * as tf from '@tensorflow/tfjs';
import {
  MultiLoraError, resolveConfig, validateAdapter,
  type Adapter, type MultiLoraConfig,
} from '@multilora/core';
import { handleOf, MultiLoraModel } from './handle.js';
import { kindOfAdapterLayer, isMultiLoraLayer } from './layers/kinds.js';
import type { MultiLoraLayer } from './layers/adapter-state.js';
import { attachAdapter, buildStates, planAdapter } from './model/attach.js';
import { checkCompiledOptimizer, refreshCompiled } from './model/compiled.js';
import { freezeBase } from './model/freeze.js';
import type { AdaptedLayer } from './model/merge.js';
import { describeLayers, selectTargets } from './model/targets.js';
import { buildLazySequentials, walkLayers, type LayerEntry } from './model/walk.js';

function isAdapter(value: unknown): value is Adapter {
  return typeof value === 'object' && value !== null && (value as Adapter).modules instanceof Map;
}

function adapterTargets(entries: readonly LayerEntry[], adapter: Adapter): LayerEntry[] {
  const byName = new Map(entries.map((e) => [e.name, e]));
  const missing = [...adapter.modules.keys()].filter((name) => !byName.has(name));
  if (missing.length > 0) {
    throw new MultiLoraError('TARGET_NOT_FOUND',
      `the adapter has modules ${missing.map((m) => `"${m}"`).join(', ')} that name no layer of the model. Its layers are: ${describeLayers(entries)}.`);
  }
  return [...adapter.modules.keys()].map((name) => byName.get(name)!);
}

/**
 * Adds MultiLoRA adapters to a tfjs model, in place, and returns the handle that trains, merges, exports
 * and removes them. `config` is a MultiLoRA config (defaults: n = 4, r = 8, every Dense, Embedding and
 * Conv2D layer except the output layer) or an {@link Adapter} whose modules (and weights) to attach.
 * Works on Sequential and functional models, shared layers and nested models (module names of nested
 * layers are dotted: `encoder.dense_1`). Base weights are frozen, only the adapters train; a compiled
 * model is recompiled for that. Atomic: everything is validated and every adapter weight created before
 * the model changes; on any error the model is left exactly as it was.
 */
export function applyMultiLoRA(model: tf.LayersModel, config: Partial<MultiLoraConfig> | Adapter = {}): MultiLoraModel {
  const adapter = isAdapter(config) ? validateAdapter(config) : undefined;
  const resolved = resolveConfig(adapter ? adapter.config : (config as Partial<MultiLoraConfig>));
  buildLazySequentials(model);
  const entries = walkLayers(model);
  const existing = entries.filter((e) => isMultiLoraLayer(e.layer));
  if (existing.length > 0) {
    throw new MultiLoraError('INVALID_STATE',
      `the model already has MultiLoRA adapters on ${existing.map((e) => `"${e.name}"`).join(', ')}. ` +
      'Use getMultiLoRA(model) for their handle, or remove them (handle.remove()) before applying again.');
  }
  const targets = adapter ? adapterTargets(entries, adapter) : selectTargets(entries, resolved);
  const plans = targets.map((e) => planAdapter(e, resolved, adapter?.modules.get(e.name)));
  checkCompiledOptimizer(model);
  const states = buildStates(plans, resolved.loraDropout);
  // From here on nothing can fail: swap the layers in.
  const flags = freezeBase(model, entries, { targets, isAdapterWeight: () => false });
  plans.forEach((p, i) => attachAdapter(p.entry.layer, p.kind, states[i]));
  refreshCompiled(model);
  const layers = plans.map((p) => ({ name: p.entry.name, layer: p.entry.layer as MultiLoraLayer, kind: p.kind }));
  return new MultiLoraModel(model, resolved, layers, flags);
}

/** The config a loaded model's adapters imply: n, scale mode and dropout of the first; r and γ per layer. */
function configOfLayers(layers: readonly AdaptedLayer[]): MultiLoraConfig {
  const first = layers[0].layer.multilora;
  const alpha = (l: AdaptedLayer) => l.layer.multilora.gamma * l.layer.multilora.r;
  const rankPattern = Object.fromEntries(layers.filter((l) => l.layer.multilora.r !== first.r).map((l) => [l.name, l.layer.multilora.r]));
  const alphaPattern = Object.fromEntries(layers.filter((l) => alpha(l) !== alpha(layers[0])).map((l) => [l.name, alpha(l)]));
  return resolveConfig({
    n: first.n,
    r: first.r,
    loraAlpha: alpha(layers[0]),
    scaleMode: first.scaleMode,
    loraDropout: first.loraDropout,
    targetModules: layers.map((l) => l.name),
    ...(Object.keys(rankPattern).length > 0 ? { rankPattern } : {}),
    ...(Object.keys(alphaPattern).length > 0 ? { alphaPattern } : {}),
  });
}

/**
 * The handle of a model that already carries MultiLoRA layers: the one `applyMultiLoRA` returned, or,
 * for a model loaded with `tf.loadLayersModel`, a new one (which freezes the base weights again so that
 * only the adapters train). Throws TARGET_NOT_FOUND when the model has no MultiLoRA layer.
 */
export function getMultiLoRA(model: tf.LayersModel): MultiLoraModel {
  const live = handleOf(model);
  if (live) return live;
  buildLazySequentials(model);
  const entries = walkLayers(model);
  const targets = entries.filter((e) => isMultiLoraLayer(e.layer));
  if (targets.length === 0) {
    throw new MultiLoraError('TARGET_NOT_FOUND',
      `the model has no MultiLoRA layers (its layers are: ${describeLayers(entries)}); add adapters with applyMultiLoRA(model, config).`);
  }
  const layers = targets.map((e) => ({ name: e.name, layer: e.layer as MultiLoraLayer, kind: kindOfAdapterLayer(e.layer)! }));
  const adapterWeights = new Set(layers.flatMap(({ layer: { multilora: s } }) => [s.a, s.b, s.scale]));
  const flags = freezeBase(model, entries, { targets, isAdapterWeight: (w) => adapterWeights.has(w), baseWasTrainable: true });
  refreshCompiled(model);
  return new MultiLoraModel(model, configOfLayers(layers), layers, flags);
}
