// The float64 register-blocked micro-kernel: C[MR64×NR64] = alpha · Apanel · Bpanel + beta · C over one
// packed panel pair of depth kc, C column-major. The SIMD build holds the 4×4 tile in eight f64x2
// accumulators (two per column of C, so a column is one contiguous pair of v128 stores); the scalar
// build computes it as two 4×2 halves in eight f64 registers each (one 4×4 pass of sixteen spills in
// V8 and ran at half the speed).

import { MR64, NR64, tileBuffer } from './blocking';

/**
 * Writes the tile buffer (column-major [NR64][MR64], alpha applied) to the mr × nr corner of C:
 * c = tile + beta · c, never reading C when beta is 0.
 */
function storeTile(c: usize, ldc: usize, beta: f64, mr: i32, nr: i32): void {
  const tile = tileBuffer();
  for (let j = 0; j < nr; j++) {
    const col = c + <usize>j * ldc;
    const t = tile + (<usize>(j * MR64) << 3);
    for (let i = 0; i < mr; i++) {
      const dst = col + (<usize>i << 3);
      const v = load<f64>(t + (<usize>i << 3));
      store<f64>(dst, beta == 0 ? v : v + beta * load<f64>(dst));
    }
  }
}

/** Stores one column of the SIMD tile: c = alpha · acc + beta · c. */
// @ts-ignore: decorator
@inline
function storeColumn(dst: usize, acc0: v128, acc1: v128, va: v128, beta: f64): void {
  let v0 = f64x2.mul(acc0, va);
  let v1 = f64x2.mul(acc1, va);
  if (beta != 0) {
    const vb = f64x2.splat(beta);
    v0 = f64x2.add(v0, f64x2.mul(v128.load(dst), vb));
    v1 = f64x2.add(v1, f64x2.mul(v128.load(dst, 16), vb));
  }
  v128.store(dst, v0);
  v128.store(dst, v1, 16);
}

/** Stores one column of the SIMD tile into the tile buffer (alpha applied), for edge tiles. */
// @ts-ignore: decorator
@inline
function spillColumn(col: i32, acc0: v128, acc1: v128, va: v128): void {
  const t = tileBuffer() + (<usize>(col * MR64) << 3);
  v128.store(t, f64x2.mul(acc0, va));
  v128.store(t, f64x2.mul(acc1, va), 16);
}

function kernelSimd(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, alpha: f64, beta: f64, mr: i32, nr: i32): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  for (let p = 0; p < kc; p++) {
    const a0 = v128.load(pa);
    const a1 = v128.load(pa, 16);
    let b = v128.load64_splat(pb);
    c00 = f64x2.add(c00, f64x2.mul(a0, b));
    c01 = f64x2.add(c01, f64x2.mul(a1, b));
    b = v128.load64_splat(pb, 8);
    c10 = f64x2.add(c10, f64x2.mul(a0, b));
    c11 = f64x2.add(c11, f64x2.mul(a1, b));
    b = v128.load64_splat(pb, 16);
    c20 = f64x2.add(c20, f64x2.mul(a0, b));
    c21 = f64x2.add(c21, f64x2.mul(a1, b));
    b = v128.load64_splat(pb, 24);
    c30 = f64x2.add(c30, f64x2.mul(a0, b));
    c31 = f64x2.add(c31, f64x2.mul(a1, b));
    pa += 32;
    pb += 32;
  }
  const va = f64x2.splat(alpha);
  if (mr == MR64 && nr == NR64) {
    storeColumn(c, c00, c01, va, beta);
    storeColumn(c + ldc, c10, c11, va, beta);
    storeColumn(c + 2 * ldc, c20, c21, va, beta);
    storeColumn(c + 3 * ldc, c30, c31, va, beta);
  } else {
    spillColumn(0, c00, c01, va);
    spillColumn(1, c10, c11, va);
    spillColumn(2, c20, c21, va);
    spillColumn(3, c30, c31, va);
    storeTile(c, ldc, beta, mr, nr);
  }
}

function kernelScalar(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, alpha: f64, beta: f64, mr: i32, nr: i32): void {
  const tile = tileBuffer();
  for (let h = 0; h < NR64; h += 2) {
    let c00: f64 = 0, c10: f64 = 0, c20: f64 = 0, c30: f64 = 0;
    let c01: f64 = 0, c11: f64 = 0, c21: f64 = 0, c31: f64 = 0;
    let a = pa;
    let b = pb + (<usize>h << 3);
    for (let p = 0; p < kc; p++) {
      const a0 = load<f64>(a), a1 = load<f64>(a, 8), a2 = load<f64>(a, 16), a3 = load<f64>(a, 24);
      let x = load<f64>(b);
      c00 += a0 * x; c10 += a1 * x; c20 += a2 * x; c30 += a3 * x;
      x = load<f64>(b, 8);
      c01 += a0 * x; c11 += a1 * x; c21 += a2 * x; c31 += a3 * x;
      a += 32;
      b += 32;
    }
    const t = tile + (<usize>(h * MR64) << 3);
    store<f64>(t, alpha * c00); store<f64>(t, alpha * c10, 8); store<f64>(t, alpha * c20, 16); store<f64>(t, alpha * c30, 24);
    store<f64>(t, alpha * c01, 32); store<f64>(t, alpha * c11, 40); store<f64>(t, alpha * c21, 48); store<f64>(t, alpha * c31, 56);
  }
  storeTile(c, ldc, beta, mr, nr);
}

/**
 * C[0..mr, 0..nr] = alpha · Σ_p Apanel[p] ⊗ Bpanel[p] + beta · C for one packed MR64-row panel `pa` and
 * NR64-column panel `pb` of depth kc; C is column-major with column stride `ldc` in bytes.
 */
// @ts-ignore: decorator
@inline
export function microKernelF64(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, alpha: f64, beta: f64, mr: i32, nr: i32): void {
  if (ASC_FEATURE_SIMD) kernelSimd(kc, pa, pb, c, ldc, alpha, beta, mr, nr);
  else kernelScalar(kc, pa, pb, c, ldc, alpha, beta, mr, nr);
}
