// A register-only multiply-add loop that measures the float32 peak this build can reach: twelve
// independent chains acc = acc · m + c, so throughput, not latency, bounds it.

/**
 * Runs `iterations` rounds of 12 independent multiply-adds (f32x4 in the SIMD build, scalar f32 in the
 * scalar one) and returns a value that depends on all of them. Flops per call: iterations · 12 · 2 · lanes,
 * with `peakLanes()` lanes.
 */
export function peak(iterations: i32, m: f32, c: f32): f32 {
  if (ASC_FEATURE_SIMD) {
    const vm = f32x4.splat(m), vc = f32x4.splat(c);
    let a0 = f32x4.splat(0.1), a1 = f32x4.splat(0.2), a2 = f32x4.splat(0.3), a3 = f32x4.splat(0.4);
    let a4 = f32x4.splat(0.5), a5 = f32x4.splat(0.6), a6 = f32x4.splat(0.7), a7 = f32x4.splat(0.8);
    let a8 = f32x4.splat(0.9), a9 = f32x4.splat(1.0), a10 = f32x4.splat(1.1), a11 = f32x4.splat(1.2);
    for (let i = 0; i < iterations; i++) {
      a0 = f32x4.add(f32x4.mul(a0, vm), vc); a1 = f32x4.add(f32x4.mul(a1, vm), vc);
      a2 = f32x4.add(f32x4.mul(a2, vm), vc); a3 = f32x4.add(f32x4.mul(a3, vm), vc);
      a4 = f32x4.add(f32x4.mul(a4, vm), vc); a5 = f32x4.add(f32x4.mul(a5, vm), vc);
      a6 = f32x4.add(f32x4.mul(a6, vm), vc); a7 = f32x4.add(f32x4.mul(a7, vm), vc);
      a8 = f32x4.add(f32x4.mul(a8, vm), vc); a9 = f32x4.add(f32x4.mul(a9, vm), vc);
      a10 = f32x4.add(f32x4.mul(a10, vm), vc); a11 = f32x4.add(f32x4.mul(a11, vm), vc);
    }
    const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
    const t = f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)));
    return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1) + f32x4.extract_lane(t, 2) + f32x4.extract_lane(t, 3);
  } else {
    let a0: f32 = 0.1, a1: f32 = 0.2, a2: f32 = 0.3, a3: f32 = 0.4, a4: f32 = 0.5, a5: f32 = 0.6;
    let a6: f32 = 0.7, a7: f32 = 0.8, a8: f32 = 0.9, a9: f32 = 1.0, a10: f32 = 1.1, a11: f32 = 1.2;
    for (let i = 0; i < iterations; i++) {
      a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c; a3 = a3 * m + c; a4 = a4 * m + c; a5 = a5 * m + c;
      a6 = a6 * m + c; a7 = a7 * m + c; a8 = a8 * m + c; a9 = a9 * m + c; a10 = a10 * m + c; a11 = a11 * m + c;
    }
    return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
  }
}

/** Float32 lanes per multiply-add in this build: 4 (SIMD) or 1 (scalar). */
export function peakLanes(): i32 {
  return ASC_FEATURE_SIMD ? 4 : 1;
}
