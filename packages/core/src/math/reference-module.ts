import type { ScaleMode } from '../config.js';
import { check } from '../errors.js';

/** A float array the reference math reads: float32 (an adapter's own arrays) or float64. */
export type RealArray = Float32Array | Float64Array;

/**
 * What the float64 reference math reads of one adapted module, in the adapter file's layout.
 * An {@link AdapterModule} satisfies it; tests may pass float64 arrays for exact finite differences.
 */
export interface ReferenceModule {
  n: number;
  r: number;
  inFeatures: number;
  outFeatures: number;
  scaleMode: ScaleMode;
  /** γ = alpha / r (or alpha / √r with rsLoRA). */
  gamma: number;
  /** A as [n, r, in], which is also A_cat [n·r, in]. */
  a: RealArray;
  /** B as [n, out, r] (the file's layout, not B_cat). */
  b: RealArray;
  /** [n] (module mode) or [n, out] (channel mode). */
  scale: RealArray;
}

/** The frozen base layer around the adapter: Y = X·W0ᵀ + bias + branch. */
export interface ReferenceBase {
  /** W0 as [out, in] (PyTorch layout), or as [in, out] (tfjs's Dense kernel) with `weightInOut`. */
  weight?: RealArray;
  weightInOut?: boolean;
  /** [out]. */
  bias?: RealArray;
}

function checkLength(name: string, array: ArrayLike<number>, expected: number, shape: string): void {
  check(array.length === expected, 'SHAPE_MISMATCH', () =>
    `${name} has ${array.length} elements; expected ${expected} (${shape}). Check the module's n, r, inFeatures and outFeatures against the arrays you pass.`,
  );
}

function checkDim(name: string, value: number, min: number): void {
  check(Number.isInteger(value) && value >= min, 'SHAPE_MISMATCH', () => `${name} is ${value}; expected an integer ≥ ${min}.`);
}

/**
 * Validates a reference call: the module's own arrays against its dimensions, and the optional
 * activations (`x`, `dy` with `tokens` rows) and base layer. Throws `SHAPE_MISMATCH` naming the array.
 */
export function checkReferenceInputs(
  module: ReferenceModule,
  activations?: { tokens: number; x: ArrayLike<number>; dy?: ArrayLike<number> },
  base?: ReferenceBase,
): void {
  const { n, r, inFeatures: inF, outFeatures: out } = module;
  checkDim('module.n', n, 1);
  checkDim('module.r', r, 1);
  checkDim('module.inFeatures', inF, 1);
  checkDim('module.outFeatures', out, 1);
  check(module.scaleMode === 'module' || module.scaleMode === 'channel', 'SHAPE_MISMATCH', () =>
    `module.scaleMode is ${JSON.stringify(module.scaleMode)}; expected "module" or "channel".`,
  );
  checkLength('module.a', module.a, n * r * inF, `[n=${n}, r=${r}, in=${inF}]`);
  checkLength('module.b', module.b, n * out * r, `[n=${n}, out=${out}, r=${r}]`);
  if (module.scaleMode === 'module') checkLength('module.scale', module.scale, n, `[n=${n}] in module mode`);
  else checkLength('module.scale', module.scale, n * out, `[n=${n}, out=${out}] in channel mode`);
  if (activations) {
    checkDim('tokens', activations.tokens, 0);
    checkLength('x', activations.x, activations.tokens * inF, `[tokens=${activations.tokens}, in=${inF}]`);
    if (activations.dy) checkLength('dy', activations.dy, activations.tokens * out, `[tokens=${activations.tokens}, out=${out}]`);
  }
  if (base?.weight) {
    const shape = base.weightInOut ? `[in=${inF}, out=${out}]` : `[out=${out}, in=${inF}]`;
    checkLength('base.weight', base.weight, out * inF, shape);
  }
  if (base?.bias) checkLength('base.bias', base.bias, out, `[out=${out}]`);
}

/** The scale acting on output `o` of module `i`: s_i (module mode) or s_i[o] (channel mode). */
export function moduleScale(module: ReferenceModule, i: number, o: number): number {
  return module.scaleMode === 'module' ? module.scale[i] : module.scale[i * module.outFeatures + o];
}

/**
 * The scaled, concatenated B of the fused form in float64, [out, n·r]: B_cat · diag(s_rep) in module
 * mode, [diag(s_1)B_1 … diag(s_n)B_n] in channel mode (γ not included).
 */
export function referenceEffectiveB(module: ReferenceModule): Float64Array {
  const { n, r, outFeatures: out } = module;
  const nr = n * r;
  const beff = new Float64Array(out * nr);
  for (let i = 0; i < n; i++) {
    for (let o = 0; o < out; o++) {
      const s = moduleScale(module, i, o);
      for (let j = 0; j < r; j++) beff[o * nr + i * r + j] = s * module.b[(i * out + o) * r + j];
    }
  }
  return beff;
}

/** W0[o, c] of `base` whatever its layout (0 when there is no weight). */
export function baseWeightAt(base: ReferenceBase | undefined, o: number, c: number, inFeatures: number, outFeatures: number): number {
  if (!base?.weight) return 0;
  return base.weightInOut ? base.weight[c * outFeatures + o] : base.weight[o * inFeatures + c];
}
