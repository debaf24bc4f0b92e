import type { GemmArgs } from './types.js';
import { checkGemmArgs } from './validate.js';

/**
 * Plain-TypeScript GEMM, C = alpha · op(A) · op(B) + beta · C, row-major float32. Two register-blocked
 * inner kernels: an axpy form (4 rows of B streamed into 2 rows of C per pass, B panel blocked to stay
 * in cache) for untransposed B, and a dot form (2 × 4 entries of C per pass, float64 accumulators) for
 * transposed B. Both transposed: B is packed to [k, n] first. With alpha = 0, A and B are not read
 * (BLAS convention). `c` must not alias `a` or `b`.
 */

/** Bytes of B kept hot in the axpy kernel's panel, and in the dot kernel's block of B rows. */
const PANEL_BYTES = 128 * 1024;

let packBuffer = new Float32Array(0);

/** C[m, n] += alpha · op(A)[m, k] · B[k, n]; A is [m, k], or [k, m] when `transA`. Two rows of C × four rows of B per pass. */
function axpyKernel(m: number, n: number, k: number, a: Float32Array, transA: boolean, b: Float32Array, alpha: number, c: Float32Array): void {
  const panelRows = Math.max(4, Math.floor(PANEL_BYTES / (4 * Math.max(1, n))));
  // a(i, p) = a[i·sI + p·sP]
  const sI = transA ? 1 : k;
  const sP = transA ? m : 1;
  for (let p0 = 0; p0 < k; p0 += panelRows) {
    const p1 = Math.min(k, p0 + panelRows);
    let i = 0;
    for (; i + 1 < m; i += 2) {
      const c0 = i * n;
      const c1 = c0 + n;
      const a0 = i * sI;
      const a1 = a0 + sI;
      let p = p0;
      for (; p + 3 < p1; p += 4) {
        const q0 = p * sP;
        const q1 = q0 + sP;
        const q2 = q1 + sP;
        const q3 = q2 + sP;
        const u0 = alpha * a[a0 + q0];
        const u1 = alpha * a[a0 + q1];
        const u2 = alpha * a[a0 + q2];
        const u3 = alpha * a[a0 + q3];
        const v0 = alpha * a[a1 + q0];
        const v1 = alpha * a[a1 + q1];
        const v2 = alpha * a[a1 + q2];
        const v3 = alpha * a[a1 + q3];
        const b0 = p * n;
        const b1 = b0 + n;
        const b2 = b1 + n;
        const b3 = b2 + n;
        for (let j = 0; j < n; j++) {
          const x0 = b[b0 + j];
          const x1 = b[b1 + j];
          const x2 = b[b2 + j];
          const x3 = b[b3 + j];
          c[c0 + j] += u0 * x0 + u1 * x1 + u2 * x2 + u3 * x3;
          c[c1 + j] += v0 * x0 + v1 * x1 + v2 * x2 + v3 * x3;
        }
      }
      for (; p < p1; p++) {
        const u = alpha * a[a0 + p * sP];
        const v = alpha * a[a1 + p * sP];
        const b0 = p * n;
        for (let j = 0; j < n; j++) {
          const x = b[b0 + j];
          c[c0 + j] += u * x;
          c[c1 + j] += v * x;
        }
      }
    }
    if (i < m) {
      const c0 = i * n;
      const a0 = i * sI;
      let p = p0;
      for (; p + 3 < p1; p += 4) {
        const u0 = alpha * a[a0 + p * sP];
        const u1 = alpha * a[a0 + (p + 1) * sP];
        const u2 = alpha * a[a0 + (p + 2) * sP];
        const u3 = alpha * a[a0 + (p + 3) * sP];
        const b0 = p * n;
        const b1 = b0 + n;
        const b2 = b1 + n;
        const b3 = b2 + n;
        for (let j = 0; j < n; j++) c[c0 + j] += u0 * b[b0 + j] + u1 * b[b1 + j] + u2 * b[b2 + j] + u3 * b[b3 + j];
      }
      for (; p < p1; p++) {
        const u = alpha * a[a0 + p * sP];
        const b0 = p * n;
        for (let j = 0; j < n; j++) c[c0 + j] += u * b[b0 + j];
      }
    }
  }
}

