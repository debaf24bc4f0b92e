/**
 * The adapter branch of one module as two plain matrices, the form the ONNX graph multiplies with:
 *
 *   y += x · Aᵀ · Bᵀ,   Aᵀ = [A_cat]ᵀ  [in, R],   Bᵀ = (w · γ · B_eff)ᵀ  [R, out]
 *
 * where B_eff = [s_1 ⊙ B_1 … s_n ⊙ B_n] folds MultiLoRA's scales (per module or per channel) into B,
 * and w is the adapter's weight in a mix. Several adapters concatenate along the rank axis: a mix is
 * the weighted sum of their branches. (Dynamic mode keeps a fixed block per adapter instead: dynamic.ts.)
 */
import { getKernels, type AdapterModule } from '@multilora/core';

/** Aᵀ [in, rank] and Bᵀ [rank, out], row-major float32. */
export interface BranchFactors {
  at: Float32Array;
  bt: Float32Array;
  rank: number;
}

/** A module with its weight in a mix. */
export interface WeightedModule {
  module: AdapterModule;
  weight: number;
}

/** The rank a module adds to a branch: n · r. */
export function moduleRank(m: AdapterModule): number {
  return m.n * m.r;
}

/** Writes Aᵀ of `m` into `at` ([in, stride]) at column `offset`. */
export function writeAT(m: AdapterModule, at: Float32Array, stride: number, offset: number): void {
  const nr = moduleRank(m);
  const inF = m.inFeatures;
  for (let k = 0; k < nr; k++) {
    const row = k * inF;
    for (let c = 0; c < inF; c++) at[c * stride + offset + k] = m.a[row + c];
  }
}

/** Writes w · γ · B_effᵀ of `m` into `bt` ([rows, out]) from row `offset`. */
export function writeBT(m: AdapterModule, weight: number, bt: Float32Array, offset: number): void {
  const { n, r, outFeatures: out } = m;
  const f = weight * m.gamma;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < r; j++) {
      const dst = (offset + i * r + j) * out;
      for (let o = 0; o < out; o++) {
        const s = m.scaleMode === 'module' ? m.scale[i] : m.scale[i * out + o];
        bt[dst + o] = f * s * m.b[(i * out + o) * r + j];
      }
    }
  }
}

/** The concatenated factors of `parts` (all of one layer: same in and out features). */
export function concatFactors(parts: WeightedModule[], inF: number, out: number): BranchFactors {
  const rank = parts.reduce((s, p) => s + moduleRank(p.module), 0);
  const at = new Float32Array(inF * rank);
  const bt = new Float32Array(rank * out);
  let offset = 0;
  for (const { module, weight } of parts) {
    writeAT(module, at, rank, offset);
    writeBT(module, weight, bt, offset);
    offset += moduleRank(module);
  }
  return { at, bt, rank };
}

/** ΔW = Aᵀ·Bᵀ of a branch in [in, out] layout (float32, through core's kernels), or [out, in] with `outIn`. */
export function deltaFromFactors(f: BranchFactors, inF: number, out: number, outIn = false): Float32Array {
  const gemm = getKernels().gemm;
  return outIn
    ? gemm({ m: out, n: inF, k: f.rank, a: f.bt, b: f.at, transA: true, transB: true })
    : gemm({ m: inF, n: out, k: f.rank, a: f.at, b: f.bt });
}
