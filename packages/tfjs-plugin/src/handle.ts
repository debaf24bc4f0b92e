import type * as tf from '@tensorflow/tfjs';
import { MultiLoraError, validateAdapter, type Adapter, type AdapterMetadata, type MultiLoraConfig } from '@multilora/core';
import {
  checkAdapterFits, loadModuleIntoLayer, moduleOfLayer, readAdapterValues, readAdapterValuesAsync, type AdapterValues,
} from './model/adapter-io.js';
import { detachAdapter } from './model/attach.js';
import { guardSequentialCompile, refreshCompiled } from './model/compiled.js';
import { refreeze, restoreFlags, type FrozenFlags } from './model/freeze.js';
import { mergeLayers, mergeLayersAsync, unmergeLayers, type AdaptedLayer } from './model/merge.js';

/** Parameter counts in PEFT's sense: the adapter's weights against all weights of the model. */
export interface ParameterCounts {
  /** Weights that train (the adapters'). */
  trainable: number;
  /** All weights of the model, adapters included. */
  total: number;
  /** 100 · trainable / total. */
  percent: number;
}

const handles = new WeakMap<tf.LayersModel, MultiLoraModel>();

/** The live handle of `model`, if it has one. */
export function handleOf(model: tf.LayersModel): MultiLoraModel | undefined {
  return handles.get(model);
}

function size(w: tf.LayerVariable): number {
  return (w.shape as number[]).reduce((p, d) => p * d, 1);
}

/**
 * A tfjs model with MultiLoRA adapters, patched in place: the same model object trains (`fit` or a custom
 * loop) with only the adapters trainable. Get one from `applyMultiLoRA` or `getMultiLoRA`.
 */
export class MultiLoraModel {
  /** The adapted model (the same object that was passed in). */
  readonly model: tf.LayersModel;
  private currentConfig: MultiLoraConfig;
  private readonly layers: AdaptedLayer[];
  private readonly flags: FrozenFlags;
  private readonly unguard: () => void;
  private released = false;

  /** @internal Use `applyMultiLoRA` or `getMultiLoRA`. */
  constructor(model: tf.LayersModel, config: MultiLoraConfig, layers: AdaptedLayer[], flags: FrozenFlags) {
    this.model = model;
    this.currentConfig = config;
    this.layers = layers;
    this.flags = flags;
    this.unguard = guardSequentialCompile(model, () => {
      refreeze(flags);
      for (const w of this.adapterWeights) w.trainable = true;
      refreshCompiled(model);
    });
    handles.set(model, this);
  }

  /** The resolved config the adapters follow (that of the last loaded adapter, if any). */
  get config(): MultiLoraConfig {
    return this.currentConfig;
  }

  /** The adapted layers' module names (layer names, dotted through nested models), in model order. */
  get moduleNames(): string[] {
    return this.layers.map((l) => l.name);
  }

  /** Whether ΔW is merged into the base weights. */
  get merged(): boolean {
    return this.live().some((l) => l.layer.multilora.merged);
  }

  /** Whether the adapter branches run (see {@link disable}). */
  get enabled(): boolean {
    return this.live().every((l) => l.layer.multilora.enabled);
  }

  /** The adapter weights (what trains). */
  get adapterWeights(): tf.LayerVariable[] {
    return this.live().flatMap(({ layer: { multilora: s } }) => [s.a, s.b, s.scale]);
  }

  /**
   * Writes W0 + ΔW into every adapted layer's base weight; the branches stop running (outputs stay the
   * same up to float32 rounding). Refuses, changing nothing, if a result would not be finite. Reads one
   * flag per layer synchronously: on webgpu in Node (no OffscreenCanvas) use {@link mergeAsync}.
   */
  merge(): void {
    mergeLayers(this.live(), true);
  }

  /** {@link merge} with an asynchronous read: use it on webgpu in Node, which has no synchronous reads. */
  async mergeAsync(): Promise<void> {
    await mergeLayersAsync(this.live(), true);
  }

  /** Takes ΔW out of the base weights again; restores the weights from before `merge` bit-exactly. */
  unmerge(): void {
    unmergeLayers(this.live());
  }

