/**
 * Householder reflectors in float64 on column-major arrays: generation (LAPACK's dlarfg) and the
 * blocked compact-WY form I − V T Vᵀ (dlarft + dlarfb), applied through the packed GEMM. Internal to
 * diagnostics.
 */
import { colMajor, colMajorT, gemm, gemvT } from './blas.js';

/** Reflectors per block in the blocked QR and in the application of Q. */
export const BLOCK = 32;

const SAFE_MIN = 2.2250738585072014e-308 / Number.EPSILON;

/** ‖x‖₂ of n strided values, without overflow or underflow in the sum of squares. */
export function nrm2(n: number, x: Float64Array, xo: number, inc: number): number {
  let ss = 0;
  for (let i = 0, p = xo; i < n; i++, p += inc) ss += x[p] * x[p];
  if (ss > 1e-280 && ss < 1e280) return Math.sqrt(ss);
  let scale = 0;
  for (let i = 0, p = xo; i < n; i++, p += inc) scale = Math.max(scale, Math.abs(x[p]));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  ss = 0;
  for (let i = 0, p = xo; i < n; i++, p += inc) {
    const v = x[p] / scale;
    ss += v * v;
  }
  return scale * Math.sqrt(ss);
}

/**
 * Generates H = I − τ v vᵀ with H · [α; x] = [β; 0] and v = [1; x / (α − β)] (LAPACK dlarfg). α is
 * `x[alphaAt]`, x the n − 1 values at `xo` with stride `inc`; both are overwritten (β, then v's tail).
 * Returns τ (0 when x is already zero).
 */
export function larfg(n: number, x: Float64Array, alphaAt: number, xo: number, inc: number): number {
  if (n <= 1) return 0;
  let xnorm = nrm2(n - 1, x, xo, inc);
  if (xnorm === 0) return 0;
  let alpha = x[alphaAt];
  let beta = -Math.sign(alpha || 1) * Math.hypot(alpha, xnorm);
  let rescaled = 0;
  // β so tiny that 1/(α − β) would overflow: scale up (at most 20 times, as LAPACK does).
  while (Math.abs(beta) < SAFE_MIN && rescaled < 20) {
    rescaled++;
    for (let i = 0, p = xo; i < n - 1; i++, p += inc) x[p] /= SAFE_MIN;
    alpha /= SAFE_MIN;
    beta /= SAFE_MIN;
  }
  if (rescaled > 0) {
    xnorm = nrm2(n - 1, x, xo, inc);
    beta = -Math.sign(alpha || 1) * Math.hypot(alpha, xnorm);
  }
  const tau = (beta - alpha) / beta;
  const scale = 1 / (alpha - beta);
  for (let i = 0, p = xo; i < n - 1; i++, p += inc) x[p] *= scale;
  for (let j = 0; j < rescaled; j++) beta *= SAFE_MIN;
  x[alphaAt] = beta;
  return tau;
}

/**
 * The triangular factor T [kb, kb] (column-major at `to2`, leading dimension `ldt`, upper) of
 * H_0 … H_{kb−1} = I − V T Vᵀ, V the clean [rows, kb] block at `vo` (unit diagonal, zeros above).
 * LAPACK dlarft, forward and columnwise.
 */
export function larft(rows: number, kb: number, v: Float64Array, vo: number, ldv: number, tau: Float64Array, to: number, t: Float64Array, to2: number, ldt: number): void {
  for (let i = 0; i < kb; i++) {
    const ti = tau[to + i];
    const tc = to2 + i * ldt;
    for (let r = 0; r <= i; r++) t[tc + r] = 0;
    if (ti === 0) continue;
    // T[0:i, i] = −τ_i · V[i:, 0:i]ᵀ v_i (v_i is zero above row i), then T[0:i, i] = T[0:i, 0:i] · T[0:i, i].
    gemvT(rows - i, i, -ti, v, vo + i, ldv, v, vo + i + i * ldv, 0, t, tc, 1);
    for (let r = 0; r < i; r++) {
      let s = 0;
      for (let c = r; c < i; c++) s += t[to2 + r + c * ldt] * t[tc + c];
      t[tc + r] = s;
    }
    t[tc + i] = ti;
  }
}

let work = new Float64Array(0);
const tBuffer = new Float64Array(BLOCK * BLOCK);

/**
 * C ← (I − V T Vᵀ) C, or with `transpose` C ← (I − V Tᵀ Vᵀ) C, for C [rows, cols] column-major at
 * `co`; V [rows, kb] clean at `vo`, T [kb, kb] at `to` (leading dimension `ldt`) from {@link larft}.
 * Two GEMMs and a small triangular product. C's rows from `nonzeroRows` on must be zero (they are
 * left out of Vᵀ C).
 */
