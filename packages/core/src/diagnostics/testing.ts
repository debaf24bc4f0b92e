/**
 * Test support for diagnostics (not exported from the package): matrices with a known spectrum and
 * float64 checks of orthonormality and reconstruction.
 */
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
