/**
 * Plain-TypeScript float64 GEMM on strided operands, C column-major: packed, register-blocked (4 × 3
 * micro-kernel, Goto-style blocking). Core's `gemmF64` (tsKernels) and the fallback of the diagnostics'
 * GEMM wherever no faster kernels are registered (browsers without WebAssembly, core alone).
 */
import type { StridedF64 } from './types.js';

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
function packRows(a: StridedF64, i0: number, mb: number, p0: number, kb: number, m: number): void {
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
function packCols(b: StridedF64, p0: number, kb: number, n: number): void {
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
 * leading dimension `ldc` (the contract of `Kernels.gemmF64`): beta = 0 ignores C's previous contents,
 * alpha = 0 or k = 0 leaves A and B unread. C must not overlap A or B. No argument checks (the
 * diagnostics call it on shapes they built; `tsKernels.gemmF64` checks first).
 */
export function tsGemmF64(
  m: number, n: number, k: number, alpha: number, a: StridedF64, b: StridedF64,
  beta: number, c: Float64Array, co: number, ldc: number,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0 || alpha === 0) {
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
