import { bidiagonalSvd } from './linalg/bdsqr.js';
import { bidiagonalize } from './linalg/bidiagonal.js';
import { applyQ, formQ } from './linalg/householder.js';
import { scratch, zeroedScratch } from './linalg/workspace.js';
import { checkMatrix, fromColumnMajor, toColumnMajor, type DenseMatrix } from './matrix.js';

/** Which singular vectors to compute: none (fastest), left (U), right (V) or both. */
export type SvdVectors = 'none' | 'left' | 'right' | 'both';

/** Options of the SVD functions. */
export interface SvdOptions {
  /** Default `'both'`. Vectors cost several times the singular values alone. */
  vectors?: SvdVectors;
}

/** A thin SVD A = U · diag(s) · Vᵀ. */
export interface SvdResult {
  /** Singular values, descending, non-negative; zeros included (length min(m, n), or the factor rank). */
  s: Float64Array;
  /** Left singular vectors U [m, s.length], row-major, orthonormal columns (when requested). */
  u?: DenseMatrix;
  /** Right singular vectors V [n, s.length], row-major, orthonormal columns (when requested). */
  v?: DenseMatrix;
}

/**
 * P = G_0 … G_{n−2} of the bidiagonalisation as a column-major [n, n] array (scratch slot
 * `svd.right`): G_k's vector is 1 at k + 1 followed by A[k, k+2:], so P = diag(1, P̃) with P̃ formed
 * from those reflectors.
 */
function rightReflectors(work: Float64Array, ld: number, n: number, taup: Float64Array): Float64Array {
  const out = identity('svd.right', n);
  const p = n - 1;
  if (p === 0) return out;
  const v = zeroedScratch('svd.right-reflectors', p * p);
  for (let k = 0; k < p; k++) {
    v[k + k * p] = 1;
    for (let r = k + 1; r < p; r++) v[r + k * p] = work[k + (r + 1) * ld];
  }
  const inner = formQ(p, p, p, v, p, taup, scratch('svd.right-inner', p * p));
  for (let j = 0; j < p; j++) out.set(inner.subarray(j * p, (j + 1) * p), 1 + (j + 1) * n);
  return out;
}

/** The [n, n] identity in the scratch slot `name`. */
function identity(name: string, n: number): Float64Array {
  const a = zeroedScratch(name, n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = 1;
  return a;
}

/**
 * The thin SVD of a dense [m, n] matrix in float64: Householder bidiagonalisation (blocked, GEMM
 * updates) followed by implicit-shift QR on the bidiagonal (LAPACK dgebrd + dbdsqr). Singular values
 * carry high relative accuracy with respect to the bidiagonal and agree with LAPACK to ~1e-13 · s₁.
 * Its temporaries stay allocated between calls, at the size of the largest call so far (see
 * linalg/workspace.ts). Throws DIAGNOSTICS_EMPTY, DIAGNOSTICS_NOT_FINITE or SHAPE_MISMATCH for bad input.
 */
export function svd(a: DenseMatrix, options: SvdOptions = {}): SvdResult {
  checkMatrix(a, 'matrix');
  const vectors = options.vectors ?? 'both';
  const wantU = vectors === 'left' || vectors === 'both';
  const wantV = vectors === 'right' || vectors === 'both';
  // Work on a tall column-major matrix: A itself (m ≥ n) or Aᵀ, whose column-major form is A's row-major data.
  const tall = a.rows >= a.cols;
  const big = tall ? a.rows : a.cols;
  const small = tall ? a.cols : a.rows;
  // Temporaries live in reused scratch slots (see linalg/workspace.ts); the results are fresh arrays.
  const work = scratch('svd.work', a.data.length);
  if (tall) toColumnMajor(a, work);
  else work.set(a.data);
  const wantLeft = tall ? wantU : wantV;
  const wantRight = tall ? wantV : wantU;

  const { d, e, tauq, taup } = bidiagonalize(work, big, small);
  // Left vectors: rotations go straight into the explicit Q when it is (nearly) square; for tall
  // matrices they go into a small [n, n] U_b, lifted by Q afterwards (cheaper than rotating long vectors).
  const explicitLeft = wantLeft && big * 4 <= small * 5;
  const ub = !wantLeft ? undefined
    : explicitLeft ? formQ(big, small, small, work, big, tauq, scratch('svd.left', big * small)) : identity('svd.left', small);
  const vb = wantRight ? rightReflectors(work, big, small, taup) : undefined;
  bidiagonalSvd(small, d, e, { u: ub, uLen: explicitLeft ? big : small, v: vb, vLen: small });

  let left: DenseMatrix | undefined;
  if (ub && explicitLeft) left = fromColumnMajor(ub, big, small);
  else if (ub) {
    // U_work = Q · [U_b; 0]
    const c = zeroedScratch('svd.left-lifted', big * small);
    for (let j = 0; j < small; j++) c.set(ub.subarray(j * small, (j + 1) * small), j * big);
    applyQ(big, small, work, big, tauq, c, 0, big, small, false, undefined, small);
    left = fromColumnMajor(c, big, small);
  }
  const right = vb ? fromColumnMajor(vb, small, small) : undefined;
  const result: SvdResult = { s: d };
  const u = tall ? left : right;
  const v = tall ? right : left;
  if (u) result.u = u;
  if (v) result.v = v;
  return result;
}
