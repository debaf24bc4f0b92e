import { check } from '../errors.js';
import type { DeltaWeightArgs, FusedBackwardArgs, FusedForwardArgs, FusedShape, GemmArgs, RotationBatchF64, StridedF64 } from './types.js';

/**
 * Argument checks shared by every {@link Kernels} implementation, so that all backends reject the same
 * inputs with the same `SHAPE_MISMATCH` messages. O(1): lengths and dimensions only, never the data.
 */

function dim(name: string, value: number, min: number): void {
  check(Number.isInteger(value) && value >= min, 'SHAPE_MISMATCH', () => `${name} is ${value}; expected an integer ≥ ${min}.`);
}

function length(name: string, array: Float32Array | undefined, expected: number, shape: string): void {
  check(array instanceof Float32Array, 'SHAPE_MISMATCH', () => `${name} is not a Float32Array; kernels take float32 arrays ${shape}.`);
  check(array.length === expected, 'SHAPE_MISMATCH', () =>
    `${name} has ${array.length} elements; expected ${expected} = ${shape}. Check the shape you pass against the array.`,
  );
}

/** Validates {@link GemmArgs}: non-negative dims, `a`, `b`, `c` of exactly the stated sizes, finite alpha/beta. */
export function checkGemmArgs(args: GemmArgs): void {
  const { m, n, k } = args;
  dim('gemm m', m, 0);
  dim('gemm n', n, 0);
  dim('gemm k', k, 0);
  length('gemm a', args.a, m * k, args.transA ? `[k=${k}, m=${m}] (transA)` : `[m=${m}, k=${k}]`);
  length('gemm b', args.b, k * n, args.transB ? `[n=${n}, k=${k}] (transB)` : `[k=${k}, n=${n}]`);
  if (args.c !== undefined) length('gemm c', args.c, m * n, `[m=${m}, n=${n}]`);
  check(Number.isFinite(args.alpha ?? 1), 'SHAPE_MISMATCH', () => `gemm alpha is ${args.alpha}; expected a finite number.`);
  check(Number.isFinite(args.beta ?? 0), 'SHAPE_MISMATCH', () => `gemm beta is ${args.beta}; expected a finite number.`);
}

/** The strided operand `x` of `rows × cols` lies inside its array: non-negative integer offset and strides, last element in range. */
function strided(name: string, x: StridedF64, rows: number, cols: number): void {
  check(x.data instanceof Float64Array, 'SHAPE_MISMATCH', () => `gemmF64 ${name}.data is not a Float64Array; gemmF64 takes float64 operands.`);
  const { offset, rowStride, colStride } = x;
  check([offset, rowStride, colStride].every((v) => Number.isInteger(v) && v >= 0), 'SHAPE_MISMATCH', () =>
    `gemmF64 ${name} has offset ${offset}, rowStride ${rowStride}, colStride ${colStride}; expected non-negative integers.`,
  );
  if (rows === 0 || cols === 0) return;
  const last = offset + (rows - 1) * rowStride + (cols - 1) * colStride;
  check(last < x.data.length, 'SHAPE_MISMATCH', () =>
    `gemmF64 ${name} [${rows}, ${cols}] at offset ${offset} (rowStride ${rowStride}, colStride ${colStride}) reaches element ${last}, ` +
    `but its array has ${x.data.length}. Check the offset and strides against the array.`,
  );
}

/**
 * Validates the arguments of `Kernels.gemmF64`: non-negative dims, A [m, k], B [k, n] and the column-major
 * C [m, n] (offset `co`, leading dimension `ldc` ≥ m) inside their arrays, finite alpha/beta. O(1).
 */
export function checkGemmF64Args(
  m: number, n: number, k: number, alpha: number, a: StridedF64, b: StridedF64, beta: number, c: Float64Array, co: number, ldc: number,
): void {
  dim('gemmF64 m', m, 0);
  dim('gemmF64 n', n, 0);
  dim('gemmF64 k', k, 0);
  strided('a', a, m, k);
  strided('b', b, k, n);
  strided('c', { data: c, offset: co, rowStride: 1, colStride: ldc }, m, n);
  check(ldc >= m || n <= 1, 'SHAPE_MISMATCH', () => `gemmF64 ldc is ${ldc} for m = ${m} rows; expected ldc ≥ m (C is column-major).`);
  check(Number.isFinite(alpha), 'SHAPE_MISMATCH', () => `gemmF64 alpha is ${alpha}; expected a finite number.`);
  check(Number.isFinite(beta), 'SHAPE_MISMATCH', () => `gemmF64 beta is ${beta}; expected a finite number.`);
}

