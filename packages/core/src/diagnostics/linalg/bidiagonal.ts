/**
 * Householder reduction of a tall column-major matrix to upper bidiagonal form, A = Q B Pᵀ (LAPACK
 * dgebrd with dlabrd): panels of {@link BLOCK} columns and rows are reduced with matrix–vector
 * products, the rest of the matrix is then updated by two GEMMs. Internal to diagnostics.
 */
import { colMajor, colMajorT, gemm, gemvN, gemvT } from './blas.js';
import { BLOCK, larfg } from './householder.js';

/** The bidiagonal B (diagonal d, superdiagonal e) and the reflectors of Q and P left in `a`. */
export interface Bidiagonal {
  d: Float64Array;
  e: Float64Array;
  tauq: Float64Array;
  taup: Float64Array;
}

/** Below this many remaining columns the reduction runs unblocked (LAPACK's crossover). */
const CROSSOVER = 128;

/** Reduces the column-major [m, n] matrix `a` (m ≥ n, overwritten) to upper bidiagonal form. */
export function bidiagonalize(a: Float64Array, m: number, n: number): Bidiagonal {
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(0, n - 1));
  const tauq = new Float64Array(n);
  const taup = new Float64Array(n);
  const x = new Float64Array(m * BLOCK);
  const y = new Float64Array(n * BLOCK);
  const temp = new Float64Array(Math.max(m, n));
  let i = 0;
  for (; n - i > CROSSOVER; i += BLOCK) {
    const mm = m - i;
    const nn = n - i;
    const ao = i + i * m;
    panel(a, ao, m, mm, nn, BLOCK, d, e, tauq, taup, i, x, mm, y, nn, temp);
    // A(i+nb:, i+nb:) −= U · Yᵀ + X · Vᵀ, U and V the panel's reflectors.
    const rows = mm - BLOCK;
    const cols = nn - BLOCK;
    const co = ao + BLOCK + BLOCK * m;
    gemm(rows, cols, BLOCK, -1, colMajor(a, ao + BLOCK, m), colMajorT(y, BLOCK, nn), 1, a, co, m);
    gemm(rows, cols, BLOCK, -1, colMajor(x, BLOCK, mm), colMajor(a, ao + BLOCK * m, m), 1, a, co, m);
    for (let j = i; j < i + BLOCK; j++) {
      a[j + j * m] = d[j];
      a[j + (j + 1) * m] = e[j];
    }
  }
  unblocked(a, i + i * m, m, m - i, n - i, d, e, tauq, taup, i, temp);
  return { d, e, tauq, taup };
}

/**
 * LAPACK dlabrd for m ≥ n on the [mm, nn] block at `ao`: reduces its first nb rows and columns and
 * returns X [mm, nb] and Y [nn, nb] (column-major, leading dimensions ldx, ldy) such that the rest is
 * A − U·Yᵀ − X·Vᵀ. Index comments use this block's 0-based coordinates.
 */
