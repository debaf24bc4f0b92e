import { check } from '../errors.js';
import { checkMatrix, type DenseMatrix } from './matrix.js';

/** φ(i, j) for i ≤ rows, j ≤ cols: `phi[(i − 1) · cols + (j − 1)]`, each in [0, 1]. */
export interface SubspaceSimilarity {
  rows: number;
  cols: number;
  phi: Float64Array;
}

/** Options of {@link subspaceSimilarity}. */
export interface SubspaceOptions {
  /** Largest i (default: all columns of `a`). */
  maxRows?: number;
  /** Largest j (default: all columns of `b`). */
  maxCols?: number;
}

/**
 * Subspace similarity of the LoRA paper (Hu et al. 2021, Eq. 4) between the orthonormal columns of
 * `a` [d, I] and `b` [d, J] (left or right singular vectors of two updates, leading first):
 * φ(i, j) = ‖a[:, :i]ᵀ b[:, :j]‖_F² / min(i, j). Computed from M = aᵀb with 2-D prefix sums, O(d·I·J).
 */
export function subspaceSimilarity(a: DenseMatrix, b: DenseMatrix, options: SubspaceOptions = {}): SubspaceSimilarity {
  checkMatrix(a, 'first singular vectors');
  checkMatrix(b, 'second singular vectors');
  check(a.rows === b.rows, 'SHAPE_MISMATCH', () =>
    `the singular vectors live in spaces of dimension ${a.rows} and ${b.rows}; compare the same side (left or right) of updates to the same module.`);
  const rows = Math.min(options.maxRows ?? a.cols, a.cols);
  const cols = Math.min(options.maxCols ?? b.cols, b.cols);
  check(rows >= 1 && cols >= 1, 'INVALID_CONFIG', () => `maxRows and maxCols must be ≥ 1 (got ${rows}, ${cols}).`);
  const m = new Float64Array(rows * cols);
  for (let p = 0; p < a.rows; p++) {
    const ao = p * a.cols;
    const bo = p * b.cols;
    for (let i = 0; i < rows; i++) {
      const x = a.data[ao + i];
      if (x === 0) continue;
      const mo = i * cols;
      for (let j = 0; j < cols; j++) m[mo + j] += x * b.data[bo + j];
    }
  }
  // Prefix sums of squares: S(i, j) = Σ_{a<i, b<j} M_ab², φ = S / min(i, j), clamped for rounding.
  const prefix = new Float64Array(rows * cols);
  const phi = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let rowSum = 0;
    for (let j = 0; j < cols; j++) {
      rowSum += m[i * cols + j] ** 2;
      prefix[i * cols + j] = rowSum + (i > 0 ? prefix[(i - 1) * cols + j] : 0);
      phi[i * cols + j] = Math.min(1, prefix[i * cols + j] / Math.min(i + 1, j + 1));
    }
  }
  return { rows, cols, phi };
}
