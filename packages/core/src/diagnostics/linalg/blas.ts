/**
 * Float64 building blocks of the SVD code on column-major arrays with offsets: dot products, axpy,
 * matrix–vector products unrolled over four or eight columns, and a packed, register-blocked GEMM (4 × 3
 * micro-kernel, Goto-style blocking). Internal to diagnostics: no argument checks here.
 */

/** A strided matrix operand: element (i, j) is `data[offset + i·rowStride + j·colStride]`. */
export interface Operand {
  data: Float64Array;
  offset: number;
  rowStride: number;
  colStride: number;
}

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

/** Rows of A (and columns of B) packed per block: the packed A block stays in L2. */
const MC = 96;
/** Depth of one packed block. */
const KC = 256;
/**
 * Columns per micro-kernel tile: 4 × 3 keeps its 12 sums and 4 + 1 operands within the 16 float
 * registers of x64 (4 × 4 spills; measured ~7% slower in V8).
 */
const NR = 3;

let packA = new Float64Array(MC * KC);
let packB = new Float64Array(NR * KC * 64);

/** Packs rows [i0, i0 + mb) × depth [p0, p0 + kb) of `a` as 4-row strips, p-major within a strip (zero padded). */
function packRows(a: Operand, i0: number, mb: number, p0: number, kb: number, m: number): void {
  const strips = (mb + 3) >> 2;
  const { data, offset, rowStride: rs, colStride: cs } = a;
  for (let s = 0; s < strips; s++) {
    const base = s * kb * 4;
    for (let r = 0; r < 4; r++) {
      const i = i0 + s * 4 + r;
      if (s * 4 + r >= mb || i >= m) {
        for (let p = 0; p < kb; p++) packA[base + p * 4 + r] = 0;
        continue;
      }
      let src = offset + i * rs + p0 * cs;
      for (let p = 0; p < kb; p++, src += cs) packA[base + p * 4 + r] = data[src];
    }
  }
}

/** Packs depth [p0, p0 + kb) × all n columns of `b` as {@link NR}-column strips, p-major within a strip (zero padded). */
function packCols(b: Operand, p0: number, kb: number, n: number): void {
  const strips = Math.ceil(n / NR);
  const need = strips * kb * NR;
  if (packB.length < need) packB = new Float64Array(need);
  const { data, offset, rowStride: rs, colStride: cs } = b;
  for (let t = 0; t < strips; t++) {
    const base = t * kb * NR;
    for (let c = 0; c < NR; c++) {
      const j = t * NR + c;
      if (j >= n) {
        for (let p = 0; p < kb; p++) packB[base + p * NR + c] = 0;
        continue;
      }
      let src = offset + p0 * rs + j * cs;
      for (let p = 0; p < kb; p++, src += rs) packB[base + p * NR + c] = data[src];
    }
  }
}

/**
 * C = beta·C + alpha·A·B with A [m, k], B [k, n] strided operands and C column-major at `co` with
 * leading dimension `ldc`. beta = 0 ignores C's previous contents. C must not alias A or B.
 */
export function gemm(
  m: number, n: number, k: number, alpha: number, a: Operand, b: Operand,
  beta: number, c: Float64Array, co: number, ldc: number,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) c[co + i + j * ldc] = beta === 0 ? 0 : beta * c[co + i + j * ldc];
    return;
  }
  if (packA.length < MC * KC) packA = new Float64Array(MC * KC);
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kb = Math.min(KC, k - p0);
    const betaHere = p0 === 0 ? beta : 1;
    packCols(b, p0, kb, n);
    for (let i0 = 0; i0 < m; i0 += MC) {
      const mb = Math.min(MC, m - i0);
      packRows(a, i0, mb, p0, kb, m);
      microBlocks(mb, n, kb, alpha, betaHere, c, co + i0, ldc);
    }
  }
}

/** The 4 × {@link NR} register-blocked kernel over one packed A block and all packed B strips. */
function microBlocks(mb: number, n: number, kb: number, alpha: number, beta: number, c: Float64Array, co: number, ldc: number): void {
  const pa = packA;
  const pb = packB;
  const rowStrips = (mb + 3) >> 2;
  const colStrips = Math.ceil(n / NR);
  for (let t = 0; t < colStrips; t++) {
    const bBase = t * kb * NR;
    const j0 = t * NR;
    for (let s = 0; s < rowStrips; s++) {
      let ai = s * kb * 4;
      let bi = bBase;
      let x00 = 0, x10 = 0, x20 = 0, x30 = 0, x01 = 0, x11 = 0, x21 = 0, x31 = 0;
      let x02 = 0, x12 = 0, x22 = 0, x32 = 0;
      for (let p = 0; p < kb; p++, ai += 4, bi += NR) {
        const a0 = pa[ai], a1 = pa[ai + 1], a2 = pa[ai + 2], a3 = pa[ai + 3];
        let b = pb[bi];
        x00 += a0 * b; x10 += a1 * b; x20 += a2 * b; x30 += a3 * b;
        b = pb[bi + 1];
        x01 += a0 * b; x11 += a1 * b; x21 += a2 * b; x31 += a3 * b;
        b = pb[bi + 2];
        x02 += a0 * b; x12 += a1 * b; x22 += a2 * b; x32 += a3 * b;
      }
      const i0 = s * 4;
      if (i0 + 4 <= mb && j0 + NR <= n) {
        const c0 = co + i0 + j0 * ldc;
        store4(c, c0, alpha, beta, x00, x10, x20, x30);
        store4(c, c0 + ldc, alpha, beta, x01, x11, x21, x31);
        store4(c, c0 + 2 * ldc, alpha, beta, x02, x12, x22, x32);
      } else {
        const block = [x00, x10, x20, x30, x01, x11, x21, x31, x02, x12, x22, x32];
        for (let cc = 0; cc < NR && j0 + cc < n; cc++) {
          for (let r = 0; r < 4 && i0 + r < mb; r++) {
            const idx = co + i0 + r + (j0 + cc) * ldc;
            c[idx] = (beta === 0 ? 0 : beta * c[idx]) + alpha * block[cc * 4 + r];
          }
        }
      }
    }
  }
}

function store4(c: Float64Array, o: number, alpha: number, beta: number, v0: number, v1: number, v2: number, v3: number): void {
  if (beta === 0) {
    c[o] = alpha * v0;
    c[o + 1] = alpha * v1;
    c[o + 2] = alpha * v2;
    c[o + 3] = alpha * v3;
  } else {
    c[o] = beta * c[o] + alpha * v0;
    c[o + 1] = beta * c[o + 1] + alpha * v1;
    c[o + 2] = beta * c[o + 2] + alpha * v2;
    c[o + 3] = beta * c[o + 3] + alpha * v3;
  }
}
