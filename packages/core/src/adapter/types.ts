import type { MultiLoraConfig, ScaleMode } from '../config.js';

/** The kind of base layer a module adapts; it decides PEFT's tensor names on export. */
export type ModuleKind = 'linear' | 'embedding' | 'conv';

/**
 * One adapted module in memory, in the adapter file's own layout (zero-copy to and from files):
 * `a` is [n, r, ...inShape] (which is also A_cat = [n·r, in] in the fused form), `b` is [n, out, r]
 * (use `toFusedB` for B_cat = [out, n·r]), `scale` is [n] (module mode) or [n, out] (channel mode).
 */
export interface AdapterModule {
  /** The base model's own module name, e.g. `model.layers.0.self_attn.q_proj` or a tfjs layer name. */
  name: string;
  kind: ModuleKind;
  n: number;
  r: number;
  /** Trailing dims of A: `[in]` for linear and embedding (vocab), `[inChannels, kh, kw]` for conv. */
  inShape: number[];
  /** Product of `inShape`. */
  inFeatures: number;
  outFeatures: number;
  scaleMode: ScaleMode;
  /** The branch scaling γ (alpha / r, or alpha / √r with rsLoRA), after any alpha/rank pattern. */
  gamma: number;
  a: Float32Array;
  b: Float32Array;
  scale: Float32Array;
}

/** Facts about an adapter that its file records but that do not change the math. */
export interface AdapterMetadata {
  /** `MULTILORA` for native adapters, `LORA` for ones read from or written as PEFT LoRA. */
  peftType: 'MULTILORA' | 'LORA';
  baseModelNameOrPath?: string;
  taskType?: string;
  /** PEFT's flag for bases that store weights as [in, out] (GPT-2's Conv1D). The adapter's A, B are unaffected. */
  fanInFanOut?: boolean;
  /** Fields of the source adapter_config.json that this library does not interpret, kept for a faithful re-save. */
  extra: Record<string, unknown>;
}

/** An adapter in memory: its config, its modules by name, and its file metadata. */
export interface Adapter {
  config: MultiLoraConfig;
  modules: Map<string, AdapterModule>;
  metadata: AdapterMetadata;
}
