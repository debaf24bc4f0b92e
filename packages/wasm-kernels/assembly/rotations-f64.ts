// Recorded plane-rotation sweeps applied to a set of float64 vectors (core's `Kernels.rotateVectorsF64`,
// the singular vectors of its bidiagonal SVD). The host lays the vectors out block by block: block b
// holds elements [b·block, (b + 1)·block) of every vector, vector after vector, so one block of all
// vectors stays in cache while every sweep runs over it. Each element goes through exactly the
// operations of core's TypeScript applier (rotations.ts: groups of four fused rotations, then single
// ones with identities skipped), f64x2 along the block in the SIMD build, so the results are the same bits.

/** Rotations j0 … j0 + 3 (ascending) of vectors p … p + 4 (byte addresses, `stride` bytes apart) over `len` elements. */
function forward4(p: usize, stride: usize, len: i32, c: usize, s: usize): void {
  const p1 = p + stride, p2 = p1 + stride, p3 = p2 + stride, p4 = p3 + stride;
  const end = <usize>len << 3;
  if (ASC_FEATURE_SIMD) {
    const c0 = v128.load64_splat(c), c1 = v128.load64_splat(c, 8), c2 = v128.load64_splat(c, 16), c3 = v128.load64_splat(c, 24);
    const s0 = v128.load64_splat(s), s1 = v128.load64_splat(s, 8), s2 = v128.load64_splat(s, 16), s3 = v128.load64_splat(s, 24);
    for (let i: usize = 0; i < end; i += 16) {
      let x = v128.load(p + i);
      let y = v128.load(p1 + i);
      v128.store(p + i, f64x2.add(f64x2.mul(s0, y), f64x2.mul(c0, x)));
      x = f64x2.sub(f64x2.mul(c0, y), f64x2.mul(s0, x));
      y = v128.load(p2 + i);
      v128.store(p1 + i, f64x2.add(f64x2.mul(s1, y), f64x2.mul(c1, x)));
      x = f64x2.sub(f64x2.mul(c1, y), f64x2.mul(s1, x));
      y = v128.load(p3 + i);
      v128.store(p2 + i, f64x2.add(f64x2.mul(s2, y), f64x2.mul(c2, x)));
      x = f64x2.sub(f64x2.mul(c2, y), f64x2.mul(s2, x));
      y = v128.load(p4 + i);
      v128.store(p3 + i, f64x2.add(f64x2.mul(s3, y), f64x2.mul(c3, x)));
      v128.store(p4 + i, f64x2.sub(f64x2.mul(c3, y), f64x2.mul(s3, x)));
    }
  } else {
    const c0 = load<f64>(c), c1 = load<f64>(c, 8), c2 = load<f64>(c, 16), c3 = load<f64>(c, 24);
    const s0 = load<f64>(s), s1 = load<f64>(s, 8), s2 = load<f64>(s, 16), s3 = load<f64>(s, 24);
    for (let i: usize = 0; i < end; i += 8) {
      let x = load<f64>(p + i);
      let y = load<f64>(p1 + i);
      store<f64>(p + i, s0 * y + c0 * x);
      x = c0 * y - s0 * x;
      y = load<f64>(p2 + i);
      store<f64>(p1 + i, s1 * y + c1 * x);
      x = c1 * y - s1 * x;
      y = load<f64>(p3 + i);
      store<f64>(p2 + i, s2 * y + c2 * x);
      x = c2 * y - s2 * x;
      y = load<f64>(p4 + i);
      store<f64>(p3 + i, s3 * y + c3 * x);
      store<f64>(p4 + i, c3 * y - s3 * x);
    }
  }
}

