// Packing of the float64 GEMM's operands into contiguous, zero-padded panels. A panel holds `width`
// lanes (rows of op(A), or columns of op(B)) for each step of the depth, lane-minor: [depth][width].
// With MR64 = NR64 one routine packs both operands: for op(A) the lanes are its rows and the depth its
// columns; for op(B) the lanes are its columns and the depth its rows.

/**
 * Packs `lanes` lanes × `depth` steps of a strided operand (element (lane l, step p) at
 * src + 8·(l·laneStride + p·depthStride)) into ⌈lanes/width⌉ panels of [depth][width] f64 at dst;
 * lanes past `lanes` are 0. Fast paths (SIMD build, full panels of 4): lanes contiguous (copy) or
 * steps contiguous (2 × 4 transposes).
 */
export function packPanelsF64(src: usize, laneStride: i32, depthStride: i32, lanes: i32, depth: i32, width: i32, dst: usize): void {
  const ls = <usize>laneStride << 3;
  const ds = <usize>depthStride << 3;
  const panelBytes = (<usize>depth * <usize>width) << 3;
  for (let l0 = 0; l0 < lanes; l0 += width) {
    const count = min(width, lanes - l0);
    const s = src + <usize>l0 * ls;
    const panel = dst + <usize>(l0 / width) * panelBytes;
    let p = 0;
    if (ASC_FEATURE_SIMD && width == 4 && count == 4) {
      if (laneStride == 1) {
        for (; p < depth; p++) {
          const from = s + <usize>p * ds;
          const to = panel + (<usize>p << 5);
          v128.store(to, v128.load(from));
          v128.store(to, v128.load(from, 16), 16);
        }
      } else if (depthStride == 1) {
        for (; p + 2 <= depth; p += 2) {
          const from = s + (<usize>p << 3);
          const r0 = v128.load(from);
          const r1 = v128.load(from + ls);
          const r2 = v128.load(from + 2 * ls);
          const r3 = v128.load(from + 3 * ls);
          const to = panel + (<usize>p << 5);
          v128.store(to, f64x2.shuffle(r0, r1, 0, 2));
          v128.store(to, f64x2.shuffle(r2, r3, 0, 2), 16);
          v128.store(to, f64x2.shuffle(r0, r1, 1, 3), 32);
          v128.store(to, f64x2.shuffle(r2, r3, 1, 3), 48);
        }
      }
    }
    // edge panels, remainders and the scalar build
    for (; p < depth; p++) {
      const from = s + <usize>p * ds;
      const to = panel + ((<usize>p * <usize>width) << 3);
      for (let l = 0; l < width; l++) store<f64>(to + (<usize>l << 3), l < count ? load<f64>(from + <usize>l * ls) : 0);
    }
  }
}