function checkShapeAndWeights(args: Omit<FusedShape, 'tokens'> & Pick<FusedForwardArgs, 'a' | 'b' | 'scale' | 'gamma'>): void {
  const { n, r, inFeatures: inF, outFeatures: out } = args;
  dim('n', n, 1);
  dim('r', r, 1);
  dim('inFeatures', inF, 1);
  dim('outFeatures', out, 1);
  check(args.scaleMode === 'module' || args.scaleMode === 'channel', 'SHAPE_MISMATCH', () =>
    `scaleMode is ${JSON.stringify(args.scaleMode)}; expected "module" or "channel".`,
  );
  length('a (A_cat)', args.a, n * r * inF, `[n·r=${n * r}, in=${inF}]`);
  length('b (B_cat)', args.b, out * n * r, `[out=${out}, n·r=${n * r}]`);
  if (args.scaleMode === 'module') length('scale', args.scale, n, `[n=${n}] (module mode)`);
  else length('scale', args.scale, n * out, `[n=${n}, out=${out}] (channel mode)`);
  check(Number.isFinite(args.gamma), 'SHAPE_MISMATCH', () => `gamma is ${args.gamma}; expected a finite number (alpha / r).`);
}

function checkWeight(weight: Float32Array | undefined, inOut: boolean | undefined, inF: number, out: number): void {
  if (weight !== undefined) length('weight', weight, out * inF, inOut ? `[in=${inF}, out=${out}] (weightInOut)` : `[out=${out}, in=${inF}]`);
}

/** Validates {@link FusedForwardArgs}. */
export function checkFusedForwardArgs(args: FusedForwardArgs): void {
  checkShapeAndWeights(args);
  const { tokens, inFeatures: inF, outFeatures: out } = args;
  dim('tokens', tokens, 0);
  length('x', args.x, tokens * inF, `[tokens=${tokens}, in=${inF}]`);
  if (args.y !== undefined) length('y', args.y, tokens * out, `[tokens=${tokens}, out=${out}]`);
  checkWeight(args.weight, args.weightInOut, inF, out);
  if (args.bias !== undefined) length('bias', args.bias, out, `[out=${out}]`);
}

/** Validates {@link FusedBackwardArgs}. */
export function checkFusedBackwardArgs(args: FusedBackwardArgs): void {
  checkShapeAndWeights(args);
  const { tokens, inFeatures: inF, outFeatures: out, n, r } = args;
  dim('tokens', tokens, 0);
  length('x', args.x, tokens * inF, `[tokens=${tokens}, in=${inF}]`);
  length('dy', args.dy, tokens * out, `[tokens=${tokens}, out=${out}]`);
  if (args.z !== undefined) length('z', args.z, tokens * n * r, `[tokens=${tokens}, n·r=${n * r}]`);
  checkWeight(args.weight, args.weightInOut, inF, out);
}

/** Validates {@link DeltaWeightArgs}. */
export function checkDeltaWeightArgs(args: DeltaWeightArgs): void {
  checkShapeAndWeights(args);
  const { inFeatures: inF, outFeatures: out } = args;
  if (args.out !== undefined) length('out', args.out, out * inF, args.inOut ? `[in=${inF}, out=${out}] (inOut)` : `[out=${out}, in=${inF}]`);
  check(Number.isFinite(args.sign ?? 1), 'SHAPE_MISMATCH', () => `sign is ${args.sign}; expected a finite number (1 to merge, -1 to unmerge).`);
}

/**
 * Validates the arguments of `Kernels.rotateVectorsF64`: `len` ≥ 1, `vectors` a whole number of vectors,
 * every sweep inside them with ≥ 1 rotation, and `c`, `s` long enough for all counts. O(sweeps).
 */
export function checkRotateVectorsF64Args(batch: RotationBatchF64, vectors: Float64Array, len: number): void {
  dim('rotateVectorsF64 len', len, 1);
  check(vectors instanceof Float64Array && vectors.length % len === 0, 'SHAPE_MISMATCH', () =>
    `rotateVectorsF64 vectors has ${vectors.length} elements; expected a Float64Array holding whole vectors of length ${len}.`,
  );
  const { sweeps, first, count, forward } = batch;
  dim('rotateVectorsF64 sweeps', sweeps, 0);
  check(first.length >= sweeps && count.length >= sweeps && forward.length >= sweeps, 'SHAPE_MISMATCH', () =>
    `rotateVectorsF64 batch has ${sweeps} sweeps but first/count/forward hold ${first.length}/${count.length}/${forward.length}; expected at least ${sweeps} each.`,
  );
  const vectorCount = vectors.length / len;
  let total = 0;
  for (let k = 0; k < sweeps; k++) {
    const q = first[k];
    const n = count[k];
    check(q >= 0 && n >= 1 && q + n < vectorCount, 'SHAPE_MISMATCH', () =>
      `rotateVectorsF64 sweep ${k} rotates vectors ${q} to ${q + n} (${n} rotations), but there are ${vectorCount} vectors; expected 0 ≤ first, count ≥ 1, first + count < vectors.`,
    );
    total += n;
  }
  check(batch.c.length >= total && batch.s.length >= total, 'SHAPE_MISMATCH', () =>
    `rotateVectorsF64 batch has ${total} rotations but c/s hold ${batch.c.length}/${batch.s.length}; expected at least ${total} each.`,
  );
}
