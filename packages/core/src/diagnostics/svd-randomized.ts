import { check } from '../errors.js';
import { SeededRandom } from '../rng.js';
import { colMajor, colMajorT, gemm, type Operand } from './linalg/blas.js';
import { applyQ } from './linalg/householder.js';
import { qrFactor } from './linalg/qr.js';
import { checkMatrix, fromColumnMajor, leadingColumns, type DenseMatrix } from './matrix.js';
import { svd, type SvdResult } from './svd-dense.js';

/** Options of {@link randomizedSvd}. */
export interface RandomizedSvdOptions {
  /** How many leading singular triplets to return (k ≥ 1, clamped to min(m, n)). */
  rank: number;
  /** Extra sketch columns beyond k (default 10). */
  oversampling?: number;
  /** Power iterations (default 2); each sharpens the decay of the sketched spectrum. */
  powerIterations?: number;
  /** Gaussian probes for the error estimate (default 10). */
  probes?: number;
  /** Seed of the Gaussian test matrices (default 0). */
  seed?: number;
}

/** A rank-k approximation A ≈ U diag(s) Vᵀ with an a-posteriori error estimate. */
export interface RandomizedSvdResult extends Required<SvdResult> {
  /**
   * An upper bound on ‖A − U diag(s) Vᵀ‖₂ that holds with probability ≥ 1 − 10^(−probes):
   * 10·√(2/π)·maxᵢ ‖(A − U diag(s) Vᵀ) ωᵢ‖ over Gaussian probes ωᵢ (Halko, Martinsson & Tropp 2011, Lemma 4.1).
   */
  errorBound: number;
  /** An estimate of ‖A − U diag(s) Vᵀ‖_F: √(mean ‖(A − U S Vᵀ) ω‖²) over the probes (its square is unbiased). */
  errorEstimate: number;
  /** The (k+1)-th singular value of the sketch, a lower bound on σ_{k+1}(A) (0 without oversampling). */
  nextSingularValue: number;
  /** 10^(−probes): the probability that `errorBound` fails. */
  failureProbability: number;
}

function gaussian(rows: number, cols: number, rng: SeededRandom): Float64Array {
  const g = new Float64Array(rows * cols);
  for (let i = 0; i < g.length; i++) g[i] = rng.normal();
  return g;
}

/** An orthonormal basis (column-major [m, l]) of the column space of the column-major [m, l] `y`. */
function orthonormalize(y: Float64Array, m: number, l: number): Float64Array {
  const f = qrFactor(y, m, l);
  const q = new Float64Array(m * l);
  for (let j = 0; j < l; j++) q[j + j * m] = 1;
  applyQ(m, f.k, f.a, m, f.tau, q, 0, m, l, false, f.blockT, l);
  return q;
}

/**
 * The leading `rank` singular triplets of a dense matrix by randomized range finding (Halko,
 * Martinsson & Tropp 2011): a Gaussian sketch with oversampling, power iterations with
 * re-orthonormalisation, and an exact SVD of the small projected matrix. Reports a probabilistic
 * error bound from extra Gaussian probes. Cost O(m·n·(k + p)·(2q + 2)).
 */
export function randomizedSvd(a: DenseMatrix, options: RandomizedSvdOptions): RandomizedSvdResult {
  checkMatrix(a, 'matrix');
  const { rank, oversampling = 10, powerIterations = 2, probes = 10, seed = 0 } = options;
  const okCount = (v: number, min: number) => Number.isInteger(v) && v >= min;
  check(okCount(rank, 1) && okCount(oversampling, 0) && okCount(powerIterations, 0) && okCount(probes, 1) && powerIterations <= 100,
    'INVALID_CONFIG', () =>
      `randomizedSvd options { rank: ${rank}, oversampling: ${oversampling}, powerIterations: ${powerIterations}, probes: ${probes} } ` +
      'are invalid; expected integers rank ≥ 1, oversampling ≥ 0, 0 ≤ powerIterations ≤ 100, probes ≥ 1.');
  const { rows: m, cols: n } = a;
  const k = Math.min(rank, m, n);
  const l = Math.min(k + oversampling, m, n);
  const rng = new SeededRandom(seed);
  // A row-major is Aᵀ column-major: A(i, j) = data[i·n + j].
  const op: Operand = { data: a.data, offset: 0, rowStride: n, colStride: 1 };
  const opT: Operand = { data: a.data, offset: 0, rowStride: 1, colStride: n };

  const y = new Float64Array(m * l);
  gemm(m, l, n, 1, op, colMajor(gaussian(n, l, rng), 0, n), 0, y, 0, m);
  let q = orthonormalize(y, m, l);
  for (let it = 0; it < powerIterations; it++) {
    const z = new Float64Array(n * l);
    gemm(n, l, m, 1, opT, colMajor(q, 0, m), 0, z, 0, n);
    const qz = orthonormalize(z, n, l);
    gemm(m, l, n, 1, op, colMajor(qz, 0, n), 0, y, 0, m);
    q = orthonormalize(y, m, l);
  }
  // B = Qᵀ A [l, n], then its exact SVD.
  const b = new Float64Array(l * n);
  gemm(l, n, m, 1, colMajorT(q, 0, m), op, 0, b, 0, l);
  const small = svd(fromColumnMajor(b, l, n), { vectors: 'both' });
  const ub = small.u as DenseMatrix;
  const u = new Float64Array(m * k);
  gemm(m, k, l, 1, colMajor(q, 0, m), { data: ub.data, offset: 0, rowStride: ub.cols, colStride: 1 }, 0, u, 0, m);
  const result = {
    s: small.s.slice(0, k),
    u: fromColumnMajor(u, m, k),
    v: leadingColumns(small.v as DenseMatrix, k),
  };
  return { ...result, ...errorProbes(a, op, result, probes, rng), nextSingularValue: l > k ? small.s[k] : 0 };
}

/** ‖(A − U S Vᵀ) ω‖ for `probes` Gaussian ω: the bound of HMT Lemma 4.1 and a Frobenius estimate. */
function errorProbes(a: DenseMatrix, op: Operand, t: Required<SvdResult>, probes: number, rng: SeededRandom) {
  const { rows: m, cols: n } = a;
  const k = t.s.length;
  const omega = gaussian(n, probes, rng);
  const y = new Float64Array(m * probes);
  gemm(m, probes, n, 1, op, colMajor(omega, 0, n), 0, y, 0, m);
  // c = S Vᵀ ω [k, probes]; y −= U c.
  const c = new Float64Array(k * probes);
  gemm(k, probes, n, 1, { data: t.v.data, offset: 0, rowStride: 1, colStride: k }, colMajor(omega, 0, n), 0, c, 0, k);
  for (let j = 0; j < probes; j++) for (let i = 0; i < k; i++) c[i + j * k] *= t.s[i];
  gemm(m, probes, k, -1, { data: t.u.data, offset: 0, rowStride: k, colStride: 1 }, colMajor(c, 0, k), 1, y, 0, m);
  let max = 0;
  let sumSquares = 0;
  for (let j = 0; j < probes; j++) {
    let ss = 0;
    for (let i = 0; i < m; i++) ss += y[i + j * m] ** 2;
    sumSquares += ss;
    max = Math.max(max, Math.sqrt(ss));
  }
  return {
    errorBound: 10 * Math.sqrt(2 / Math.PI) * max,
    errorEstimate: Math.sqrt(sumSquares / probes),
    failureProbability: 10 ** -probes,
  };
}
