// The fused MultiLoRA layer on top of the GEMM: every pass is a few GEMMs plus elementwise work, never
// a GEMM per module. Module mode folds the scales into the T × n·r side (Z ⊙ s_rep, dY·B ⊙ s_rep), so
// its elementwise work is O(T · n·r); channel mode scales B_cat into B_eff, O(out · n·r).
// Layouts: X [T, in], A_cat [nr, in], B_cat [out, nr], scale [n] or [n, out], W0 [out, in] (or [in, out]
// with wInOut), all row-major float32; a pointer of 0 means absent.

import { gemm } from './gemm';

/** dst[0..count) = factor · src[0..count) (src and dst may be the same). */
function scaleRun(src: usize, dst: usize, count: i32, factor: f32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const v = f32x4.splat(factor);
    for (; j + 4 <= count; j += 4) {
      const o = <usize>j << 2;
      v128.store(dst + o, f32x4.mul(v128.load(src + o), v));
    }
  }
  for (; j < count; j++) {
    const o = <usize>j << 2;
    store<f32>(dst + o, factor * load<f32>(src + o));
  }
}

/** dst [rows, nr] = src with column block i (r wide) scaled by factor · s_i (module-mode scales `s` [n]). */
function scaleModuleColumns(src: usize, dst: usize, rows: i32, n: i32, r: i32, s: usize, factor: f32): void {
  const nr = n * r;
  for (let t = 0; t < rows; t++) {
    const row = <usize>(t * nr) << 2;
    for (let i = 0; i < n; i++) {
      const o = row + (<usize>(i * r) << 2);
      scaleRun(src + o, dst + o, r, factor * load<f32>(s + (<usize>i << 2)));
    }
  }
}

/** B_eff [out, nr] = B_cat with entry [o, k] scaled by s_{k/r}[o] (channel-mode scales `s` [n, out]). */
function channelEffectiveB(b: usize, s: usize, out: i32, n: i32, r: i32, beff: usize): void {
  const nr = n * r;
  for (let o = 0; o < out; o++) {
    const row = <usize>(o * nr) << 2;
    for (let i = 0; i < n; i++) {
      const q = row + (<usize>(i * r) << 2);
      scaleRun(b + q, beff + q, r, load<f32>(s + (<usize>(i * out + o) << 2)));
    }
  }
}

/** Y[t, :] = bias for every row. */
function fillRows(y: usize, bias: usize, rows: i32, cols: i32): void {
  const bytes = <usize>cols << 2;
  for (let t = 0; t < rows; t++) memory.copy(y + <usize>t * bytes, bias, bytes);
}

/** Σ_j u[j] · v[j] over `count` contiguous floats, in f64. */
function dotRun(u: usize, v: usize, count: i32): f64 {
  let acc: f64 = 0;
  for (let j = 0; j < count; j++) {
    const o = <usize>j << 2;
    acc += <f64>load<f32>(u + o) * <f64>load<f32>(v + o);
  }
  return acc;
}

/**
 * Channel mode, from G = γ dYᵀ Z [out, nr]: dB[o, k] = s_{k/r}[o] · G[o, k] and
 * ds_i[o] = Σ_{k ∈ block i} B[o, k] · G[o, k] (f64 sums).
 */
function channelGradients(g: usize, b: usize, s: usize, out: i32, n: i32, r: i32, db: usize, ds: usize): void {
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < n; i++) {
      const dst = ds + (<usize>(i * out + o) << 2);
      const q = <usize>(o * n * r + i * r) << 2;
      scaleRun(g + q, db + q, r, load<f32>(s + (<usize>(i * out + o) << 2)));
      store<f32>(dst, <f32>dotRun(b + q, g + q, r));
    }
  }
}

/**
 * Y = [X·W0ᵀ + bias] + γ · (X·A_catᵀ) · B_effᵀ, and Z = X·A_catᵀ [T, nr]. `work` holds T·nr floats
 * (module mode) or out·nr floats (channel mode).
 */
