// Packing of GEMM operands into contiguous, zero-padded panels the micro-kernel streams through.
// Operands are addressed by element strides: op(A)[i, p] = a[i·rsA + p·csA], op(B)[p, j] = b[p·rsB + j·csB],
// so transposes cost nothing but a different packing loop.

import { MR, NR } from './blocking';

/** Transposes the 4×4 block held in rows r0..r3 and stores its columns at dst, dst + step, …. */
// @ts-ignore: decorator
@inline
function storeTransposed4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, step: usize): void {
  const t0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = f32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, f32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(dst + step, f32x4.shuffle(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * step, f32x4.shuffle(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * step, f32x4.shuffle(t2, t3, 2, 3, 6, 7));
}

/**
 * Packs op(A)[i0 .. i0+mc, p0 .. p0+kc] into dst as ⌈mc/MR⌉ panels of [kc][MR] floats; rows past mc are 0.
 */
export function packA(a: usize, rsA: i32, csA: i32, i0: i32, p0: i32, mc: i32, kc: i32, dst: usize): void {
  const rs = <usize>rsA << 2;
  const cs = <usize>csA << 2;
  for (let ip = 0; ip < mc; ip += MR) {
    const rows = min(MR, mc - ip);
    const src = a + <usize>(i0 + ip) * rs + <usize>p0 * cs;
    const panel = dst + (<usize>ip * <usize>kc << 2);
    let p = 0;
    if (ASC_FEATURE_SIMD) {
      if (rows == MR && rsA == 1) {
        // the MR rows of one column are contiguous (a transposed operand)
        for (; p < kc; p++) v128.store(panel + (<usize>p << 4), v128.load(src + <usize>p * cs));
      } else if (rows == MR && csA == 1) {
        // rows are contiguous: transpose 4×4 blocks
        for (; p + 4 <= kc; p += 4) {
          const s = src + (<usize>p << 2);
          storeTransposed4(v128.load(s), v128.load(s + rs), v128.load(s + 2 * rs), v128.load(s + 3 * rs), panel + (<usize>p << 4), 16);
        }
      }
    }
    // edge panels, remainders and the scalar build
    for (; p < kc; p++) {
      const d = panel + (<usize>p << 4);
      for (let i = 0; i < MR; i++) {
        store<f32>(d + (<usize>i << 2), i < rows ? load<f32>(src + <usize>i * rs + <usize>p * cs) : 0);
      }
    }
  }
}

/**
 * Packs op(B)[p0 .. p0+kc, j0 .. j0+nc] into dst as ⌈nc/NR⌉ panels of [kc][NR] floats; columns past nc are 0.
 */
export function packB(b: usize, rsB: i32, csB: i32, p0: i32, j0: i32, kc: i32, nc: i32, dst: usize): void {
  const rs = <usize>rsB << 2;
  const cs = <usize>csB << 2;
  for (let jp = 0; jp < nc; jp += NR) {
    const cols = min(NR, nc - jp);
    const src = b + <usize>p0 * rs + <usize>(j0 + jp) * cs;
    const panel = dst + (<usize>jp * <usize>kc << 2);
    let p = 0;
    if (ASC_FEATURE_SIMD) {
      if (cols == NR && csB == 1) {
        // a row of the panel is contiguous
        for (; p < kc; p++) {
          const s = src + <usize>p * rs;
          const d = panel + (<usize>p << 5);
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
        }
      } else if (cols == NR && rsB == 1) {
        // columns are contiguous (a transposed operand): transpose 4×4 blocks
        for (; p + 4 <= kc; p += 4) {
          for (let g = 0; g < NR; g += 4) {
            const s = src + <usize>g * cs + (<usize>p << 2);
            storeTransposed4(v128.load(s), v128.load(s + cs), v128.load(s + 2 * cs), v128.load(s + 3 * cs), panel + (<usize>p << 5) + (<usize>g << 2), 32);
          }
        }
      }
    }
    for (; p < kc; p++) {
      const d = panel + (<usize>p << 5);
      for (let j = 0; j < NR; j++) {
        store<f32>(d + (<usize>j << 2), j < cols ? load<f32>(src + <usize>p * rs + <usize>j * cs) : 0);
      }
    }
  }
}
