/**
 * Singular values (and optionally vectors) of an upper bidiagonal matrix by implicit-shift QR with
 * Demmel–Kahan zero shifts and relative-accuracy convergence tests (LAPACK dbdsqr). Every singular
 * value is computed to high relative accuracy. Internal to diagnostics.
 */
import { MultiLoraError } from '../../errors.js';
import { RotationLog } from './rotation-batch.js';
import { las2, lasv2, lartg, rot } from './rotations.js';

const EPS = Number.EPSILON / 2;
const UNDERFLOW = 2.2250738585072014e-308;
/** Iterations allowed per singular value, on average (LAPACK's MAXITR): 6·n² inner steps in all. */
const MAX_ITERATIONS_PER_VALUE = 6;

/**
 * Vectors that the rotations update, each stored contiguously one after another: `u` holds the left
 * vectors (vector j at j·uLen), `v` the right vectors (vector j at j·vLen). Start both as identities
 * to get B = U·diag(d)·Vᵀ.
 */
export interface BidiagonalVectors {
  u?: Float64Array;
  uLen: number;
  v?: Float64Array;
  vLen: number;
  /** Rotations recorded per vector set before they are applied (default 2^20; see rotation-batch.ts). */
  batchRotations?: number;
}

/**
 * Overwrites d (length n) with the singular values of the upper bidiagonal (d, e), descending and
 * non-negative; e is destroyed. Rotations are accumulated into `vectors`: recorded during the
 * iteration and applied in batches (they never feed back into it). Throws
 * DIAGNOSTICS_NO_CONVERGENCE after 6·n² inner steps (never seen on finite input).
 */
