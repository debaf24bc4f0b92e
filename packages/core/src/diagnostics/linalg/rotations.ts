/**
 * Plane rotations and 2 × 2 triangular SVDs for the bidiagonal QR iteration, after LAPACK's dlartg,
 * dlas2, dlasv2 and dlasr. Results are written into {@link rot} (no allocation per call).
 */

const SAFE_MIN = 2.2250738585072014e-308;
const SAFE_MAX = 1 / SAFE_MIN;
const RT_MIN = Math.sqrt(SAFE_MIN);
const RT_MAX = Math.sqrt(SAFE_MAX / 2);
const EPS = Number.EPSILON / 2;

/**
 * Output slots of the last call. lartg: c, s, r. las2: ssmin, ssmax. lasv2: ssmin, ssmax, snr, csr,
 * snl, csl.
 */
export const rot = { c: 0, s: 0, r: 0, ssmin: 0, ssmax: 0, snr: 0, csr: 0, snl: 0, csl: 0 };

/** Fortran's SIGN(a, b): |a| with the sign of b (b = ±0 counts as positive). */
function sign(a: number, b: number): number {
  return b >= 0 ? Math.abs(a) : -Math.abs(a);
}

/** The rotation [c s; −s c] with [c s; −s c]·[f; g] = [r; 0], c ≥ 0 (LAPACK 3.10 dlartg). */
export function lartg(f: number, g: number): void {
  if (g === 0) {
    rot.c = 1;
    rot.s = 0;
    rot.r = f;
    return;
  }
  const f1 = Math.abs(f);
  const g1 = Math.abs(g);
  if (f === 0) {
    rot.c = 0;
    rot.s = sign(1, g);
    rot.r = g1;
    return;
  }
  if (f1 > RT_MIN && f1 < RT_MAX && g1 > RT_MIN && g1 < RT_MAX) {
    const d = Math.sqrt(f * f + g * g);
    rot.c = f1 / d;
    rot.r = sign(d, f);
    rot.s = g / rot.r;
    return;
  }
  const u = Math.min(SAFE_MAX, Math.max(SAFE_MIN, f1, g1));
  const fs = f / u;
  const gs = g / u;
  const d = Math.sqrt(fs * fs + gs * gs);
  rot.c = Math.abs(fs) / d;
  const r = sign(d, f);
  rot.s = gs / r;
  rot.r = r * u;
}

/** Singular values of the upper triangular [f g; 0 h] (LAPACK dlas2), into rot.ssmin, rot.ssmax. */
export function las2(f: number, g: number, h: number): void {
  const fa = Math.abs(f);
  const ga = Math.abs(g);
  const ha = Math.abs(h);
  const fhmn = Math.min(fa, ha);
  const fhmx = Math.max(fa, ha);
  if (fhmn === 0) {
    rot.ssmin = 0;
    rot.ssmax = fhmx === 0 ? ga : Math.max(fhmx, ga) * Math.sqrt(1 + (Math.min(fhmx, ga) / Math.max(fhmx, ga)) ** 2);
  } else if (ga < fhmx) {
    const as = 1 + fhmn / fhmx;
    const at = (fhmx - fhmn) / fhmx;
    const au = (ga / fhmx) ** 2;
    const c = 2 / (Math.sqrt(as * as + au) + Math.sqrt(at * at + au));
    rot.ssmin = fhmn * c;
    rot.ssmax = fhmx / c;
  } else {
    const au = fhmx / ga;
    if (au === 0) {
      rot.ssmin = (fhmn * fhmx) / ga;
      rot.ssmax = ga;
    } else {
      const as = 1 + fhmn / fhmx;
      const at = (fhmx - fhmn) / fhmx;
      const c = 1 / (Math.sqrt(1 + (as * au) ** 2) + Math.sqrt(1 + (at * au) ** 2));
      rot.ssmin = 2 * (fhmn * c) * au;
      rot.ssmax = ga / (c + c);
    }
  }
}

/**
 * The SVD of the upper triangular [f g; 0 h] (LAPACK dlasv2):
 * [csl snl; −snl csl] · [f g; 0 h] · [csr −snr; snr csr] = diag(ssmax, ssmin), signed.
 */
