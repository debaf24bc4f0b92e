// The register-blocked micro-kernel: C[MR×NR] = alpha · Apanel · Bpanel + beta · C, over one packed
// panel pair of depth kc. The SIMD build keeps the 4×8 tile in eight f32x4 accumulators; the scalar
// build computes it as two 4×4 halves in scalar registers.

import { MR, NR, tileBuffer } from './blocking';

/**
 * Writes the tile buffer (alpha already applied) to the mr × nr corner of C: c = tile + beta · c,
 * never reading C when beta is 0.
 */
function storeTile(c: usize, ldc: usize, beta: f32, mr: i32, nr: i32): void {
  const tile = tileBuffer();
  for (let i = 0; i < mr; i++) {
    const row = c + <usize>i * ldc;
    const t = tile + (<usize>(i * NR) << 2);
    for (let j = 0; j < nr; j++) {
      const dst = row + (<usize>j << 2);
      const v = load<f32>(t + (<usize>j << 2));
      store<f32>(dst, beta == 0 ? v : v + beta * load<f32>(dst));
    }
  }
}

/** Stores one row of the SIMD tile: c = alpha · acc + beta · c. */
// @ts-ignore: decorator
@inline
function storeRow(dst: usize, acc0: v128, acc1: v128, va: v128, beta: f32): void {
  let v0 = f32x4.mul(acc0, va);
  let v1 = f32x4.mul(acc1, va);
  if (beta != 0) {
    const vb = f32x4.splat(beta);
    v0 = f32x4.add(v0, f32x4.mul(v128.load(dst), vb));
    v1 = f32x4.add(v1, f32x4.mul(v128.load(dst, 16), vb));
  }
  v128.store(dst, v0);
  v128.store(dst, v1, 16);
}

/** Stores one row of the SIMD tile into the tile buffer (alpha applied), for edge tiles. */
// @ts-ignore: decorator
@inline
function spillRow(row: i32, acc0: v128, acc1: v128, va: v128): void {
  const t = tileBuffer() + (<usize>(row * NR) << 2);
  v128.store(t, f32x4.mul(acc0, va));
  v128.store(t, f32x4.mul(acc1, va), 16);
}

function kernelSimd(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, alpha: f32, beta: f32, mr: i32, nr: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    pa += 16;
    pb += 32;
  }
  const va = f32x4.splat(alpha);
  if (mr == MR && nr == NR) {
    storeRow(c, c00, c01, va, beta);
    storeRow(c + ldc, c10, c11, va, beta);
    storeRow(c + 2 * ldc, c20, c21, va, beta);
    storeRow(c + 3 * ldc, c30, c31, va, beta);
  } else {
    spillRow(0, c00, c01, va);
    spillRow(1, c10, c11, va);
    spillRow(2, c20, c21, va);
    spillRow(3, c30, c31, va);
    storeTile(c, ldc, beta, mr, nr);
  }
}

function kernelScalar(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, alpha: f32, beta: f32, mr: i32, nr: i32): void {
  const tile = tileBuffer();
  for (let h = 0; h < NR; h += 4) {
    let c00: f32 = 0, c01: f32 = 0, c02: f32 = 0, c03: f32 = 0;
    let c10: f32 = 0, c11: f32 = 0, c12: f32 = 0, c13: f32 = 0;
    let c20: f32 = 0, c21: f32 = 0, c22: f32 = 0, c23: f32 = 0;
    let c30: f32 = 0, c31: f32 = 0, c32: f32 = 0, c33: f32 = 0;
    let a = pa;
    let b = pb + (<usize>h << 2);
    for (let p = 0; p < kc; p++) {
      const b0 = load<f32>(b), b1 = load<f32>(b, 4), b2 = load<f32>(b, 8), b3 = load<f32>(b, 12);
      let x = load<f32>(a);
      c00 += x * b0; c01 += x * b1; c02 += x * b2; c03 += x * b3;
      x = load<f32>(a, 4);
      c10 += x * b0; c11 += x * b1; c12 += x * b2; c13 += x * b3;
      x = load<f32>(a, 8);
      c20 += x * b0; c21 += x * b1; c22 += x * b2; c23 += x * b3;
      x = load<f32>(a, 12);
      c30 += x * b0; c31 += x * b1; c32 += x * b2; c33 += x * b3;
      a += 16;
      b += 32;
    }
    const t = tile + (<usize>h << 2);
    store<f32>(t, alpha * c00); store<f32>(t, alpha * c01, 4); store<f32>(t, alpha * c02, 8); store<f32>(t, alpha * c03, 12);
    store<f32>(t, alpha * c10, 32); store<f32>(t, alpha * c11, 36); store<f32>(t, alpha * c12, 40); store<f32>(t, alpha * c13, 44);
    store<f32>(t, alpha * c20, 64); store<f32>(t, alpha * c21, 68); store<f32>(t, alpha * c22, 72); store<f32>(t, alpha * c23, 76);
    store<f32>(t, alpha * c30, 96); store<f32>(t, alpha * c31, 100); store<f32>(t, alpha * c32, 104); store<f32>(t, alpha * c33, 108);
  }
  storeTile(c, ldc, beta, mr, nr);
}

/**
 * C[0..mr, 0..nr] = alpha · Σ_p Apanel[p] ⊗ Bpanel[p] + beta · C for one packed MR-row panel `pa` and
 * NR-column panel `pb` of depth kc; `ldc` is C's row stride in bytes.
 */
// @ts-ignore: decorator
@inline
export function microKernel(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, alpha: f32, beta: f32, mr: i32, nr: i32): void {
  if (ASC_FEATURE_SIMD) kernelSimd(kc, pa, pb, c, ldc, alpha, beta, mr, nr);
  else kernelScalar(kc, pa, pb, c, ldc, alpha, beta, mr, nr);
}
