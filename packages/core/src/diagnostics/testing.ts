/**
 * Test support for diagnostics (not exported from the package): matrices with a known spectrum and
 * float64 checks of orthonormality and reconstruction.
 */
import type { RotationBatchF64 } from '../kernels/types.js';
import { SeededRandom } from '../rng.js';
import { transpose, type DenseMatrix } from './matrix.js';
import { svd, type SvdResult } from './svd-dense.js';

/** A seeded [rows, cols] matrix of standard normal values. */
export function gaussianMatrix(rows: number, cols: number, seed: number): DenseMatrix {
  const rng = new SeededRandom(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return { rows, cols, data };
}

/** A · B in float64 (plain triple loop: the reference). */
export function matmul(a: DenseMatrix, b: DenseMatrix): DenseMatrix {
  const data = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let p = 0; p < a.cols; p++) {
      const x = a.data[i * a.cols + p];
      for (let j = 0; j < b.cols; j++) data[i * b.cols + j] += x * b.data[p * b.cols + j];
    }
  }
  return { rows: a.rows, cols: b.cols, data };
}

/** A [n, k] matrix with orthonormal columns (the Q of a Gaussian matrix, by modified Gram–Schmidt twice). */
export function orthonormalColumns(n: number, k: number, seed: number): DenseMatrix {
  const q = transpose(gaussianMatrix(n, k, seed)); // rows of q are the columns
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < k; j++) {
      const row = q.data.subarray(j * n, (j + 1) * n);
      for (let i = 0; i < j; i++) {
        const prev = q.data.subarray(i * n, (i + 1) * n);
        let d = 0;
        for (let t = 0; t < n; t++) d += prev[t] * row[t];
        for (let t = 0; t < n; t++) row[t] -= d * prev[t];
      }
      let norm = 0;
      for (let t = 0; t < n; t++) norm += row[t] * row[t];
      norm = Math.sqrt(norm);
      for (let t = 0; t < n; t++) row[t] /= norm;
    }
  }
  return transpose(q);
}

/** U · diag(s) · Vᵀ with random orthonormal U [rows, k], V [cols, k]: a matrix whose singular values are `s`. */
export function matrixWithSpectrum(rows: number, cols: number, s: readonly number[], seed: number): DenseMatrix {
  const k = s.length;
  const u = orthonormalColumns(rows, k, seed);
  const v = orthonormalColumns(cols, k, seed + 1);
  for (let i = 0; i < rows; i++) for (let j = 0; j < k; j++) u.data[i * k + j] *= s[j];
  return matmul(u, transpose(v));
}

/** max |QᵀQ − I| over the columns of q. */
export function orthonormalityError(q: DenseMatrix): number {
  const g = matmul(transpose(q), q);
  let err = 0;
  for (let i = 0; i < q.cols; i++) for (let j = 0; j < q.cols; j++) err = Math.max(err, Math.abs(g.data[i * q.cols + j] - (i === j ? 1 : 0)));
  return err;
}

/** max |A − U diag(s) Vᵀ| / s_1 (or the absolute error when s_1 = 0). */
export function reconstructionError(a: DenseMatrix, r: SvdResult): number {
  const { u, v, s } = r as Required<SvdResult>;
  const us = { rows: u.rows, cols: u.cols, data: u.data.slice() };
  for (let i = 0; i < u.rows; i++) for (let j = 0; j < u.cols; j++) us.data[i * u.cols + j] *= s[j];
  const back = matmul(us, transpose(v));
  let err = 0;
  for (let i = 0; i < a.data.length; i++) err = Math.max(err, Math.abs(back.data[i] - a.data[i]));
  return s[0] > 0 ? err / s[0] : err;
}

/** The singular values of `a` by the dense SVD (values only). */
export function singularValues(a: DenseMatrix): Float64Array {
  return svd(a, { vectors: 'none' }).s;
}

/** A random batch of rotation sweeps over `vectors` vectors: counts 1 … maxCount (every remainder after groups of four), about 10% identities. */
export function randomRotationBatch(rng: SeededRandom, vectors: number, sweeps: number, maxCount = 9): RotationBatchF64 {
  const first = new Int32Array(sweeps);
  const count = new Int32Array(sweeps);
  const forward = new Uint8Array(sweeps);
  const c: number[] = [];
  const s: number[] = [];
  for (let k = 0; k < sweeps; k++) {
    count[k] = 1 + Math.floor(rng.next() * Math.min(maxCount, vectors - 1));
    first[k] = Math.floor(rng.next() * (vectors - count[k]));
    forward[k] = rng.next() < 0.5 ? 1 : 0;
    for (let j = 0; j < count[k]; j++) {
      const angle = rng.next() < 0.1 ? 0 : 2 * Math.PI * rng.next();
      c.push(Math.cos(angle));
      s.push(Math.sin(angle));
    }
  }
  return { sweeps, first, count, forward, c: Float64Array.from(c), s: Float64Array.from(s) };
}

/** The float64 reference of a rotation batch: every rotation on its own, in order (y ← c·y − s·x, x ← s·y + c·x). */
export function rotateOneByOne(batch: RotationBatchF64, a: Float64Array, len: number): void {
  for (let k = 0, o = 0; k < batch.sweeps; o += batch.count[k], k++) {
    const n = batch.count[k];
    for (let t = 0; t < n; t++) {
      const j = batch.forward[k] ? t : n - 1 - t;
      const x = (batch.first[k] + j) * len;
      const y = x + len;
      for (let i = 0; i < len; i++) {
        const [u, w] = [a[x + i], a[y + i]];
        a[y + i] = batch.c[o + j] * w - batch.s[o + j] * u;
        a[x + i] = batch.s[o + j] * w + batch.c[o + j] * u;
      }
    }
  }
}

/** max |a_i − b_i|. */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
