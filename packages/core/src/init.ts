import type { MultiLoraConfig } from './config.js';
import { loraScaling } from './config.js';
import type { AdapterModule, ModuleKind } from './adapter/types.js';
import { check } from './errors.js';
import { SeededRandom, deriveSeed } from './rng.js';
import { patternValue } from './targets.js';

/**
 * PyTorch's `kaiming_uniform_(t, a=√5)` bound in fan_in mode: sqrt(6 / ((1 + a²)·fanIn)) = 1/√fanIn.
 * Computed in the closed form 1/√fanIn (one correctly rounded square root and division), which every
 * backend reproduces bit for bit.
 */
export function kaimingUniformBound(fanIn: number): number {
  check(Number.isInteger(fanIn) && fanIn >= 1, 'SHAPE_MISMATCH', () => `fanIn is ${fanIn}; expected a positive integer.`);
  return 1 / Math.sqrt(fanIn);
}

/** Fills `out` with Kaiming-uniform values for fan-in `fanIn`, drawn from `rng`. */
export function kaimingUniform(out: Float32Array, fanIn: number, rng: SeededRandom): Float32Array {
  const bound = kaimingUniformBound(fanIn);
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-bound, bound);
  return out;
}

/** Shape of one module to create: its name, kind and base-layer dimensions. */
export interface ModuleSpec {
  name: string;
  kind?: ModuleKind;
  /** `[in]` for linear, `[vocab]` for embedding, `[inChannels, kh, kw]` for conv. */
  inShape: number[];
  outFeatures: number;
}

/**
 * A freshly initialised module under `config` (rank and alpha after `rankPattern` / `alphaPattern`).
 * `multilora`: A_i, B_i Kaiming-uniform (fan-in `in` for A, `r` for B), scales 0, so the model starts
 * unchanged. `lora`: A Kaiming-uniform, B = 0, scales 1. Seeded per module name: deterministic and
 * independent of visiting order.
 */
export function initModule(config: MultiLoraConfig, spec: ModuleSpec): AdapterModule {
  const { n, scaleMode } = config;
  check(
    spec.inShape.length > 0 && spec.inShape.every((d) => Number.isInteger(d) && d >= 1) && Number.isInteger(spec.outFeatures) && spec.outFeatures >= 1,
    'SHAPE_MISMATCH',
    () => `module ${spec.name} has inShape ${JSON.stringify(spec.inShape)} and outFeatures ${spec.outFeatures}; expected positive integers (inShape non-empty).`,
  );
  const r = patternValue(spec.name, config.rankPattern, config.r);
  const alpha = patternValue(spec.name, config.alphaPattern, config.loraAlpha);
  const inFeatures = spec.inShape.reduce((p, d) => p * d, 1);
  const out = spec.outFeatures;
  const rng = new SeededRandom(deriveSeed(config.seed, spec.name));
  const a = kaimingUniform(new Float32Array(n * r * inFeatures), inFeatures, rng);
  const b = new Float32Array(n * out * r);
  const scale = new Float32Array(scaleMode === 'module' ? n : n * out);
  if (config.init === 'multilora') kaimingUniform(b, r, rng);
  else scale.fill(1);
  return {
    name: spec.name,
    kind: spec.kind ?? 'linear',
    n,
    r,
    inShape: [...spec.inShape],
    inFeatures,
    outFeatures: out,
    scaleMode,
    gamma: loraScaling(alpha, r, config.useRslora),
    a,
    b,
    scale,
  };
}