export function bidiagonalSvd(n: number, d: Float64Array, e: Float64Array, vectors: BidiagonalVectors): void {
  const { u, uLen, v, vLen } = vectors;
  if (n === 0) return;
  const cr = new Float64Array(n);
  const sr = new Float64Array(n);
  const cl = new Float64Array(n);
  const sl = new Float64Array(n);
  const tol = Math.max(10, Math.min(100, EPS ** -0.125)) * EPS;
  let sminoa = Math.abs(d[0]);
  if (sminoa !== 0) {
    let mu = sminoa;
    for (let i = 1; i < n && sminoa !== 0; i++) {
      mu = Math.abs(d[i]) * (mu / (mu + Math.abs(e[i - 1])));
      sminoa = Math.min(sminoa, mu);
    }
  }
  sminoa /= Math.sqrt(n);
  const thresh = Math.max(tol * sminoa, MAX_ITERATIONS_PER_VALUE * n * n * UNDERFLOW);
  const logV = v && new RotationLog(v, vLen, 'svd.rotations-v', vectors.batchRotations);
  const logU = u && new RotationLog(u, uLen, 'svd.rotations-u', vectors.batchRotations);

  const maxOuter = MAX_ITERATIONS_PER_VALUE * n;
  let outer = 0;
  let iter = -1;
  let oldll = -1;
  let oldm = -1;
  let idir = 0;
  let m = n - 1;
  main: while (m > 0) {
    if (iter >= n) {
      iter -= n;
      outer++;
      if (outer >= maxOuter) {
        throw new MultiLoraError('DIAGNOSTICS_NO_CONVERGENCE',
          `the bidiagonal SVD of order ${n} did not converge within ${MAX_ITERATIONS_PER_VALUE}·n² QR steps; ` +
          'this should not happen for finite input: please report it with the matrix that caused it.');
      }
    }
    // Find the bottom unreduced block d[ll..m].
    let smaxBlock = Math.abs(d[m]);
    let ll = -1;
    for (let k = m - 1; k >= 0; k--) {
      const abse = Math.abs(e[k]);
      if (abse <= thresh) {
        ll = k;
        break;
      }
      smaxBlock = Math.max(smaxBlock, Math.abs(d[k]), abse);
    }
    if (ll >= 0) {
      e[ll] = 0;
      if (ll === m - 1) {
        m -= 1;
        continue;
      }
    }
    ll += 1;
    if (ll === m - 1) {
      lasv2(d[m - 1], e[m - 1], d[m]);
      d[m - 1] = rot.ssmax;
      e[m - 1] = 0;
      d[m] = rot.ssmin;
      logV?.recordPair(m - 1, rot.csr, rot.snr);
      logU?.recordPair(m - 1, rot.csl, rot.snl);
      m -= 2;
      continue;
    }
    if (ll > oldm || m < oldll) idir = Math.abs(d[ll]) >= Math.abs(d[m]) ? 1 : 2;
    // Convergence tests (relative accuracy).
    let smin: number;
    if (idir === 1) {
      if (Math.abs(e[m - 1]) <= tol * Math.abs(d[m])) {
        e[m - 1] = 0;
        continue;
      }
      let mu = Math.abs(d[ll]);
      smin = mu;
      for (let k = ll; k < m; k++) {
        if (Math.abs(e[k]) <= tol * mu) {
          e[k] = 0;
          continue main;
        }
        mu = Math.abs(d[k + 1]) * (mu / (mu + Math.abs(e[k])));
        smin = Math.min(smin, mu);
      }
    } else {
      if (Math.abs(e[ll]) <= tol * Math.abs(d[ll])) {
        e[ll] = 0;
        continue;
      }
      let mu = Math.abs(d[m]);
      smin = mu;
      for (let k = m - 1; k >= ll; k--) {
        if (Math.abs(e[k]) <= tol * mu) {
          e[k] = 0;
          continue main;
        }
        mu = Math.abs(d[k]) * (mu / (mu + Math.abs(e[k])));
        smin = Math.min(smin, mu);
      }
    }
    oldll = ll;
    oldm = m;
    // The shift: zero where shifting would ruin relative accuracy.
    let shift = 0;
    if (!(n * tol * (smin / smaxBlock) <= Math.max(EPS, 0.01 * tol))) {
      let sll: number;
      if (idir === 1) {
        sll = Math.abs(d[ll]);
        las2(d[m - 1], e[m - 1], d[m]);
      } else {
        sll = Math.abs(d[m]);
        las2(d[ll], e[ll], d[ll + 1]);
      }
      shift = rot.ssmin;
      if (sll > 0 && (shift / sll) ** 2 < EPS) shift = 0;
    }
    iter += m - ll;
    const count = m - ll;
    if (shift === 0) zeroShiftSweep(d, e, ll, m, idir, cr, sr, cl, sl);
    else shiftedSweep(d, e, ll, m, idir, shift, cr, sr, cl, sl);
    if (idir === 1) {
      logV?.record(ll, count, cr, sr, true);
      logU?.record(ll, count, cl, sl, true);
      if (Math.abs(e[m - 1]) <= thresh) e[m - 1] = 0;
    } else {
      logV?.record(ll, count, cl, sl, false);
      logU?.record(ll, count, cr, sr, false);
      if (Math.abs(e[ll]) <= thresh) e[ll] = 0;
    }
  }
  logV?.flush();
  logU?.flush();
  finish(n, d, vectors);
}

/** One Demmel–Kahan zero-shift QR sweep over d[ll..m], top-down (idir 1) or bottom-up (idir 2). */
function zeroShiftSweep(d: Float64Array, e: Float64Array, ll: number, m: number, idir: number,
  cr: Float64Array, sr: Float64Array, cl: Float64Array, sl: Float64Array): void {
  let cs = 1;
  let sn = 0;
  let oldcs = 1;
  let oldsn = 0;
  if (idir === 1) {
    for (let i = ll; i < m; i++) {
      lartg(d[i] * cs, e[i]);
      cs = rot.c;
      sn = rot.s;
      const r = rot.r;
      if (i > ll) e[i - 1] = oldsn * r;
      lartg(oldcs * r, d[i + 1] * sn);
      oldcs = rot.c;
      oldsn = rot.s;
      d[i] = rot.r;
      cr[i - ll] = cs;
      sr[i - ll] = sn;
      cl[i - ll] = oldcs;
      sl[i - ll] = oldsn;
    }
    const h = d[m] * cs;
    d[m] = h * oldcs;
    e[m - 1] = h * oldsn;
  } else {
    for (let i = m; i > ll; i--) {
      lartg(d[i] * cs, e[i - 1]);
      cs = rot.c;
      sn = rot.s;
      const r = rot.r;
      if (i < m) e[i] = oldsn * r;
      lartg(oldcs * r, d[i - 1] * sn);
      oldcs = rot.c;
      oldsn = rot.s;
      d[i] = rot.r;
      cr[i - ll - 1] = cs;
      sr[i - ll - 1] = -sn;
      cl[i - ll - 1] = oldcs;
      sl[i - ll - 1] = -oldsn;
    }
    const h = d[ll] * cs;
    d[ll] = h * oldcs;
    e[ll] = h * oldsn;
  }
}