export function fusedForward(
  tokens: i32, inF: i32, out: i32, n: i32, r: i32, channel: bool, gamma: f32,
  x: usize, a: usize, b: usize, s: usize, w: usize, wInOut: bool, bias: usize,
  y: usize, z: usize, work: usize,
): void {
  const nr = n * r;
  gemm(tokens, nr, inF, x, inF, 1, a, 1, inF, z, nr, 1, 0);
  let beta: f32 = 0;
  if (bias != 0) {
    fillRows(y, bias, tokens, out);
    beta = 1;
  }
  if (w != 0) {
    gemm(tokens, out, inF, x, inF, 1, w, wInOut ? out : 1, wInOut ? 1 : inF, y, out, 1, beta);
    beta = 1;
  }
  if (channel) {
    channelEffectiveB(b, s, out, n, r, work);
    gemm(tokens, out, nr, z, nr, 1, work, 1, nr, y, out, gamma, beta);
  } else {
    // Y += (Z ⊙ γ s_rep) · B_catᵀ
    scaleModuleColumns(z, work, tokens, n, r, s, gamma);
    gemm(tokens, out, nr, work, nr, 1, b, 1, nr, y, out, 1, beta);
  }
}

/**
 * The adapter branch's backward (plus dY·W0 into dX when `w` is set). Z is recomputed into `z` unless
 * `hasZ`. Outputs: dx [T, in], da [nr, in], db [out, nr], ds [n] or [n, out]. Workspace: `work` of
 * T·nr floats (module mode) or 2·out·nr floats (channel mode), and dz of T·nr floats.
 */
export function fusedBackward(
  tokens: i32, inF: i32, out: i32, n: i32, r: i32, channel: bool, gamma: f32,
  x: usize, a: usize, b: usize, s: usize, w: usize, wInOut: bool, dy: usize, z: usize, hasZ: bool,
  work: usize, dz: usize,
  dx: usize, da: usize, db: usize, ds: usize,
): void {
  const nr = n * r;
  if (!hasZ) gemm(tokens, nr, inF, x, inF, 1, a, 1, inF, z, nr, 1, 0);
  if (channel) {
    const beff = work;
    const g = work + (<usize>(out * nr) << 2);
    channelEffectiveB(b, s, out, n, r, beff);
    // dZ = γ dY · B_eff; G = γ dYᵀ · Z → dB, ds
    gemm(tokens, nr, out, dy, out, 1, beff, nr, 1, dz, nr, gamma, 0);
    gemm(out, nr, tokens, dy, 1, out, z, nr, 1, g, nr, gamma, 0);
    channelGradients(g, b, s, out, n, r, db, ds);
  } else {
    // D = dY · B_cat; ds_i = γ Σ_{t, k ∈ i} D ⊙ Z; dZ = γ s_rep ⊙ D; dB = γ dYᵀ · (Z ⊙ s_rep)
    gemm(tokens, nr, out, dy, out, 1, b, nr, 1, dz, nr, 1, 0);
    for (let i = 0; i < n; i++) {
      let acc: f64 = 0;
      for (let t = 0; t < tokens; t++) {
        const q = <usize>(t * nr + i * r) << 2;
        acc += dotRun(dz + q, z + q, r);
      }
      store<f32>(ds + (<usize>i << 2), <f32>(<f64>gamma * acc));
    }
    scaleModuleColumns(dz, dz, tokens, n, r, s, gamma);
    scaleModuleColumns(z, work, tokens, n, r, s, 1);
    gemm(out, nr, tokens, dy, 1, out, work, nr, 1, db, nr, gamma, 0);
  }
  // dA = dZᵀ · X [nr, in]
  gemm(nr, inF, tokens, dz, 1, nr, x, inF, 1, da, inF, 1, 0);
  // dX = dY · W0 + dZ · A_cat [T, in]
  let beta: f32 = 0;
  if (w != 0) {
    gemm(tokens, inF, out, dy, out, 1, w, wInOut ? 1 : inF, wInOut ? out : 1, dx, inF, 1, 0);
    beta = 1;
  }
  gemm(tokens, inF, nr, dz, nr, 1, a, inF, 1, dx, inF, 1, beta);
}

/**
 * dst = alpha · ΔW + beta · dst with ΔW = B_eff · A_cat ([out, in], or its transpose [in, out] with
 * `inOut`); alpha is γ times the caller's sign, beta 1 to accumulate (merge) or 0. `beff`: out·nr floats.
 */
export function deltaWeight(
  inF: i32, out: i32, n: i32, r: i32, channel: bool,
  a: usize, b: usize, s: usize, beff: usize,
  dst: usize, inOut: bool, alpha: f32, beta: f32,
): void {
  const nr = n * r;
  if (channel) channelEffectiveB(b, s, out, n, r, beff);
  else scaleModuleColumns(b, beff, out, n, r, s, 1);
  if (inOut) gemm(inF, out, nr, a, 1, inF, beff, 1, nr, dst, out, alpha, beta);
  else gemm(out, inF, nr, beff, nr, 1, a, inF, 1, dst, inF, alpha, beta);
}
