import type { DeltaWeightArgs, FusedBackwardArgs, FusedForwardArgs, FusedGradients, FusedForwardResult, FusedWeights, FusedShape, Kernels } from './types.js';
import { tsGemm } from './ts-gemm.js';
import { tsGemmF64 } from './ts-gemm-f64.js';
import { checkDeltaWeightArgs, checkFusedBackwardArgs, checkFusedForwardArgs, checkGemmF64Args } from './validate.js';

let effectiveBuffer = new Float32Array(0);
let gradBuffer = new Float32Array(0);

/**
 * γ · B_effᵀ as [n·r, out] in a reused buffer: entry [k, o] = γ · s(k, o) · B_cat[o, k], where s(k, o) is
 * s_{⌊k/r⌋} (module mode) or s_{⌊k/r⌋}[o] (channel mode). One elementwise pass; no loop over modules.
 */
function scaledBT(args: Omit<FusedShape, 'tokens'> & FusedWeights): Float32Array {
  const { n, r, outFeatures: out, gamma, b, scale } = args;
  const nr = n * r;
  if (effectiveBuffer.length < nr * out) effectiveBuffer = new Float32Array(nr * out);
  const bt = effectiveBuffer.subarray(0, nr * out);
  const channel = args.scaleMode === 'channel';
  for (let k = 0; k < nr; k++) {
    const i = (k / r) | 0;
    const row = k * out;
    if (channel) for (let o = 0; o < out; o++) bt[row + o] = gamma * scale[i * out + o] * b[o * nr + k];
    else {
      const g = gamma * scale[i];
      for (let o = 0; o < out; o++) bt[row + o] = g * b[o * nr + k];
    }
  }
  return bt;
}

function fusedForward(args: FusedForwardArgs): FusedForwardResult {
  checkFusedForwardArgs(args);
  const { tokens: t, inFeatures: inF, outFeatures: out, n, r, x } = args;
  const nr = n * r;
  const y = args.y ?? new Float32Array(t * out);
  // base: Y = X · W0ᵀ (+ bias)
  if (args.weight) tsGemm({ m: t, n: out, k: inF, a: x, b: args.weight, transB: !args.weightInOut, c: y });
  else y.fill(0);
  if (args.bias) {
    const bias = args.bias;
    for (let row = 0; row < t * out; row += out) for (let o = 0; o < out; o++) y[row + o] += bias[o];
  }
  // branch: Z = X · A_catᵀ; Y += Z · (γ B_eff)ᵀ
  const z = tsGemm({ m: t, n: nr, k: inF, a: x, b: args.a, transB: true });
  tsGemm({ m: t, n: out, k: nr, a: z, b: scaledBT(args), beta: 1, c: y });
  return { y, z };
}

function fusedBackward(args: FusedBackwardArgs): FusedGradients {
  checkFusedBackwardArgs(args);
  const { tokens: t, inFeatures: inF, outFeatures: out, n, r, x, dy, gamma, b, scale } = args;
  const nr = n * r;
  const z = args.z ?? tsGemm({ m: t, n: nr, k: inF, a: x, b: args.a, transB: true });
  // Gᵀ = γ Zᵀ dY [nr, out]
  if (gradBuffer.length < nr * out) gradBuffer = new Float32Array(nr * out);
  const gt = tsGemm({ m: nr, n: out, k: t, a: z, b: dy, transA: true, alpha: gamma, c: gradBuffer.subarray(0, nr * out) });
  // dB[o, k] = s(k, o) G[o, k]; ds sums B[o, k] G[o, k] over k ∈ module i (and over o in module mode)
  const db = new Float32Array(out * nr);
  const ds = new Float32Array(scale.length);
  const channel = args.scaleMode === 'channel';
  for (let k = 0; k < nr; k++) {
    const i = (k / r) | 0;
    const row = k * out;
    if (channel) {
      const si = i * out;
      for (let o = 0; o < out; o++) {
        const g = gt[row + o];
        db[o * nr + k] = scale[si + o] * g;
        ds[si + o] += b[o * nr + k] * g;
      }
    } else {
      const s = scale[i];
      let acc = 0;
      for (let o = 0; o < out; o++) {
        const g = gt[row + o];
        db[o * nr + k] = s * g;
        acc += b[o * nr + k] * g;
      }
      ds[i] += acc;
    }
  }
  // dZ = dY · γ B_eff = dY · (γ B_effᵀ)ᵀ [t, nr]
  const dz = tsGemm({ m: t, n: nr, k: out, a: dy, b: scaledBT(args), transB: true });
  // dA = dZᵀ X [nr, in]; dX = dZ A_cat (+ dY W0) [t, in]
  const da = tsGemm({ m: nr, n: inF, k: t, a: dz, b: x, transA: true });
  const dx = tsGemm({ m: t, n: inF, k: nr, a: dz, b: args.a });
  if (args.weight) tsGemm({ m: t, n: inF, k: out, a: dy, b: args.weight, transB: !!args.weightInOut, beta: 1, c: dx });
  return { dx, da, db, ds };
}

function deltaWeight(args: DeltaWeightArgs): Float32Array {
  checkDeltaWeightArgs(args);
  const { inFeatures: inF, outFeatures: out, n, r } = args;
  const nr = n * r;
  const bt = scaledBT(args);
  const common = { k: nr, transA: true, alpha: args.sign ?? 1, beta: args.accumulate ? 1 : 0, c: args.out ?? new Float32Array(out * inF) };
  // [out, in] = (γ B_effᵀ)ᵀ · A_cat;  [in, out] = A_catᵀ · γ B_effᵀ
  return args.inOut
    ? tsGemm({ ...common, m: inF, n: out, a: args.a, b: bt })
    : tsGemm({ ...common, m: out, n: inF, a: bt, b: args.a });
}

/**
 * Core's plain-TypeScript kernels (name `ts`): the fused form only (two GEMMs and an elementwise scale
 * per pass, never a loop over modules), float32 storage with float64 accumulation in dot products; and
 * the diagnostics' float64 GEMM. The fallback on every machine and the baseline faster kernels are
 * measured against.
 */
export const tsKernels: Kernels = {
  name: 'ts',
  gemm: tsGemm,
  fusedForward,
  fusedBackward,
  deltaWeight,
  gemmF64(m, n, k, alpha, a, b, beta, c, co, ldc) {
    checkGemmF64Args(m, n, k, alpha, a, b, beta, c, co, ldc);
    tsGemmF64(m, n, k, alpha, a, b, beta, c, co, ldc);
  },
};
