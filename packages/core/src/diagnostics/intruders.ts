import { check } from '../errors.js';
import { checkMatrix, type DenseMatrix } from './matrix.js';
import { svd, type SvdResult } from './svd-dense.js';

/** One of the top-k left singular vectors of the fine-tuned matrix. */
export interface IntruderCandidate {
  /** 0-based rank of the singular vector in W0 + ΔW. */
  index: number;
  singularValue: number;
  /** max_j |cos(u_index, u0_j)| over all left singular vectors u0_j of W0. */
  maxCosine: number;
  /** maxCosine < ε. */
  intruder: boolean;
}

/** Intruder dimensions of W0 + ΔW against W0. */
export interface IntruderDimensions {
  k: number;
  epsilon: number;
  /** How many of the top k are intruders. */
  count: number;
  candidates: IntruderCandidate[];
}

/** Options of {@link intruderDimensions}. */
export interface IntruderOptions {
  /** Top singular vectors of the fine-tuned matrix to examine (default 10). */
  k?: number;
  /** Cosine threshold ε (default 0.5). */
  epsilon?: number;
  /** W0's SVD with left vectors, when already computed (saves the most expensive step). */
  baseSvd?: SvdResult;
}

/**
 * Intruder dimensions (Shuttleworth et al. 2024): among the top-k left singular vectors of the
 * fine-tuned W = W0 + ΔW, those whose largest |cosine| with any left singular vector of W0 is below
 * ε. Both matrices [out, in]; dense SVDs with left vectors (the cost: O(out·in·min(out, in))).
 */
export function intruderDimensions(base: DenseMatrix, fineTuned: DenseMatrix, options: IntruderOptions = {}): IntruderDimensions {
  const { k: wanted = 10, epsilon = 0.5 } = options;
  check(Number.isInteger(wanted) && wanted >= 1 && epsilon > 0 && epsilon <= 1, 'INVALID_CONFIG', () =>
    `intruder options k = ${wanted}, epsilon = ${epsilon} are invalid; expected an integer k ≥ 1 and 0 < epsilon ≤ 1.`);
  checkMatrix(base, 'base weight W0');
  checkMatrix(fineTuned, 'fine-tuned weight W0 + ΔW');
  check(base.rows === fineTuned.rows && base.cols === fineTuned.cols, 'SHAPE_MISMATCH', () =>
    `base weight is [${base.rows}, ${base.cols}] but the fine-tuned weight is [${fineTuned.rows}, ${fineTuned.cols}]; both must be [out, in].`);
  const u0 = (options.baseSvd ?? svd(base, { vectors: 'left' })).u;
  check(u0 && u0.rows === base.rows, 'SHAPE_MISMATCH', () =>
    `baseSvd has no left singular vectors of W0's ${base.rows} rows; compute it with { vectors: 'left' } or 'both'.`);
  const ft = svd(fineTuned, { vectors: 'left' });
  const uf = ft.u as DenseMatrix;
  const k = Math.min(wanted, uf.cols);
  const candidates: IntruderCandidate[] = [];
  for (let t = 0; t < k; t++) {
    // c = U0ᵀ u_t; the largest |c_j|.
    const c = new Float64Array(u0.cols);
    for (let i = 0; i < u0.rows; i++) {
      const x = uf.data[i * uf.cols + t];
      const ro = i * u0.cols;
      for (let j = 0; j < u0.cols; j++) c[j] += x * u0.data[ro + j];
    }
    let maxCosine = 0;
    for (let j = 0; j < c.length; j++) maxCosine = Math.max(maxCosine, Math.abs(c[j]));
    candidates.push({ index: t, singularValue: ft.s[t], maxCosine, intruder: maxCosine < epsilon });
  }
  return { k, epsilon, count: candidates.filter((c) => c.intruder).length, candidates };
}