/** C[m, n] += alpha · A[m, k] · Bᵀ with B stored [n, k]: dot products of contiguous rows, 2 × 4 at a time. */
function dotKernel(m: number, n: number, k: number, a: Float32Array, b: Float32Array, alpha: number, c: Float32Array): void {
  const blockRows = Math.max(4, Math.floor(PANEL_BYTES / (4 * Math.max(1, k))));
  for (let j0 = 0; j0 < n; j0 += blockRows) {
    const j1 = Math.min(n, j0 + blockRows);
    let i = 0;
    for (; i + 1 < m; i += 2) {
      const a0 = i * k;
      const a1 = a0 + k;
      const c0 = i * n;
      const c1 = c0 + n;
      let j = j0;
      for (; j + 3 < j1; j += 4) {
        const b0 = j * k;
        const b1 = b0 + k;
        const b2 = b1 + k;
        const b3 = b2 + k;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let t0 = 0;
        let t1 = 0;
        let t2 = 0;
        let t3 = 0;
        for (let p = 0; p < k; p++) {
          const u = a[a0 + p];
          const v = a[a1 + p];
          const x0 = b[b0 + p];
          const x1 = b[b1 + p];
          const x2 = b[b2 + p];
          const x3 = b[b3 + p];
          s0 += u * x0;
          s1 += u * x1;
          s2 += u * x2;
          s3 += u * x3;
          t0 += v * x0;
          t1 += v * x1;
          t2 += v * x2;
          t3 += v * x3;
        }
        c[c0 + j] += alpha * s0;
        c[c0 + j + 1] += alpha * s1;
        c[c0 + j + 2] += alpha * s2;
        c[c0 + j + 3] += alpha * s3;
        c[c1 + j] += alpha * t0;
        c[c1 + j + 1] += alpha * t1;
        c[c1 + j + 2] += alpha * t2;
        c[c1 + j + 3] += alpha * t3;
      }
      for (; j < j1; j++) {
        const b0 = j * k;
        let s = 0;
        let t = 0;
        for (let p = 0; p < k; p++) {
          const x = b[b0 + p];
          s += a[a0 + p] * x;
          t += a[a1 + p] * x;
        }
        c[c0 + j] += alpha * s;
        c[c1 + j] += alpha * t;
      }
    }
    if (i < m) {
      const a0 = i * k;
      const c0 = i * n;
      for (let j = j0; j < j1; j++) {
        const b0 = j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += a[a0 + p] * b[b0 + p];
        c[c0 + j] += alpha * s;
      }
    }
  }
}

/** B stored [n, k] → [k, n] in the shared pack buffer. */
function packTransposed(b: Float32Array, n: number, k: number): Float32Array {
  if (packBuffer.length < n * k) packBuffer = new Float32Array(n * k);
  const packed = packBuffer.subarray(0, n * k);
  for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) packed[p * n + j] = b[j * k + p];
  return packed;
}

/** C = alpha · op(A) · op(B) + beta · C (see {@link GemmArgs}); returns C. */
export function tsGemm(args: GemmArgs): Float32Array {
  checkGemmArgs(args);
  const { m, n, k, a, b } = args;
  const transA = args.transA ?? false;
  const transB = args.transB ?? false;
  const alpha = args.alpha ?? 1;
  const beta = args.beta ?? 0;
  const c = args.c ?? new Float32Array(m * n);
  if (beta === 0) c.fill(0);
  else if (beta !== 1) for (let i = 0; i < c.length; i++) c[i] *= beta;
  if (k === 0 || alpha === 0) return c;
  if (!transB) axpyKernel(m, n, k, a, transA, b, alpha, c);
  else if (!transA) dotKernel(m, n, k, a, b, alpha, c);
  else axpyKernel(m, n, k, a, true, packTransposed(b, n, k), alpha, c);
  return c;
}