export function applyBlock(
  rows: number, kb: number, v: Float64Array, vo: number, ldv: number, t: Float64Array, to: number, ldt: number,
  c: Float64Array, co: number, ldc: number, cols: number, transpose: boolean, nonzeroRows = rows,
): void {
  if (work.length < kb * cols) work = new Float64Array(kb * cols);
  const w = work;
  gemm(kb, cols, nonzeroRows, 1, colMajorT(v, vo, ldv), colMajor(c, co, ldc), 0, w, 0, kb);
  for (let j = 0; j < cols; j++) {
    const wo = j * kb;
    if (transpose) {
      for (let r = kb - 1; r >= 0; r--) {
        let s = 0;
        for (let q = 0; q <= r; q++) s += t[to + q + r * ldt] * w[wo + q];
        w[wo + r] = s;
      }
    } else {
      for (let r = 0; r < kb; r++) {
        let s = 0;
        for (let q = r; q < kb; q++) s += t[to + r + q * ldt] * w[wo + q];
        w[wo + r] = s;
      }
    }
  }
  gemm(rows, cols, kb, -1, colMajor(v, vo, ldv), colMajor(w, 0, kb), 1, c, co, ldc);
}

/**
 * Runs `body` with the top kb × kb of the factored block at `ao` (leading dimension `lda`) made unit
 * lower triangular, so that the block's columns are the clean reflectors V (unit diagonal, zeros
 * above, LAPACK's tails below) in place; what was on and above the diagonal (R, or other reflectors)
 * is restored afterwards. This spares a copy of the whole reflector block per use.
 */
export function withUnitDiagonal(a: Float64Array, ao: number, lda: number, kb: number, body: () => void): void {
  const saved = new Float64Array(kb * kb);
  for (let j = 0; j < kb; j++) {
    const c = ao + j * lda;
    for (let i = 0; i <= j; i++) {
      saved[i + j * kb] = a[c + i];
      a[c + i] = i === j ? 1 : 0;
    }
  }
  try {
    body();
  } finally {
    for (let j = 0; j < kb; j++) {
      const c = ao + j * lda;
      for (let i = 0; i <= j; i++) a[c + i] = saved[i + j * kb];
    }
  }
}

/**
 * C ← Q C (or Qᵀ C with `transpose`) for Q = H_0 H_1 … H_{k−1} whose reflectors are the tails below
 * the diagonal of the factored column-major array `a` ([m, ≥ k], leading dimension `lda`; used in
 * place, left as it was) with τ; C is [m, cols] at `co`, ld `ldc`. `blockT[b]`, when given, is the T
 * factor of reflectors [b·BLOCK, (b+1)·BLOCK) (ld BLOCK); missing ones are formed here. When C's rows
 * from `nonzeroRows` on are zero (C = [X; 0]), the first block applied skips them.
 */
export function applyQ(
  m: number, k: number, a: Float64Array, lda: number, tau: Float64Array, c: Float64Array, co: number, ldc: number,
  cols: number, transpose: boolean, blockT?: readonly (Float64Array | undefined)[], nonzeroRows = m,
): void {
  const starts: number[] = [];
  for (let j = 0; j < k; j += BLOCK) starts.push(j);
  if (!transpose) starts.reverse();
  let filled = nonzeroRows;
  for (const j of starts) {
    const depth = Math.max(0, Math.min(m, filled) - j);
    filled = m;
    const kb = Math.min(BLOCK, k - j);
    const vo = j + j * lda;
    withUnitDiagonal(a, vo, lda, kb, () => {
      let t = blockT?.[j / BLOCK];
      if (!t) {
        t = tBuffer;
        larft(m - j, kb, a, vo, lda, tau, j, t, 0, BLOCK);
      }
      applyBlock(m - j, kb, a, vo, lda, t, 0, BLOCK, c, co + j, ldc, cols, transpose, depth);
    });
  }
}

/**
 * The first `cols` columns of Q = H_0 … H_{k−1} (k ≤ cols ≤ m) as a column-major [m, cols] array, from
 * the reflectors of the factored array `a` (leading dimension `lda`, used in place as in
 * {@link applyQ}) and τ (LAPACK dorgqr): blocks applied last to first to the identity, each touching
 * only rows and columns from its own start on (the rest is still the identity), which costs
 * 4mk² − 4k³/3 instead of 2mk·cols for a general product. Written into `out` when given.
 */
export function formQ(
  m: number, k: number, cols: number, a: Float64Array, lda: number, tau: Float64Array, out: Float64Array = new Float64Array(m * cols),
): Float64Array {
  const c = out.fill(0);
  for (let i = 0; i < cols; i++) c[i + i * m] = 1;
  const starts: number[] = [];
  for (let j = 0; j < k; j += BLOCK) starts.push(j);
  for (const j of starts.reverse()) {
    const kb = Math.min(BLOCK, k - j);
    const vo = j + j * lda;
    withUnitDiagonal(a, vo, lda, kb, () => {
      larft(m - j, kb, a, vo, lda, tau, j, tBuffer, 0, BLOCK);
      applyBlock(m - j, kb, a, vo, lda, tBuffer, 0, BLOCK, c, j + j * m, m, cols - j, false);
    });
  }
  return c;
}
