import { check } from '../errors.js';
import { checkReferenceInputs, referenceEffectiveB, type ReferenceModule } from '../math/reference-module.js';
import { applyQ } from './linalg/householder.js';
import { qrFactor, type QrFactors } from './linalg/qr.js';
import { scratch, zeroedScratch } from './linalg/workspace.js';
import { checkFinite, checkMatrix, fromColumnMajor, toColumnMajor, type DenseMatrix } from './matrix.js';
import { svd, type SvdOptions, type SvdResult } from './svd-dense.js';

/** ΔW = left · right: left [out, p], right [p, in] (an adapter's γ·B_cat·diag(s) and A_cat, p = n·r). */
export interface LowRankFactors {
  left: DenseMatrix;
  right: DenseMatrix;
}

/** The upper trapezoid R [k, p] of a factored array as a row-major copy (zeros below the diagonal) in slot `name`. */
function upperRows(f: QrFactors, p: number, name: string): Float64Array {
  const r = zeroedScratch(name, f.k * p);
  for (let q = 0; q < p; q++) {
    const col = q * f.m;
    for (let i = 0; i <= Math.min(q, f.k - 1); i++) r[i * p + q] = f.a[col + i];
  }
  return r;
}

/** The [kL, kR] core R_L · R_Rᵀ as a row-major matrix (R: the upper trapezoids of the factored arrays). */
function core(l: QrFactors, r: QrFactors, p: number): DenseMatrix {
  const rl = upperRows(l, p, 'lowrank.left-r');
  const rr = upperRows(r, p, 'lowrank.right-r');
  const data = scratch('lowrank.core', l.k * r.k);
  for (let i = 0; i < l.k; i++) {
    for (let j = 0; j < r.k; j++) {
      let s = 0;
      for (let q = Math.max(i, j), a = i * p, b = j * p; q < p; q++) s += rl[a + q] * rr[b + q];
      data[i * r.k + j] = s;
    }
  }
  return { rows: l.k, cols: r.k, data };
}

/** Q · [X; 0] for the [k, t] row-major X: the singular vectors of the core lifted to the full space. */
function lift(f: QrFactors, x: DenseMatrix): DenseMatrix {
  const c = zeroedScratch('lowrank.lift', f.m * x.cols);
  for (let j = 0; j < x.cols; j++) for (let i = 0; i < x.rows; i++) c[i + j * f.m] = x.data[i * x.cols + j];
  applyQ(f.m, f.k, f.a, f.m, f.tau, c, 0, f.m, x.cols, false, f.blockT, x.rows);
  return fromColumnMajor(c, f.m, x.cols);
}

/**
 * The exact thin SVD of ΔW = left · right without forming ΔW: thin Householder QR of left and of
 * rightᵀ, the SVD of the small core R_L·R_Rᵀ, and its vectors multiplied back. O((out + in)·p²)
 * instead of O(out·in·min(out, in)). Returns min(out, in, p) values, zeros included. Its temporaries
 * stay allocated between calls, at the size of the largest call so far (see linalg/workspace.ts).
 */
export function lowRankSvd(factors: LowRankFactors, options: SvdOptions = {}): SvdResult {
  const { left, right } = factors;
  checkMatrix(left, 'left factor');
  checkMatrix(right, 'right factor');
  check(left.cols === right.rows, 'SHAPE_MISMATCH', () =>
    `left factor is [${left.rows}, ${left.cols}] and right factor is [${right.rows}, ${right.cols}]; ` +
    'the product needs left.cols = right.rows (ΔW = left · right).');
  const p = left.cols;
  const vectors = options.vectors ?? 'both';
  // The QRs work in place on reused scratch memory (see linalg/workspace.ts).
  const l = qrFactor(toColumnMajor(left, scratch('lowrank.left', left.rows * p)), left.rows, p);
  // right [p, in] row-major is rightᵀ [in, p] column-major.
  const rightT = scratch('lowrank.right', right.data.length);
  rightT.set(right.data);
  const r = qrFactor(rightT, right.cols, p);
  const small = svd(core(l, r, p), { vectors });
  const result: SvdResult = { s: small.s };
  if (small.u) result.u = lift(l, small.u);
  if (small.v) result.v = lift(r, small.v);
  return result;
}

/**
 * The factors of a module's ΔW in float64: left = γ·[s_1 ⊙ B_1 … s_n ⊙ B_n] [out, n·r], right = A_cat
 * [n·r, in] (conv modules: in = inChannels·kh·kw). Checks shapes (SHAPE_MISMATCH) and values
 * (DIAGNOSTICS_NOT_FINITE naming the module and tensor).
 */
export function moduleFactors(module: ReferenceModule & { name?: string }): LowRankFactors {
  checkReferenceInputs(module);
  const label = module.name ? `module "${module.name}"` : 'module';
  checkFinite(module.a, `${label} A`);
  checkFinite(module.b, `${label} B`);
  checkFinite(module.scale, `${label} scale`);
  checkFinite([module.gamma], `${label} gamma`);
  const nr = module.n * module.r;
  const left = referenceEffectiveB(module);
  for (let i = 0; i < left.length; i++) left[i] *= module.gamma;
  return {
    left: { rows: module.outFeatures, cols: nr, data: left },
    right: { rows: nr, cols: module.inFeatures, data: Float64Array.from(module.a) },
  };
}

/** The exact SVD of an adapter module's ΔW by {@link lowRankSvd}. A zero update (scales 0) gives all-zero values. */
export function moduleSvd(module: ReferenceModule & { name?: string }, options: SvdOptions = {}): SvdResult {
  return lowRankSvd(moduleFactors(module), options);
}

/** ‖left · right‖_F exactly from the QR factors (no dense product, no cancellation through Gram matrices). */
export function lowRankFrobenius(factors: LowRankFactors): number {
  const { s } = lowRankSvd(factors, { vectors: 'none' });
  let ss = 0;
  for (let i = 0; i < s.length; i++) ss += s[i] * s[i];
  return Math.sqrt(ss);
}