function panel(
  a: Float64Array, ao: number, lda: number, mm: number, nn: number, nb: number,
  d: Float64Array, e: Float64Array, tauq: Float64Array, taup: Float64Array, g: number,
  x: Float64Array, ldx: number, y: Float64Array, ldy: number, temp: Float64Array,
): void {
  const at = (r: number, c: number) => ao + r + c * lda;
  for (let i = 0; i < nb; i++) {
    // A(i:, i) −= A(i:, 0:i) · Y(i, 0:i)ᵀ + X(i:, 0:i) · A(0:i, i)
    gemvN(mm - i, i, -1, a, at(i, 0), lda, y, i, ldy, a, at(i, i));
    gemvN(mm - i, i, -1, x, i, ldx, a, at(0, i), 1, a, at(i, i));
    tauq[g + i] = larfg(mm - i, a, at(i, i), at(i + 1, i), 1);
    d[g + i] = a[at(i, i)];
    if (i >= nn - 1) {
      taup[g + i] = 0;
      continue;
    }
    a[at(i, i)] = 1;
    const yc = i * ldy;
    // Y(i+1:, i) = τq · (A(i:, i+1:)ᵀ u − Y(i+1:, 0:i) · (A(i:, 0:i)ᵀ u) − A(0:i, i+1:)ᵀ · (X(i:, 0:i)ᵀ u))
    gemvT(mm - i, nn - i - 1, 1, a, at(i, i + 1), lda, a, at(i, i), 0, y, yc + i + 1, 1);
    gemvT(mm - i, i, 1, a, at(i, 0), lda, a, at(i, i), 0, y, yc, 1);
    gemvN(nn - i - 1, i, -1, y, i + 1, ldy, y, yc, 1, y, yc + i + 1);
    gemvT(mm - i, i, 1, x, i, ldx, a, at(i, i), 0, y, yc, 1);
    gemvT(i, nn - i - 1, -1, a, at(0, i + 1), lda, y, yc, 1, y, yc + i + 1, 1);
    for (let r = i + 1; r < nn; r++) y[yc + r] *= tauq[g + i];
    // A(i, i+1:) −= Y(i+1:, 0:i+1) · A(i, 0:i+1)ᵀ + A(0:i, i+1:)ᵀ · X(i, 0:i)ᵀ
    for (let r = 0; r < nn - i - 1; r++) temp[r] = 0;
    gemvN(nn - i - 1, i + 1, -1, y, i + 1, ldy, a, at(i, 0), lda, temp, 0);
    for (let r = 0; r < nn - i - 1; r++) a[at(i, i + 1 + r)] += temp[r];
    for (let c = 0; c < nn - i - 1; c++) {
      let s = 0;
      for (let r = 0; r < i; r++) s += a[at(r, i + 1 + c)] * x[i + r * ldx];
      a[at(i, i + 1 + c)] -= s;
    }
    taup[g + i] = larfg(nn - i - 1, a, at(i, i + 1), at(i, i + 2), lda);
    e[g + i] = a[at(i, i + 1)];
    a[at(i, i + 1)] = 1;
    // X(i+1:, i) = τp · (A(i+1:, i+1:) v − A(i+1:, 0:i+1) · (Y(i+1:, 0:i+1)ᵀ v) − X(i+1:, 0:i) · (A(0:i, i+1:) v))
    const len = nn - i - 1;
    for (let r = 0; r < len; r++) temp[r] = a[at(i, i + 1 + r)];
    const xc = i * ldx;
    for (let r = i + 1; r < mm; r++) x[xc + r] = 0;
    gemvN(mm - i - 1, len, 1, a, at(i + 1, i + 1), lda, temp, 0, 1, x, xc + i + 1);
    gemvT(len, i + 1, 1, y, i + 1, ldy, temp, 0, 0, x, xc, 1);
    gemvN(mm - i - 1, i + 1, -1, a, at(i + 1, 0), lda, x, xc, 1, x, xc + i + 1);
    for (let r = 0; r < i; r++) x[xc + r] = 0;
    gemvN(i, len, 1, a, at(0, i + 1), lda, temp, 0, 1, x, xc);
    gemvN(mm - i - 1, i, -1, x, i + 1, ldx, x, xc, 1, x, xc + i + 1);
    for (let r = i + 1; r < mm; r++) x[xc + r] *= taup[g + i];
  }
}

/** LAPACK dgebd2 for m ≥ n on the [mm, nn] block at `ao`. */
function unblocked(
  a: Float64Array, ao: number, lda: number, mm: number, nn: number,
  d: Float64Array, e: Float64Array, tauq: Float64Array, taup: Float64Array, g: number, w: Float64Array,
): void {
  const at = (r: number, c: number) => ao + r + c * lda;
  for (let i = 0; i < nn; i++) {
    const tq = larfg(mm - i, a, at(i, i), at(i + 1, i), 1);
    tauq[g + i] = tq;
    d[g + i] = a[at(i, i)];
    if (i < nn - 1 && tq !== 0) {
      a[at(i, i)] = 1;
      // A(i:, i+1:) −= τ u (uᵀ A(i:, i+1:))
      gemvT(mm - i, nn - i - 1, tq, a, at(i, i + 1), lda, a, at(i, i), 0, w, 0, 1);
      for (let c = 0; c < nn - i - 1; c++) {
        const s = w[c];
        const co = at(i, i + 1 + c);
        const uo = at(i, i);
        for (let r = 0; r < mm - i; r++) a[co + r] -= s * a[uo + r];
      }
    }
    a[at(i, i)] = d[g + i];
    if (i >= nn - 1) {
      taup[g + i] = 0;
      continue;
    }
    const tp = larfg(nn - i - 1, a, at(i, i + 1), at(i, i + 2), lda);
    taup[g + i] = tp;
    e[g + i] = a[at(i, i + 1)];
    if (tp !== 0 && i + 1 < mm) {
      a[at(i, i + 1)] = 1;
      // A(i+1:, i+1:) −= τ (A(i+1:, i+1:) v) vᵀ
      const rows = mm - i - 1;
      for (let r = 0; r < rows; r++) w[r] = 0;
      gemvN(rows, nn - i - 1, 1, a, at(i + 1, i + 1), lda, a, at(i, i + 1), lda, w, 0);
      for (let c = 0; c < nn - i - 1; c++) {
        const s = tp * a[at(i, i + 1 + c)];
        const co = at(i + 1, i + 1 + c);
        for (let r = 0; r < rows; r++) a[co + r] -= s * w[r];
      }
    }
    a[at(i, i + 1)] = e[g + i];
  }
}
