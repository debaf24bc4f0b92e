/**
 * Blocked Householder QR (LAPACK dgeqrf): each panel of {@link BLOCK} columns is factored by
 * {@link qrPanel} (reflectors applied in pairs), the trailing columns are updated with the panel's
 * compact WY form through the packed GEMM. (Recursive panels, dgeqrt3, measured no faster here: the
 * small GEMMs they create cost as much as the matrix–vector work they replace.) Internal to diagnostics.
 */
import { BLOCK, applyBlock, larft, withUnitDiagonal } from './householder.js';
import { qrPanel } from './qr-panel.js';

/** A thin QR factorisation A = Q R of an [m, n] matrix, k = min(m, n), in LAPACK's compact form. */
export interface QrFactors {
  m: number;
  n: number;
  k: number;
  /** Column-major [m, n]: R on and above the diagonal, the reflectors' tails below. */
  a: Float64Array;
  /** Q = H_0 … H_{k−1}, H_i = I − τ_i v_i v_iᵀ. */
  tau: Float64Array;
  /**
   * T factors [BLOCK, BLOCK] (column-major) of the reflector blocks that updated trailing columns, for
   * `applyQ` (which forms the missing last one only when vectors are wanted).
   */
  blockT: (Float64Array | undefined)[];
}

/**
 * Householder QR of the column-major [m, n] matrix `a` (overwritten): panels of {@link BLOCK} columns
 * factored by {@link qrPanel}, the trailing columns updated with each panel's compact WY form, its
 * reflectors used in place (no copy of V).
 */
export function qrFactor(a: Float64Array, m: number, n: number): QrFactors {
  const k = Math.min(m, n);
  const tau = new Float64Array(k);
  const blockT: (Float64Array | undefined)[] = [];
  for (let j = 0; j < k; j += BLOCK) {
    const kb = Math.min(BLOCK, k - j);
    const ao = j + j * m;
    qrPanel(a, ao, m, m - j, kb, tau, j);
    if (j + kb >= n) break;
    const t = new Float64Array(BLOCK * BLOCK);
    withUnitDiagonal(a, ao, m, kb, () => {
      larft(m - j, kb, a, ao, m, tau, j, t, 0, BLOCK);
      applyBlock(m - j, kb, a, ao, m, t, 0, BLOCK, a, ao + kb * m, m, n - j - kb, true);
    });
    blockT.push(t);
  }
  return { m, n, k, a, tau, blockT };
}
