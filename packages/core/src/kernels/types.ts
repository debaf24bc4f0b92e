import type { ScaleMode } from '../config.js';

/** C = alpha · op(A) · op(B) + beta · C, row-major; op(A) is [m, k], op(B) is [k, n]. */
export interface GemmArgs {
  m: number;
  n: number;
  k: number;
  /** [m, k], or [k, m] with `transA`. */
  a: Float32Array;
  /** [k, n], or [n, k] with `transB`. */
  b: Float32Array;
  transA?: boolean;
  transB?: boolean;
  /** Default 1. */
  alpha?: number;
  /** Default 0; with 0 the previous content of `c` is ignored (NaN included). */
  beta?: number;
  /** [m, n]; allocated when absent. */
  c?: Float32Array;
}

/** Dimensions of one fused MultiLoRA layer call. */
export interface FusedShape {
  /** Rows of X: tokens × batch. */
  tokens: number;
  inFeatures: number;
  outFeatures: number;
  n: number;
  r: number;
  scaleMode: ScaleMode;
}

/** The adapter's weights in the fused layout. */
export interface FusedWeights {
  /** A_cat [n·r, in] (the same bytes as the file's [n, r, in]). */
  a: Float32Array;
  /** B_cat [out, n·r] (see `toFusedB`). */
  b: Float32Array;
  /** [n] (module mode) or [n, out] (channel mode). */
  scale: Float32Array;
  /** γ. */
  gamma: number;
}

/** Optional base layer, computed in the same call: Y = X · W0ᵀ + bias + branch. */
export interface FusedBase {
  /** W0 as [out, in] (PyTorch layout), or as [in, out] (tfjs's Dense kernel) with `weightInOut`. */
  weight?: Float32Array;
  weightInOut?: boolean;
  /** [out]. */
  bias?: Float32Array;
}

/** Arguments of the fused forward: Y = [X·W0ᵀ + bias] + γ · ((X·A_catᵀ) ⊙ s) · B_catᵀ. */
export interface FusedForwardArgs extends FusedShape, FusedWeights, FusedBase {
  /** X [tokens, in]. */
  x: Float32Array;
  /** [tokens, out]; allocated when absent. */
  y?: Float32Array;
}

/** The forward's output and the activation the backward reuses. */
export interface FusedForwardResult {
  /** Y [tokens, out]. */
  y: Float32Array;
  /** Z = X · A_catᵀ [tokens, n·r], before scaling. */
  z: Float32Array;
}

/** Arguments of the fused backward; with `weight` set, dX includes the base path dY · W0. */
export interface FusedBackwardArgs extends FusedShape, FusedWeights, Omit<FusedBase, 'bias'> {
  x: Float32Array;
  /** dL/dY [tokens, out]. */
  dy: Float32Array;
  /** Z from the forward; recomputed when absent. */
  z?: Float32Array;
}

/** Gradients of the adapter branch (and of X). */
export interface FusedGradients {
  /** [tokens, in]. */
  dx: Float32Array;
  /** [n·r, in]. */
  da: Float32Array;
  /** [out, n·r]. */
  db: Float32Array;
  /** [n] or [n, out], like `scale`. */
  ds: Float32Array;
}

/** Arguments of ΔW = γ · Σ_i s_i ⊙ B_i A_i. */
export interface DeltaWeightArgs extends Omit<FusedShape, 'tokens'>, FusedWeights {
  /** Write [in, out] (tfjs's kernel layout) instead of [out, in]. */
  inOut?: boolean;
  /** Destination; allocated when absent. With `accumulate`, ΔW is added to it (merge in place). */
  out?: Float32Array;
  accumulate?: boolean;
  /** Factor on ΔW before writing/adding (use -1 to unmerge). Default 1. */
  sign?: number;
}

/**
 * A strided float64 matrix operand of {@link Kernels.gemmF64}: element (i, j) is
 * `data[offset + i·rowStride + j·colStride]` (column-major: rowStride 1, colStride the leading dimension;
 * its transpose: the two swapped).
 */
export interface StridedF64 {
  data: Float64Array;
  offset: number;
  rowStride: number;
  colStride: number;
}

/**
 * A recorded batch of plane-rotation sweeps for {@link Kernels.rotateVectorsF64} (core's bidiagonal SVD
 * records the sweeps of its QR iteration and applies them to the singular vectors in batches). Sweep k
 * rotates the vector pairs (first[k] + j, first[k] + j + 1) for j < count[k], j ascending when forward[k]
 * is 1 and descending when 0, each by y ← c·y − s·x, x ← s·y + c·x (x the lower-numbered vector); its
 * cosines and sines are c[o + j], s[o + j] where o is the sum of the counts before k.
 */
export interface RotationBatchF64 {
  /** Number of sweeps. */
  sweeps: number;
  /** [sweeps]: the first vector of each sweep. */
  first: Int32Array;
  /** [sweeps]: the rotations of each sweep (≥ 1). */
  count: Int32Array;
  /** [sweeps]: 1 ascending, 0 descending. */
  forward: Uint8Array;
  /** Cosines, sweep after sweep (at least Σ count entries). */
  c: Float64Array;
  /** Sines, laid out like `c`. */
  s: Float64Array;
}

/**
 * The hot operations of MultiLoRA on float32 arrays, and optionally the float64 GEMM of core's
 * diagnostics. Core ships a plain-TypeScript implementation; faster ones (e.g. `@multilora/wasm-kernels`)
 * register themselves with `registerKernels`.
 */
export interface Kernels {
  /** A short name for logs and benchmarks, e.g. `ts`, `wasm-simd`. */
  readonly name: string;
  gemm(args: GemmArgs): Float32Array;
  fusedForward(args: FusedForwardArgs): FusedForwardResult;
  fusedBackward(args: FusedBackwardArgs): FusedGradients;
  deltaWeight(args: DeltaWeightArgs): Float32Array;
  /**
   * Optional float64 GEMM for core's diagnostics (QR and SVD): C = beta·C + alpha·A·B with A [m, k] and
   * B [k, n] strided operands and C column-major at `co` with leading dimension `ldc`. beta = 0 ignores
   * C's previous contents (NaN included); alpha = 0 or k = 0 leaves A and B unread. C must not overlap A
   * or B. Core's diagnostics call it for large products only, and their plain-TypeScript GEMM where the
   * registered kernels lack it.
   */
  gemmF64?(m: number, n: number, k: number, alpha: number, a: StridedF64, b: StridedF64, beta: number, c: Float64Array, co: number, ldc: number): void;
  /**
   * Optional: applies the recorded sweeps of `batch`, in order, to the vectors of length `len` stored
   * one after another in `vectors` (vector q at q·len). Each element must go through the same operations
   * as in core's TypeScript applier (so results agree to rounding). Core's SVD calls it for batches big
   * enough to pay for copying the vectors, and its TypeScript applier otherwise.
   */
  rotateVectorsF64?(batch: RotationBatchF64, vectors: Float64Array, len: number): void;
}
