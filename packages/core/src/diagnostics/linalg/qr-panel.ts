/**
 * Unblocked Householder QR of a panel (LAPACK dgeqr2) that applies its reflectors two at a time. Once
 * H_i and H_{i+1} exist, every column a to their right gets H_{i+1} H_i a = a − s·v_i − t·v_{i+1} with
 * s = τ_i·v_iᵀa and t = τ_{i+1}·(v_{i+1}ᵀa − s·v_{i+1}ᵀv_i): one pass for both dot products and one for
 * the update, so a column is streamed twice per two reflectors instead of four times. Internal to
 * diagnostics.
 */
import { larfg } from './householder.js';

/**
 * QR of the column-major [rows, cols] block at `ao` (leading dimension `lda`), in place: R on and above
 * the diagonal, the reflectors' tails below (unit diagonal implied), τ_i into `tau[to + i]`.
 */
export function qrPanel(a: Float64Array, ao: number, lda: number, rows: number, cols: number, tau: Float64Array, to: number): void {
  const k = Math.min(rows, cols);
  for (let i = 0; i < k; i += 2) {
    const di = ao + i + i * lda;
    const ti = larfg(rows - i, a, di, di + 1, 1);
    tau[to + i] = ti;
    if (i + 1 >= k) return;
    // H_i on column i + 1 alone, then H_{i+1} from that column.
    if (ti !== 0) applyOne(a, di, rows - i, ti, di + lda);
    const dj = di + lda + 1;
    const tj = larfg(rows - i - 1, a, dj, dj + 1, 1);
    tau[to + i + 1] = tj;
    const count = cols - i - 2;
    if (count === 0 || (ti === 0 && tj === 0)) continue;
    // g = v_{i+1}ᵀ v_i: v_{i+1} is 0 at row i and 1 at row i + 1.
    const g = a[di + 1] + tailDot(rows - i - 2, a, di + 2, dj + 1);
    applyPairs(a, di, dj, rows - i, ti, tj, g, di + 2 * lda, lda, count);
  }
}

function tailDot(n: number, a: Float64Array, x: number, y: number): number {
  let s = 0;
  for (let r = 0; r < n; r++) s += a[x + r] * a[y + r];
  return s;
}

/** a ← (I − τ v vᵀ) a for the column at `co`, v = [1; a[vo + 1 …]] of length `len`. */
function applyOne(a: Float64Array, vo: number, len: number, tau: number, co: number): void {
  let s = a[co];
  for (let r = 1; r < len; r++) s += a[vo + r] * a[co + r];
  s *= tau;
  a[co] -= s;
  for (let r = 1; r < len; r++) a[co + r] -= s * a[vo + r];
}

/**
 * H_{i+1} H_i on `count` columns starting at `co` (offset of row i, stride `lda`). v_i = [1; a[vi + 1 …]]
 * has length `len` from row i; v_{i+1} = [0; 1; a[vj + 1 …]]. Four columns per pass.
 */
function applyPairs(
  a: Float64Array, vi: number, vj: number, len: number, ti: number, tj: number, g: number, co: number, lda: number, count: number,
): void {
  const w = a[vi + 1];
  const x0 = vi + 2;
  const y0 = vj + 1;
  const rest = len - 2;
  let c = 0;
  for (; c + 3 < count; c += 4) {
    const o0 = co + c * lda;
    const o1 = o0 + lda;
    const o2 = o1 + lda;
    const o3 = o2 + lda;
    let d0 = a[o0] + w * a[o0 + 1];
    let d1 = a[o1] + w * a[o1 + 1];
    let d2 = a[o2] + w * a[o2 + 1];
    let d3 = a[o3] + w * a[o3 + 1];
    let e0 = a[o0 + 1];
    let e1 = a[o1 + 1];
    let e2 = a[o2 + 1];
    let e3 = a[o3 + 1];
    for (let r = 0; r < rest; r++) {
      const x = a[x0 + r];
      const y = a[y0 + r];
      const a0 = a[o0 + 2 + r];
      const a1 = a[o1 + 2 + r];
      const a2 = a[o2 + 2 + r];
      const a3 = a[o3 + 2 + r];
      d0 += x * a0;
      e0 += y * a0;
      d1 += x * a1;
      e1 += y * a1;
      d2 += x * a2;
      e2 += y * a2;
      d3 += x * a3;
      e3 += y * a3;
    }
    const s0 = ti * d0;
    const s1 = ti * d1;
    const s2 = ti * d2;
    const s3 = ti * d3;
    const t0 = tj * (e0 - s0 * g);
    const t1 = tj * (e1 - s1 * g);
    const t2 = tj * (e2 - s2 * g);
    const t3 = tj * (e3 - s3 * g);
    a[o0] -= s0;
    a[o1] -= s1;
    a[o2] -= s2;
    a[o3] -= s3;
    a[o0 + 1] -= s0 * w + t0;
    a[o1 + 1] -= s1 * w + t1;
    a[o2 + 1] -= s2 * w + t2;
    a[o3 + 1] -= s3 * w + t3;
    for (let r = 0; r < rest; r++) {
      const x = a[x0 + r];
      const y = a[y0 + r];
      a[o0 + 2 + r] -= s0 * x + t0 * y;
      a[o1 + 2 + r] -= s1 * x + t1 * y;
      a[o2 + 2 + r] -= s2 * x + t2 * y;
      a[o3 + 2 + r] -= s3 * x + t3 * y;
    }
  }
  for (; c < count; c++) {
    const o = co + c * lda;
    let d = a[o] + w * a[o + 1];
    let e = a[o + 1];
    for (let r = 0; r < rest; r++) {
      d += a[x0 + r] * a[o + 2 + r];
      e += a[y0 + r] * a[o + 2 + r];
    }
    const s = ti * d;
    const t = tj * (e - s * g);
    a[o] -= s;
    a[o + 1] -= s * w + t;
    for (let r = 0; r < rest; r++) a[o + 2 + r] -= s * a[x0 + r] + t * a[y0 + r];
  }
}
