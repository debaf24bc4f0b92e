/**
 * Float64 building blocks of the SVD code on column-major arrays with offsets: dot products, axpy,
 * matrix–vector products unrolled over four or eight columns, and the GEMM, which runs the registered
 * kernels' `gemmF64` (e.g. @multilora/wasm-kernels) on large products and core's packed TypeScript GEMM
 * otherwise. Internal to diagnostics: no argument checks here.
 */
import { getKernels } from '../../kernels/registry.js';
import { tsGemmF64 } from '../../kernels/ts-gemm-f64.js';
import type { StridedF64 } from '../../kernels/types.js';

/** A strided matrix operand (core's kernel type): element (i, j) is `data[offset + i·rowStride + j·colStride]`. */
export type Operand = StridedF64;

/** The operand view of a column-major block starting at `offset` with leading dimension `ld`. */
export function colMajor(data: Float64Array, offset: number, ld: number): Operand {
  return { data, offset, rowStride: 1, colStride: ld };
}

/** The transpose of a column-major block: element (i, j) is block(j, i). */
export function colMajorT(data: Float64Array, offset: number, ld: number): Operand {
  return { data, offset, rowStride: ld, colStride: 1 };
}

/** Σ x[xo + i] · y[yo + i] over i < n. */
export function dot(n: number, x: Float64Array, xo: number, y: Float64Array, yo: number): number {
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    s0 += x[xo + i] * y[yo + i];
    s1 += x[xo + i + 1] * y[yo + i + 1];
  }
  if (i < n) s0 += x[xo + i] * y[yo + i];
  return s0 + s1;
}

/** y[yo + i] += a · x[xo + i] over i < n. */
export function axpy(n: number, a: number, x: Float64Array, xo: number, y: Float64Array, yo: number): void {
  for (let i = 0; i < n; i++) y[yo + i] += a * x[xo + i];
}

/**
 * y[yo + j·incy] = beta · y[…] + alpha · Σ_i A(i, j) · x[xo + i] for j < n: y = alpha·Aᵀx + beta·y with A
 * column-major [m, n] at `ao`, leading dimension `lda`, and x contiguous. beta = 0 ignores y's contents.
 */
export function gemvT(
  m: number, n: number, alpha: number, a: Float64Array, ao: number, lda: number,
  x: Float64Array, xo: number, beta: number, y: Float64Array, yo: number, incy: number,
): void {
  let j = 0;
  for (; j + 3 < n; j += 4) {
    const c0 = ao + j * lda;
    const c1 = c0 + lda;
    const c2 = c1 + lda;
    const c3 = c2 + lda;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < m; i++) {
      const xi = x[xo + i];
      s0 += a[c0 + i] * xi;
      s1 += a[c1 + i] * xi;
      s2 += a[c2 + i] * xi;
      s3 += a[c3 + i] * xi;
    }
    const y0 = yo + j * incy;
    if (beta === 0) {
      y[y0] = alpha * s0;
      y[y0 + incy] = alpha * s1;
      y[y0 + 2 * incy] = alpha * s2;
      y[y0 + 3 * incy] = alpha * s3;
    } else {
      y[y0] = beta * y[y0] + alpha * s0;
      y[y0 + incy] = beta * y[y0 + incy] + alpha * s1;
      y[y0 + 2 * incy] = beta * y[y0 + 2 * incy] + alpha * s2;
      y[y0 + 3 * incy] = beta * y[y0 + 3 * incy] + alpha * s3;
    }
  }
  for (; j < n; j++) {
    const s = dot(m, a, ao + j * lda, x, xo);
    const yj = yo + j * incy;
    y[yj] = beta === 0 ? alpha * s : beta * y[yj] + alpha * s;
  }
}

/**
 * y[yo + i] += alpha · Σ_j A(i, j) · x[xo + j·incx] for i < m: y += alpha·A·x with A column-major [m, n]
 * at `ao` (leading dimension `lda`), x strided and y contiguous; eight columns per pass over y.
 */
export function gemvN(
  m: number, n: number, alpha: number, a: Float64Array, ao: number, lda: number,
  x: Float64Array, xo: number, incx: number, y: Float64Array, yo: number,
): void {
  let j = 0;
  for (; j + 7 < n; j += 8) {
    const x0 = alpha * x[xo + j * incx];
    const x1 = alpha * x[xo + (j + 1) * incx];
    const x2 = alpha * x[xo + (j + 2) * incx];
    const x3 = alpha * x[xo + (j + 3) * incx];
    const x4 = alpha * x[xo + (j + 4) * incx];
    const x5 = alpha * x[xo + (j + 5) * incx];
    const x6 = alpha * x[xo + (j + 6) * incx];
    const x7 = alpha * x[xo + (j + 7) * incx];
    const c0 = ao + j * lda;
    const c1 = c0 + lda;
    const c2 = c1 + lda;
    const c3 = c2 + lda;
    const c4 = c3 + lda;
    const c5 = c4 + lda;
    const c6 = c5 + lda;
    const c7 = c6 + lda;
    for (let i = 0; i < m; i++) {
      y[yo + i] += x0 * a[c0 + i] + x1 * a[c1 + i] + x2 * a[c2 + i] + x3 * a[c3 + i] +
        x4 * a[c4 + i] + x5 * a[c5 + i] + x6 * a[c6 + i] + x7 * a[c7 + i];
    }
  }
  for (; j < n; j++) axpy(m, alpha * x[xo + j * incx], a, ao + j * lda, y, yo);
}

/**
 * Products with m·n·k at least this large go to the registered kernels' `gemmF64`; smaller ones stay in
 * TypeScript, where copying the operands into another memory costs more than the product saves.
 * Measured with @multilora/wasm-kernels against core's TypeScript GEMM (AMD EPYC, 2 cores, Node 20,
 * copies and beta = 1 included, cubes and k = 32 panels): the SIMD module breaks even near
 * m·n·k = 2^12 and is 2.3× faster at 2^15, 3–4× from 2^18 on; the scalar module breaks even near
 * 2^13.5 and is 1.4× faster at 2^15, 2× from 2^18 on.
 */
const KERNEL_MIN_WORK = 2 ** 15;

/**
 * C = beta·C + alpha·A·B with A [m, k], B [k, n] strided operands and C column-major at `co` with
 * leading dimension `ldc`. beta = 0 ignores C's previous contents. C must not overlap A or B.
 */
export function gemm(
  m: number, n: number, k: number, alpha: number, a: Operand, b: Operand,
  beta: number, c: Float64Array, co: number, ldc: number,
): void {
  const kernels = m * n * k >= KERNEL_MIN_WORK ? getKernels() : undefined;
  if (kernels?.gemmF64) kernels.gemmF64(m, n, k, alpha, a, b, beta, c, co, ldc);
  else tsGemmF64(m, n, k, alpha, a, b, beta, c, co, ldc);
}
