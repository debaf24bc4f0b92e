import type { ReferenceModule } from './reference-module.js';
import { checkReferenceInputs, referenceEffectiveB } from './reference-module.js';

/**
 * ΔW = γ · Σ_i s_i ⊙ B_i A_i in float64, [out, in] (PyTorch layout; in channel mode s_i scales the rows
 * of B_i A_i). Computed as γ · B_eff · A_cat, so Y = X·(W0 + ΔW)ᵀ + bias equals the adapted forward.
 */
export function referenceDeltaWeight(module: ReferenceModule): Float64Array {
  checkReferenceInputs(module);
  const { n, r, inFeatures: inF, outFeatures: out, gamma } = module;
  const nr = n * r;
  const beff = referenceEffectiveB(module);
  const delta = new Float64Array(out * inF);
  for (let o = 0; o < out; o++) {
    for (let c = 0; c < inF; c++) {
      let acc = 0;
      for (let k = 0; k < nr; k++) acc += beff[o * nr + k] * module.a[k * inF + c];
      delta[o * inF + c] = gamma * acc;
    }
  }
  return delta;
}
