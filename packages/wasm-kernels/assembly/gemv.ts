// Products with fewer than MR rows (a single token at inference) or a depth under 4 (a gradient over a
// single token): packing would cost as much as the product itself, so these stream op(B) once per row
// straight from its own layout.

/** Horizontal sum of an f32x4. */
// @ts-ignore: decorator
@inline
function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** C[i, j] = beta · C[i, j] for one row (0 when beta is 0, whatever C held). */
function scaleRow(c: usize, n: i32, beta: f32): void {
  if (beta == 0) memory.fill(c, 0, <usize>n << 2);
  else if (beta != 1) for (let j = 0; j < n; j++) store<f32>(c + (<usize>j << 2), beta * load<f32>(c + (<usize>j << 2)));
}

/**
 * Row form, for op(B) with contiguous rows (csB = 1): C[i, :] = beta·C[i, :] + alpha · Σ_p A[i, p] · B[p, :],
 * four rows of B per sweep over C[i, :].
 */
export function gemvRows(m: i32, n: i32, k: i32, a: usize, rsA: i32, csA: i32, b: usize, rsB: i32, c: usize, ldc: i32, alpha: f32, beta: f32): void {
  const rb = <usize>rsB << 2;
  for (let i = 0; i < m; i++) {
    const crow = c + (<usize>i * <usize>ldc << 2);
    const arow = a + (<usize>i * <usize>rsA << 2);
    const ca = <usize>csA << 2;
    scaleRow(crow, n, beta);
    let p = 0;
    for (; p + 4 <= k; p += 4) {
      const x0 = alpha * load<f32>(arow + <usize>p * ca);
      const x1 = alpha * load<f32>(arow + <usize>(p + 1) * ca);
      const x2 = alpha * load<f32>(arow + <usize>(p + 2) * ca);
      const x3 = alpha * load<f32>(arow + <usize>(p + 3) * ca);
      const b0 = b + <usize>p * rb;
      const b1 = b0 + rb, b2 = b1 + rb, b3 = b2 + rb;
      let j = 0;
      if (ASC_FEATURE_SIMD) {
        const v0 = f32x4.splat(x0), v1 = f32x4.splat(x1), v2 = f32x4.splat(x2), v3 = f32x4.splat(x3);
        for (; j + 4 <= n; j += 4) {
          const o = <usize>j << 2;
          let acc = v128.load(crow + o);
          acc = f32x4.add(acc, f32x4.mul(v0, v128.load(b0 + o)));
          acc = f32x4.add(acc, f32x4.mul(v1, v128.load(b1 + o)));
          acc = f32x4.add(acc, f32x4.mul(v2, v128.load(b2 + o)));
          acc = f32x4.add(acc, f32x4.mul(v3, v128.load(b3 + o)));
          v128.store(crow + o, acc);
        }
      }
      for (; j < n; j++) {
        const o = <usize>j << 2;
        const v = x0 * load<f32>(b0 + o) + x1 * load<f32>(b1 + o) + x2 * load<f32>(b2 + o) + x3 * load<f32>(b3 + o);
        store<f32>(crow + o, load<f32>(crow + o) + v);
      }
    }
    for (; p < k; p++) {
      const x = alpha * load<f32>(arow + <usize>p * ca);
      const brow = b + <usize>p * rb;
      let j = 0;
      if (ASC_FEATURE_SIMD) {
        const v = f32x4.splat(x);
        for (; j + 4 <= n; j += 4) {
          const o = <usize>j << 2;
          v128.store(crow + o, f32x4.add(v128.load(crow + o), f32x4.mul(v, v128.load(brow + o))));
        }
      }
      for (; j < n; j++) {
        const o = <usize>j << 2;
        store<f32>(crow + o, load<f32>(crow + o) + x * load<f32>(brow + o));
      }
    }
  }
}

/** Σ_p x[p] · y[p] over k contiguous floats. */
function dot(x: usize, y: usize, k: i32): f32 {
  let p = 0;
  let s: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc0 = f32x4.splat(0), acc1 = f32x4.splat(0);
    for (; p + 8 <= k; p += 8) {
      const o = <usize>p << 2;
      acc0 = f32x4.add(acc0, f32x4.mul(v128.load(x + o), v128.load(y + o)));
      acc1 = f32x4.add(acc1, f32x4.mul(v128.load(x + o, 16), v128.load(y + o, 16)));
    }
    s = hsum(f32x4.add(acc0, acc1));
  }
  for (; p < k; p++) s += load<f32>(x + (<usize>p << 2)) * load<f32>(y + (<usize>p << 2));
  return s;
}

/**
 * Dot form, for contiguous rows of op(A) (csA = 1) and contiguous columns of op(B) (rsB = 1, a
 * transposed B): C[i, j] = beta·C[i, j] + alpha · A[i, :] · B[:, j].
 */
export function gemvDots(m: i32, n: i32, k: i32, a: usize, rsA: i32, b: usize, csB: i32, c: usize, ldc: i32, alpha: f32, beta: f32): void {
  const cb = <usize>csB << 2;
  for (let i = 0; i < m; i++) {
    const crow = c + (<usize>i * <usize>ldc << 2);
    const arow = a + (<usize>i * <usize>rsA << 2);
    for (let j = 0; j < n; j++) {
      const dst = crow + (<usize>j << 2);
      const v = alpha * dot(arow, b + <usize>j * cb, k);
      store<f32>(dst, beta == 0 ? v : v + beta * load<f32>(dst));
    }
  }
}