/** Rotations j0 + 3 … j0 (descending) of vectors p … p + 4 over `len` elements. */
function backward4(p: usize, stride: usize, len: i32, c: usize, s: usize): void {
  const p1 = p + stride, p2 = p1 + stride, p3 = p2 + stride, p4 = p3 + stride;
  const end = <usize>len << 3;
  if (ASC_FEATURE_SIMD) {
    const c0 = v128.load64_splat(c), c1 = v128.load64_splat(c, 8), c2 = v128.load64_splat(c, 16), c3 = v128.load64_splat(c, 24);
    const s0 = v128.load64_splat(s), s1 = v128.load64_splat(s, 8), s2 = v128.load64_splat(s, 16), s3 = v128.load64_splat(s, 24);
    for (let i: usize = 0; i < end; i += 16) {
      let y = v128.load(p4 + i);
      let x = v128.load(p3 + i);
      v128.store(p4 + i, f64x2.sub(f64x2.mul(c3, y), f64x2.mul(s3, x)));
      y = f64x2.add(f64x2.mul(s3, y), f64x2.mul(c3, x));
      x = v128.load(p2 + i);
      v128.store(p3 + i, f64x2.sub(f64x2.mul(c2, y), f64x2.mul(s2, x)));
      y = f64x2.add(f64x2.mul(s2, y), f64x2.mul(c2, x));
      x = v128.load(p1 + i);
      v128.store(p2 + i, f64x2.sub(f64x2.mul(c1, y), f64x2.mul(s1, x)));
      y = f64x2.add(f64x2.mul(s1, y), f64x2.mul(c1, x));
      x = v128.load(p + i);
      v128.store(p1 + i, f64x2.sub(f64x2.mul(c0, y), f64x2.mul(s0, x)));
      v128.store(p + i, f64x2.add(f64x2.mul(s0, y), f64x2.mul(c0, x)));
    }
  } else {
    const c0 = load<f64>(c), c1 = load<f64>(c, 8), c2 = load<f64>(c, 16), c3 = load<f64>(c, 24);
    const s0 = load<f64>(s), s1 = load<f64>(s, 8), s2 = load<f64>(s, 16), s3 = load<f64>(s, 24);
    for (let i: usize = 0; i < end; i += 8) {
      let y = load<f64>(p4 + i);
      let x = load<f64>(p3 + i);
      store<f64>(p4 + i, c3 * y - s3 * x);
      y = s3 * y + c3 * x;
      x = load<f64>(p2 + i);
      store<f64>(p3 + i, c2 * y - s2 * x);
      y = s2 * y + c2 * x;
      x = load<f64>(p1 + i);
      store<f64>(p2 + i, c1 * y - s1 * x);
      y = s1 * y + c1 * x;
      x = load<f64>(p + i);
      store<f64>(p1 + i, c0 * y - s0 * x);
      store<f64>(p + i, s0 * y + c0 * x);
    }
  }
}

/** One rotation of vectors (p, p + 1): y ← c·y − s·x, x ← s·y + c·x; identities are skipped. */
function rotate1(p: usize, stride: usize, len: i32, cj: f64, sj: f64): void {
  if (cj == 1 && sj == 0) return;
  const q = p + stride;
  const end = <usize>len << 3;
  if (ASC_FEATURE_SIMD) {
    const c = f64x2.splat(cj), s = f64x2.splat(sj);
    for (let i: usize = 0; i < end; i += 16) {
      const t = v128.load(q + i);
      const u = v128.load(p + i);
      v128.store(q + i, f64x2.sub(f64x2.mul(c, t), f64x2.mul(s, u)));
      v128.store(p + i, f64x2.add(f64x2.mul(s, t), f64x2.mul(c, u)));
    }
  } else {
    for (let i: usize = 0; i < end; i += 8) {
      const t = load<f64>(q + i);
      const u = load<f64>(p + i);
      store<f64>(q + i, cj * t - sj * u);
      store<f64>(p + i, sj * t + cj * u);
    }
  }
}

/** One sweep of `count` rotations starting at vector p (byte address) on one block. */
function sweep(p: usize, stride: usize, len: i32, count: i32, forward: bool, c: usize, s: usize): void {
  if (forward) {
    let j = 0;
    for (; j + 3 < count; j += 4) forward4(p + <usize>j * stride, stride, len, c + (<usize>j << 3), s + (<usize>j << 3));
    for (; j < count; j++) rotate1(p + <usize>j * stride, stride, len, load<f64>(c + (<usize>j << 3)), load<f64>(s + (<usize>j << 3)));
  } else {
    let j = count;
    for (; j >= 4; j -= 4) backward4(p + <usize>(j - 4) * stride, stride, len, c + (<usize>(j - 4) << 3), s + (<usize>(j - 4) << 3));
    for (j -= 1; j >= 0; j--) rotate1(p + <usize>j * stride, stride, len, load<f64>(c + (<usize>j << 3)), load<f64>(s + (<usize>j << 3)));
  }
}

/**
 * Applies `sweeps` recorded sweeps (first vector `first[k]` (i32), `count[k]` rotations (i32), ascending
 * when `forward[k]` (u8) is 1; cosines and sines one sweep after another in `c`, `s`) to `vectors` laid
 * out in `blocks` blocks of `vectorCount` vectors × `block` elements (`block` even in the SIMD build).
 */
export function rotateVectorsF64(
  sweeps: i32, first: usize, count: usize, forward: usize, c: usize, s: usize,
  vectors: usize, vectorCount: i32, block: i32, blocks: i32,
): void {
  const stride = <usize>block << 3;
  for (let b = 0; b < blocks; b++) {
    const base = vectors + <usize>b * <usize>vectorCount * stride;
    let o: usize = 0;
    for (let k = 0; k < sweeps; k++) {
      const n = load<i32>(first + (<usize>k << 2));
      const m = load<i32>(count + (<usize>k << 2));
      sweep(base + <usize>n * stride, stride, block, m, load<u8>(forward + <usize>k) == 1, c + (o << 3), s + (o << 3));
      o += <usize>m;
    }
  }
}
