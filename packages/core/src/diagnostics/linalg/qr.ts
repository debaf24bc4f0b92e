/**
 * Blocked Householder QR (LAPACK dgeqrf): each panel of {@link BLOCK} columns is factored column by
 * column (four columns per pass over a reflector), the trailing columns are updated with the panel's
 * compact WY form through the packed GEMM. (Recursive panels, dgeqrt3, measured no faster here: the
 * small GEMMs they create cost as much as the matrix–vector work they replace.) Internal to diagnostics.
 */
import { dot } from './blas.js';
import { BLOCK, applyBlock, cleanReflectors, larfg, larft } from './householder.js';

/** A thin QR factorisation A = Q R of an [m, n] matrix, k = min(m, n), in LAPACK's compact form. */
export interface QrFactors {
  m: number;
  n: number;
  k: number;
  /** Column-major [m, n]: R on and above the diagonal, the reflectors' tails below (see `cleanReflectors`). */
  a: Float64Array;
  /** Q = H_0 … H_{k−1}, H_i = I − τ_i v_i v_iᵀ. */
  tau: Float64Array;
  /** T factors [BLOCK, BLOCK] (column-major) of the reflector blocks, for `applyQ`. */
  blockT: Float64Array[];
}

/**
 * A[:, c] −= τ v (vᵀ A[:, c]) for `count` columns of length `len` starting at `co` (stride `lda`), v
 * at `vo`: four columns per pass over v, so v is read once per four columns.
 */
function applyReflector(a: Float64Array, vo: number, len: number, tau: number, co: number, lda: number, count: number): void {
  let c = 0;
  for (; c + 3 < count; c += 4) {
    const o0 = co + c * lda;
    const o1 = o0 + lda;
    const o2 = o1 + lda;
    const o3 = o2 + lda;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let r = 0; r < len; r++) {
      const v = a[vo + r];
      s0 += v * a[o0 + r];
      s1 += v * a[o1 + r];
      s2 += v * a[o2 + r];
      s3 += v * a[o3 + r];
    }
    s0 *= tau;
    s1 *= tau;
    s2 *= tau;
    s3 *= tau;
    for (let r = 0; r < len; r++) {
      const v = a[vo + r];
      a[o0 + r] -= s0 * v;
      a[o1 + r] -= s1 * v;
      a[o2 + r] -= s2 * v;
      a[o3 + r] -= s3 * v;
    }
  }
  for (; c < count; c++) {
    const o = co + c * lda;
    const s = tau * dot(len, a, vo, a, o);
    for (let r = 0; r < len; r++) a[o + r] -= s * a[vo + r];
  }
}

/** Unblocked QR of the [rows, cols] block at `ao` (LAPACK dgeqr2): R above, reflector tails below. */
function qrUnblocked(a: Float64Array, ao: number, lda: number, rows: number, cols: number, tau: Float64Array, to: number): void {
  const k = Math.min(rows, cols);
  for (let i = 0; i < k; i++) {
    const d = ao + i + i * lda;
    const ti = larfg(rows - i, a, d, d + 1, 1);
    tau[to + i] = ti;
    if (ti === 0 || i === cols - 1) continue;
    const saved = a[d];
    a[d] = 1;
    applyReflector(a, d, rows - i, ti, d + lda, lda, cols - i - 1);
    a[d] = saved;
  }
}

/**
 * Householder QR of the column-major [m, n] matrix `a` (overwritten): panels of {@link BLOCK} columns
 * factored column by column, the trailing columns updated with each panel's compact WY form.
 */
export function qrFactor(a: Float64Array, m: number, n: number): QrFactors {
  const k = Math.min(m, n);
  const tau = new Float64Array(k);
  const blockT: Float64Array[] = [];
  for (let j = 0; j < k; j += BLOCK) {
    const kb = Math.min(BLOCK, k - j);
    const ao = j + j * m;
    const t = new Float64Array(BLOCK * BLOCK);
    qrUnblocked(a, ao, m, m - j, kb, tau, j);
    const v = cleanReflectors(a, m, m - j, kb, ao);
    larft(m - j, kb, v, 0, m - j, tau, j, t, 0, BLOCK);
    blockT.push(t);
    if (j + kb < n) applyBlock(m - j, kb, v, 0, m - j, t, 0, BLOCK, a, ao + kb * m, m, n - j - kb, true);
  }
  return { m, n, k, a, tau, blockT };
}
