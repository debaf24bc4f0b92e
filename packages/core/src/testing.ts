import type { Adapter, AdapterModule } from './adapter/types.js';
import type { ScaleMode } from './config.js';
import { MultiLoraError, check } from './errors.js';
import { SeededRandom } from './rng.js';

/**
 * Testing utilities shared by the packages' test suites: seeded random inputs and comparison of a
 * fast path (float32) against the float64 reference with a stated tolerance.
 */

/** `length` values uniform in [low, high) from `seed`, as float32 (same seed, same values everywhere). */
export function randomFloat32(length: number, seed: number, low = -1, high = 1): Float32Array {
  const rng = new SeededRandom(seed);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.uniform(low, high);
  return out;
}

/** `length` values uniform in [low, high) from `seed`, as float64. */
export function randomFloat64(length: number, seed: number, low = -1, high = 1): Float64Array {
  const rng = new SeededRandom(seed);
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.uniform(low, high);
  return out;
}

/** A seeded non-zero scale: |s| in [0.5, 1.5), random sign. */
function nonZeroScale(rng: SeededRandom): number {
  return (rng.next() < 0.5 ? -1 : 1) * rng.uniform(0.5, 1.5);
}

/** Dimensions of a random test module; `scaleMode` defaults to `module`, `gamma` to 1. */
export interface RandomModuleShape {
  n: number;
  r: number;
  inFeatures: number;
  outFeatures: number;
  scaleMode?: ScaleMode;
  gamma?: number;
}

/**
 * A linear {@link AdapterModule} (file layout, float32) with seeded random A, B in [-1, 1) and non-zero
 * scales (|s| in [0.5, 1.5), random sign), for checking kernels and plugins against the reference.
 */
export function randomModule(shape: RandomModuleShape, seed: number): AdapterModule {
  const { n, r, inFeatures, outFeatures } = shape;
  const scaleMode = shape.scaleMode ?? 'module';
  const rng = new SeededRandom(seed);
  const scale = new Float32Array(scaleMode === 'module' ? n : n * outFeatures);
  for (let i = 0; i < scale.length; i++) scale[i] = nonZeroScale(rng);
  return {
    name: `random.${seed}`,
    kind: 'linear',
    n,
    r,
    inShape: [inFeatures],
    inFeatures,
    outFeatures,
    scaleMode,
    gamma: shape.gamma ?? 1,
    a: randomFloat32(n * r * inFeatures, rng.nextUint32()),
    b: randomFloat32(n * outFeatures * r, rng.nextUint32()),
    scale,
  };
}

/** Options of {@link randomizeAdapter}. */
export interface RandomizeAdapterOptions {
  /** B is drawn uniform in [-bRange, bRange); 0 leaves B as it is. Default 1. */
  bRange?: number;
}

/**
 * Gives every module of `adapter`, in place, seeded non-zero scales (|s| in [0.5, 1.5), random sign) and,
 * unless `bRange` is 0, a random B: an adapter whose ΔW is not zero (with `bRange` 0, as long as B is not). Returns `adapter`.
 */
export function randomizeAdapter(adapter: Adapter, seed: number, options: RandomizeAdapterOptions = {}): Adapter {
  const bRange = options.bRange ?? 1;
  const rng = new SeededRandom(seed);
  for (const m of adapter.modules.values()) {
    for (let i = 0; i < m.scale.length; i++) m.scale[i] = nonZeroScale(rng);
    if (bRange !== 0) for (let i = 0; i < m.b.length; i++) m.b[i] = rng.uniform(-bRange, bRange);
  }
  return adapter;
}

/** Runs `fn` and returns the MultiLoraError it throws; fails the test when it throws nothing or something else. */
export function errorOf(fn: () => unknown): MultiLoraError {
  try {
    fn();
  } catch (e) {
    if (e instanceof MultiLoraError) return e;
    throw new Error(`expected a MultiLoraError, got ${String(e)}`);
  }
  throw new Error('expected a MultiLoraError, but nothing was thrown');
}

/** A tolerance: passes when max |actual − expected| ≤ atol + rtol · max |expected|. Both default 0. */
export interface Tolerance {
  atol?: number;
  rtol?: number;
}

/** The outcome of {@link compareToReference}. */
export interface Comparison {
  ok: boolean;
  /** The largest |actual − expected| (Infinity where a NaN or an infinity is not matched). */
  maxAbsError: number;
  /** Index of the largest error; -1 for empty arrays. */
  worstIndex: number;
  /** `actual[worstIndex]` and `expected[worstIndex]` (NaN for empty arrays). */
  actual: number;
  expected: number;
  /** max |expected| over finite entries. */
  maxAbsExpected: number;
  /** The error bound applied: atol + rtol · maxAbsExpected. */
  bound: number;
}

/**
 * Compares `actual` (e.g. a float32 kernel output) with `expected` (e.g. the float64 reference)
 * under a norm-wise tolerance and reports the worst index. NaN equals NaN; equal infinities are exact.
 */
export function compareToReference(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: Tolerance): Comparison {
  check(actual.length === expected.length, 'SHAPE_MISMATCH', () =>
    `actual has ${actual.length} elements but expected has ${expected.length}; compare arrays of the same shape.`,
  );
  let maxAbsExpected = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(expected[i]);
    if (Number.isFinite(e) && e > maxAbsExpected) maxAbsExpected = e;
  }
  let maxAbsError = 0;
  let worstIndex = expected.length > 0 ? 0 : -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    let err: number;
    if (Number.isNaN(a) || Number.isNaN(e)) err = Number.isNaN(a) && Number.isNaN(e) ? 0 : Infinity;
    else if (a === e) err = 0;
    else err = Math.abs(a - e);
    if (err > maxAbsError) [maxAbsError, worstIndex] = [err, i];
  }
  const bound = (tolerance.atol ?? 0) + (tolerance.rtol ?? 0) * maxAbsExpected;
  return {
    ok: maxAbsError <= bound,
    maxAbsError,
    worstIndex,
    actual: worstIndex >= 0 ? actual[worstIndex] : NaN,
    expected: worstIndex >= 0 ? expected[worstIndex] : NaN,
    maxAbsExpected,
    bound,
  };
}

/**
 * {@link compareToReference}, throwing `MultiLoraError('TOLERANCE_EXCEEDED')` that names `label`, the
 * worst index, both values and the bound when the comparison fails. Returns the comparison otherwise.
 */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: Tolerance, label = 'array'): Comparison {
  const c = compareToReference(actual, expected, tolerance);
  if (!c.ok) {
    throw new MultiLoraError(
      'TOLERANCE_EXCEEDED',
      `${label}: max |actual − expected| = ${c.maxAbsError.toExponential(3)} at index ${c.worstIndex} ` +
        `(actual ${c.actual}, expected ${c.expected}) exceeds the bound ${c.bound.toExponential(3)} ` +
        `= atol ${tolerance.atol ?? 0} + rtol ${tolerance.rtol ?? 0} · max|expected| ${c.maxAbsExpected.toExponential(3)}.`,
    );
  }
  return c;
}

/**
 * The project's float32 tolerance for a result that sums `depth` products:
 * max abs error ≤ eps · √depth · (1 + max |reference|), i.e. atol = rtol = eps · √depth.
 */
export function float32Tolerance(depth: number, eps = 1e-5): Required<Tolerance> {
  const t = eps * Math.sqrt(Math.max(1, depth));
  return { atol: t, rtol: t };
}
