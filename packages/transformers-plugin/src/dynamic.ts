/**
 * Dynamic mode. Every adapted layer carries all loaded adapters as one constant branch,
 *
 *   Aᵀ = [A_1ᵀ … A_Kᵀ]  [in, R],   Bᵀ = [γ_1 B_eff,1 ; … ; γ_K B_eff,K]ᵀ  [R, out]   (each at weight 1),
 *
 * and a gate g [R] that multiplies each adapter's block of the rank axis by its weight in the mix:
 *
 *   y = y_base + ((x · Aᵀ) ⊙ g) · Bᵀ = y_base + Σ_k w_k · x · ΔW_kᵀ.
 *
 * The gate is `Gather(multilora.mix, index)`: ONE graph input `multilora.mix` [K] holds the weights of
 * the K loaded adapters (in load order) and a constant index [R] maps each rank position to its
 * adapter; layers with the same block layout share one Gather. Switching or mixing adapters writes K
 * numbers: the session, its constant weights (and ONNX Runtime's prepacked copies of them) stay.
 *
 * The session is wrapped in a Proxy that hides the mix input from transformers.js (its `inputNames`
 * and `inputMetadata` are the original ones) and adds the current mix to every run.
 */
import type { AdapterModule } from '@multilora/core';
import { moduleRank, writeAT, writeBT } from './factors.js';
import type { OrtSession } from './sessions.js';

/** The graph input holding the adapters' weights. */
export const MIX_INPUT = 'multilora.mix';

/** One adapted module's blocks: each adapter that has it, with its offset on the rank axis. */
export interface DynamicLayer {
  module: string;
  inFeatures: number;
  outFeatures: number;
  rank: number;
  blocks: { adapter: number; module: AdapterModule; offset: number }[];
}

/** The layers of `modules` (module name → the adapters that have it, as indices into the adapter list). */
export function dynamicLayers(modules: Map<string, { adapter: number; module: AdapterModule }[]>): DynamicLayer[] {
  return [...modules].map(([name, list]) => {
    let offset = 0;
    const blocks = list.map(({ adapter, module }) => {
      const b = { adapter, module, offset };
      offset += moduleRank(module);
      return b;
    });
    return { module: name, inFeatures: list[0].module.inFeatures, outFeatures: list[0].module.outFeatures, rank: offset, blocks };
  });
}

/** Aᵀ [in, R] of a layer: all adapters' A side by side. */
export function layerAT(layer: DynamicLayer): Float32Array {
  const at = new Float32Array(layer.inFeatures * layer.rank);
  for (const { module, offset } of layer.blocks) writeAT(module, at, layer.rank, offset);
  return at;
}

/** Bᵀ [R, out] of a layer: every adapter's γ · B_effᵀ at weight 1. */
export function layerBT(layer: DynamicLayer): Float32Array {
  const bt = new Float32Array(layer.rank * layer.outFeatures);
  for (const { module, offset } of layer.blocks) writeBT(module, 1, bt, offset);
  return bt;
}

/** The gate index [R] of a layer: the adapter of each rank position. */
export function gateIndex(layer: DynamicLayer): number[] {
  return layer.blocks.flatMap(({ adapter, module }) => Array<number>(moduleRank(module)).fill(adapter));
}

/** The current mix as the `multilora.mix` values. */
export class MixFeed {
  values: Float32Array;
  /** Bumped on every change, so wrappers know to rebuild their runtime tensor. */
  version = 0;

  constructor(readonly adapters: readonly string[]) {
    this.values = new Float32Array(adapters.length);
  }

  /** Makes `mix` (adapter → weight; absent adapters 0) current. A new array: a run in flight keeps its own. */
  select(mix: Record<string, number>): void {
    this.values = Float32Array.from(this.adapters, (name) => mix[name] ?? 0);
    this.version++;
  }
}

type TensorCtor = new (type: string, data: Float32Array, dims: number[]) => unknown;

/**
 * `session` behind a Proxy: `inputNames` / `inputMetadata` without `multilora.mix`, and `run` adding
 * the current mix (as a tensor of the same onnxruntime build as the caller's feeds).
 */
export function wrapDynamicSession(session: OrtSession, feed: MixFeed): OrtSession {
  const inputNames = session.inputNames.filter((n) => n !== MIX_INPUT);
  const metadata = (session.inputMetadata as { name: string }[] | undefined)?.filter((m) => m.name !== MIX_INPUT);
  let built: { version: number; tensor: unknown } | undefined;
  const run = (input: Record<string, unknown>, ...rest: unknown[]) => {
    if (!built || built.version !== feed.version) {
      const any = Object.values(input)[0] as object | undefined;
      const Tensor = (any ? Object.getPrototypeOf(any).constructor : undefined) as TensorCtor | undefined;
      if (!Tensor) throw new Error('a dynamic MultiLoRA session needs at least one model input to learn the tensor class');
      built = { version: feed.version, tensor: new Tensor('float32', feed.values, [feed.values.length]) };
    }
    return session.run({ ...input, [MIX_INPUT]: built.tensor }, ...rest);
  };
  return new Proxy(session, {
    get(target, prop) {
      if (prop === 'inputNames') return inputNames;
      if (prop === 'inputMetadata') return metadata;
      if (prop === 'run') return run;
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