  /**
   * Merges ΔW into the base weights and removes every trace of the plugin: a plain tfjs model (Dense,
   * Embedding, Conv2D layers with merged weights, the trainable flags from before `applyMultiLoRA`).
   * The handle is spent afterwards.
   */
  mergeAndUnload(): tf.LayersModel {
    mergeLayers(this.live(), false);
    return this.release();
  }

  /**
   * Removes the adapters and gives the original model back, bit-exact (a merged model is unmerged from
   * its saved copy first). The handle is spent afterwards.
   */
  remove(): tf.LayersModel {
    unmergeLayers(this.live());
    return this.release();
  }

  /**
   * The adapters as core's {@link Adapter} (file layout; write it with core's adapter-file functions).
   * Reads the weights synchronously: on webgpu in Node (no OffscreenCanvas) use {@link exportAdapterAsync}.
   */
  exportAdapter(metadata: Partial<AdapterMetadata> = {}): Adapter {
    const layers = this.live();
    return this.adapterOf(layers, layers.map(readAdapterValues), metadata);
  }

  /** {@link exportAdapter} with asynchronous reads, for every backend. */
  async exportAdapterAsync(metadata: Partial<AdapterMetadata> = {}): Promise<Adapter> {
    const layers = this.live();
    return this.adapterOf(layers, await Promise.all(layers.map(readAdapterValuesAsync)), metadata);
  }

  /**
   * Loads an adapter's weights (and γ) into the adapted layers. The adapter must have one module per
   * adapted layer with the same sizes, n, r and scale mode; otherwise nothing changes and the error
   * names the layer and both shapes. A merged model is unmerged, loaded and merged again.
   */
  loadAdapter(adapter: Adapter): void {
    const layers = this.live();
    validateAdapter(adapter);
    checkAdapterFits(adapter, layers);
    const wasMerged = this.merged;
    if (wasMerged) unmergeLayers(layers);
    for (const l of layers) loadModuleIntoLayer(l, adapter.modules.get(l.name)!);
    if (wasMerged) mergeLayers(layers, true);
    this.currentConfig = { ...adapter.config, targetModules: this.currentConfig.targetModules };
  }

  /** Turns the adapter branches off: the model computes the base model's outputs (weights untouched). */
  disable(): void {
    for (const l of this.live()) l.layer.multilora.enabled = false;
  }

  /** Turns the adapter branches back on. */
  enable(): void {
    for (const l of this.live()) l.layer.multilora.enabled = true;
  }

  /** Trainable (adapter) and total parameter counts, and the trainable share in percent. */
  parameterCounts(): ParameterCounts {
    this.live();
    const trainable = this.model.trainableWeights.reduce((p, w) => p + size(w), 0);
    const total = this.model.weights.reduce((p, w) => p + size(w), 0);
    return { trainable, total, percent: total === 0 ? 0 : (100 * trainable) / total };
  }

  private adapterOf(layers: AdaptedLayer[], values: AdapterValues[], metadata: Partial<AdapterMetadata>): Adapter {
    const t = this.config.targetModules;
    const targetModules = t === undefined || t === 'all-linear' ? this.moduleNames : t;
    return {
      config: { ...this.config, targetModules },
      modules: new Map(layers.map((l, i) => [l.name, moduleOfLayer(l, values[i])])),
      metadata: { ...metadata, peftType: 'MULTILORA', extra: { ...metadata.extra } },
    };
  }

  private live(): AdaptedLayer[] {
    if (this.released) {
      throw new MultiLoraError('INVALID_STATE',
        'this MultiLoRA handle was spent by remove() or mergeAndUnload(); call applyMultiLoRA(model, config) again for a new one.');
    }
    return this.layers;
  }

  private release(): tf.LayersModel {
    for (const { layer, kind } of this.layers) detachAdapter(layer, kind);
    this.unguard();
    restoreFlags(this.flags);
    refreshCompiled(this.model);
    this.released = true;
    handles.delete(this.model);
    return this.model;
  }
}