/** One shifted implicit QR sweep (chasing the bulge) over d[ll..m]. */
function shiftedSweep(d: Float64Array, e: Float64Array, ll: number, m: number, idir: number, shift: number,
  cr: Float64Array, sr: Float64Array, cl: Float64Array, sl: Float64Array): void {
  if (idir === 1) {
    let f = (Math.abs(d[ll]) - shift) * ((d[ll] >= 0 ? 1 : -1) + shift / d[ll]);
    let g = e[ll];
    for (let i = ll; i < m; i++) {
      lartg(f, g);
      const cosr = rot.c;
      const sinr = rot.s;
      if (i > ll) e[i - 1] = rot.r;
      f = cosr * d[i] + sinr * e[i];
      e[i] = cosr * e[i] - sinr * d[i];
      g = sinr * d[i + 1];
      d[i + 1] = cosr * d[i + 1];
      lartg(f, g);
      const cosl = rot.c;
      const sinl = rot.s;
      d[i] = rot.r;
      f = cosl * e[i] + sinl * d[i + 1];
      d[i + 1] = cosl * d[i + 1] - sinl * e[i];
      if (i < m - 1) {
        g = sinl * e[i + 1];
        e[i + 1] = cosl * e[i + 1];
      }
      cr[i - ll] = cosr;
      sr[i - ll] = sinr;
      cl[i - ll] = cosl;
      sl[i - ll] = sinl;
    }
    e[m - 1] = f;
  } else {
    let f = (Math.abs(d[m]) - shift) * ((d[m] >= 0 ? 1 : -1) + shift / d[m]);
    let g = e[m - 1];
    for (let i = m; i > ll; i--) {
      lartg(f, g);
      const cosr = rot.c;
      const sinr = rot.s;
      if (i < m) e[i] = rot.r;
      f = cosr * d[i] + sinr * e[i - 1];
      e[i - 1] = cosr * e[i - 1] - sinr * d[i];
      g = sinr * d[i - 1];
      d[i - 1] = cosr * d[i - 1];
      lartg(f, g);
      const cosl = rot.c;
      const sinl = rot.s;
      d[i] = rot.r;
      f = cosl * e[i - 1] + sinl * d[i - 1];
      d[i - 1] = cosl * d[i - 1] - sinl * e[i - 1];
      if (i > ll + 1) {
        g = sinl * e[i - 2];
        e[i - 2] = cosl * e[i - 2];
      }
      cr[i - ll - 1] = cosr;
      sr[i - ll - 1] = -sinr;
      cl[i - ll - 1] = cosl;
      sl[i - ll - 1] = -sinl;
    }
    e[ll] = f;
  }
}

/** Makes the singular values non-negative (flipping right vectors) and sorts them descending. */
function finish(n: number, d: Float64Array, { u, uLen, v, vLen }: BidiagonalVectors): void {
  for (let i = 0; i < n; i++) {
    if (d[i] < 0) {
      d[i] = -d[i];
      if (v) for (let k = i * vLen; k < (i + 1) * vLen; k++) v[k] = -v[k];
    }
  }
  for (let i = 0; i < n - 1; i++) {
    let best = i;
    for (let j = i + 1; j < n; j++) if (d[j] > d[best]) best = j;
    if (best === i) continue;
    [d[i], d[best]] = [d[best], d[i]];
    if (u) swapVectors(u, uLen, i, best);
    if (v) swapVectors(v, vLen, i, best);
  }
}

function swapVectors(a: Float64Array, len: number, p: number, q: number): void {
  const x = p * len;
  const y = q * len;
  for (let k = 0; k < len; k++) {
    const t = a[x + k];
    a[x + k] = a[y + k];
    a[y + k] = t;
  }
}