export function lasv2(f: number, g: number, h: number): void {
  let ft = f;
  let fa = Math.abs(ft);
  let ht = h;
  let ha = Math.abs(h);
  let pmax = 1;
  const swap = ha > fa;
  if (swap) {
    pmax = 3;
    [ft, ht] = [ht, ft];
    [fa, ha] = [ha, fa];
  }
  const gt = g;
  const ga = Math.abs(gt);
  let clt: number, crt: number, slt: number, srt: number, ssmin: number, ssmax: number;
  if (ga === 0) {
    ssmin = ha;
    ssmax = fa;
    clt = 1;
    crt = 1;
    slt = 0;
    srt = 0;
  } else {
    let gasmal = true;
    ssmin = 0;
    ssmax = 0;
    clt = 1;
    crt = 1;
    slt = 0;
    srt = 0;
    if (ga > fa) {
      pmax = 2;
      if (fa / ga < EPS) {
        gasmal = false;
        ssmax = ga;
        ssmin = ha > 1 ? fa / (ga / ha) : (fa / ga) * ha;
        clt = 1;
        slt = ht / gt;
        srt = 1;
        crt = ft / gt;
      }
    }
    if (gasmal) {
      const dd = fa - ha;
      let l = dd === fa ? 1 : dd / fa;
      const m = gt / ft;
      let t = 2 - l;
      const mm = m * m;
      const tt = t * t;
      const s = Math.sqrt(tt + mm);
      const r = l === 0 ? Math.abs(m) : Math.sqrt(l * l + mm);
      const a = 0.5 * (s + r);
      ssmin = ha / a;
      ssmax = fa * a;
      if (mm === 0) {
        t = l === 0 ? sign(2, ft) * sign(1, gt) : gt / sign(dd, ft) + m / t;
      } else {
        t = (m / (s + t) + m / (r + l)) * (1 + a);
      }
      l = Math.sqrt(t * t + 4);
      crt = 2 / l;
      srt = t / l;
      clt = (crt + srt * m) / a;
      slt = ((ht / ft) * srt) / a;
    }
  }
  if (swap) {
    rot.csl = srt;
    rot.snl = crt;
    rot.csr = slt;
    rot.snr = clt;
  } else {
    rot.csl = clt;
    rot.snl = slt;
    rot.csr = crt;
    rot.snr = srt;
  }
  let tsign = 1;
  if (pmax === 1) tsign = sign(1, rot.csr) * sign(1, rot.csl) * sign(1, f);
  if (pmax === 2) tsign = sign(1, rot.snr) * sign(1, rot.csl) * sign(1, g);
  if (pmax === 3) tsign = sign(1, rot.snr) * sign(1, rot.snl) * sign(1, h);
  rot.ssmax = sign(ssmax, tsign);
  rot.ssmin = sign(ssmin, tsign * sign(1, f) * sign(1, h));
}

/**
 * Applies the rotation sequence (c[j], s[j]), j < count, to the pairs of contiguous vectors
 * (first + j, first + j + 1) of length `len` stored one after another in `a` (vector q at q·len):
 * y ← c·y − s·x, x ← s·y + c·x, with rotation j's cosine and sine at c[co + j], s[co + j]. Forward
 * (j ascending) or backward (LAPACK dlasr, 'V' pivot). Four rotations are fused per pass (the shared
 * vector stays in a register between them); identity rotations outside those groups are skipped.
 */
export function applyRotations(
  a: Float64Array, len: number, first: number, count: number, c: Float64Array, s: Float64Array, forward: boolean, co = 0,
): void {
  if (forward) {
    let j = 0;
    for (; j + 3 < count; j += 4) forward4(a, len, first + j, c, s, co + j);
    for (; j < count; j++) rotate(a, len, first + j, c[co + j], s[co + j]);
  } else {
    let j = count;
    for (; j >= 4; j -= 4) backward4(a, len, first + j - 4, c, s, co + j - 4);
    for (j -= 1; j >= 0; j--) rotate(a, len, first + j, c[co + j], s[co + j]);
  }
}

/** One rotation of vectors (q, q + 1): y ← c·y − s·x, x ← s·y + c·x. */
function rotate(a: Float64Array, len: number, q: number, cj: number, sj: number): void {
  if (cj === 1 && sj === 0) return;
  const x = q * len;
  const y = x + len;
  for (let i = 0; i < len; i++) {
    const t = a[y + i];
    const u = a[x + i];
    a[y + i] = cj * t - sj * u;
    a[x + i] = sj * t + cj * u;
  }
}

/** Rotations j0 … j0 + 3 (ascending) of vectors q … q + 4 in one pass. */
function forward4(a: Float64Array, len: number, q: number, c: Float64Array, s: Float64Array, j0: number): void {
  const [c0, c1, c2, c3] = [c[j0], c[j0 + 1], c[j0 + 2], c[j0 + 3]];
  const [s0, s1, s2, s3] = [s[j0], s[j0 + 1], s[j0 + 2], s[j0 + 3]];
  const p0 = q * len;
  const p1 = p0 + len;
  const p2 = p1 + len;
  const p3 = p2 + len;
  const p4 = p3 + len;
  for (let i = 0; i < len; i++) {
    let x = a[p0 + i];
    let y = a[p1 + i];
    a[p0 + i] = s0 * y + c0 * x;
    x = c0 * y - s0 * x;
    y = a[p2 + i];
    a[p1 + i] = s1 * y + c1 * x;
    x = c1 * y - s1 * x;
    y = a[p3 + i];
    a[p2 + i] = s2 * y + c2 * x;
    x = c2 * y - s2 * x;
    y = a[p4 + i];
    a[p3 + i] = s3 * y + c3 * x;
    a[p4 + i] = c3 * y - s3 * x;
  }
}

/** Rotations j0 + 3 … j0 (descending) of vectors q … q + 4 in one pass. */
function backward4(a: Float64Array, len: number, q: number, c: Float64Array, s: Float64Array, j0: number): void {
  const [c0, c1, c2, c3] = [c[j0], c[j0 + 1], c[j0 + 2], c[j0 + 3]];
  const [s0, s1, s2, s3] = [s[j0], s[j0 + 1], s[j0 + 2], s[j0 + 3]];
  const p0 = q * len;
  const p1 = p0 + len;
  const p2 = p1 + len;
  const p3 = p2 + len;
  const p4 = p3 + len;
  for (let i = 0; i < len; i++) {
    let y = a[p4 + i];
    let x = a[p3 + i];
    a[p4 + i] = c3 * y - s3 * x;
    y = s3 * y + c3 * x;
    x = a[p2 + i];
    a[p3 + i] = c2 * y - s2 * x;
    y = s2 * y + c2 * x;
    x = a[p1 + i];
    a[p2 + i] = c1 * y - s1 * x;
    y = s1 * y + c1 * x;
    x = a[p0 + i];
    a[p1 + i] = c0 * y - s0 * x;
    a[p0 + i] = s0 * y + c0 * x;
  }
}
