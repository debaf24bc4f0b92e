import type { RealArray, ReferenceBase, ReferenceModule } from './reference-module.js';
import { baseWeightAt, checkReferenceInputs, moduleScale, referenceEffectiveB } from './reference-module.js';

/** Y = X·W0ᵀ + bias (zeros without a base), float64 [tokens, out]; summation over `in` in index order. */
function baseOutput(module: ReferenceModule, x: RealArray, tokens: number, base?: ReferenceBase): Float64Array {
  const { inFeatures: inF, outFeatures: out } = module;
  const y = new Float64Array(tokens * out);
  for (let t = 0; t < tokens; t++) {
    for (let o = 0; o < out; o++) {
      let acc = 0;
      if (base?.weight) for (let c = 0; c < inF; c++) acc += baseWeightAt(base, o, c, inF, out) * x[t * inF + c];
      if (base?.bias) acc += base.bias[o];
      y[t * out + o] = acc;
    }
  }
  return y;
}

/**
 * The method exactly as written (spec section 1), with an explicit loop over the n modules:
 * h = W0 x + b + γ Σ_i s_i ⊙ (B_i (A_i x)), for each row x of `x` [tokens, in]; returns float64
 * [tokens, out]. Slow and obvious: the oracle of {@link referenceForward} and of every kernel.
 * Dropout is not modelled: the caller applies it to the branch's input (pass the dropped-out x and
 * add the base separately when checking a dropout path).
 */
export function referenceForwardLoop(module: ReferenceModule, x: RealArray, tokens: number, base?: ReferenceBase): Float64Array {
  checkReferenceInputs(module, { tokens, x }, base);
  const { n, r, inFeatures: inF, outFeatures: out, gamma } = module;
  const y = baseOutput(module, x, tokens, base);
  const u = new Float64Array(r);
  for (let t = 0; t < tokens; t++) {
    for (let i = 0; i < n; i++) {
      // u = A_i x
      for (let j = 0; j < r; j++) {
        let acc = 0;
        for (let c = 0; c < inF; c++) acc += module.a[(i * r + j) * inF + c] * x[t * inF + c];
        u[j] = acc;
      }
      // y += γ s_i ⊙ (B_i u)
      for (let o = 0; o < out; o++) {
        let v = 0;
        for (let j = 0; j < r; j++) v += module.b[(i * out + o) * r + j] * u[j];
        y[t * out + o] += gamma * moduleScale(module, i, o) * v;
      }
    }
  }
  return y;
}

/**
 * The fused form (spec "The fused form"): h = W0 x + b + γ · B_eff · (A_cat x) with
 * B_eff = B_cat · diag(s_rep) (module mode) or [diag(s_1)B_1 … diag(s_n)B_n] (channel mode).
 * Float64, [tokens, out]; agrees with {@link referenceForwardLoop} to rounding.
 * Dropout is not modelled: the caller applies it to the branch's input.
 */
export function referenceForward(module: ReferenceModule, x: RealArray, tokens: number, base?: ReferenceBase): Float64Array {
  checkReferenceInputs(module, { tokens, x }, base);
  const { n, r, inFeatures: inF, outFeatures: out, gamma } = module;
  const nr = n * r;
  const beff = referenceEffectiveB(module);
  const y = baseOutput(module, x, tokens, base);
  const z = new Float64Array(nr);
  for (let t = 0; t < tokens; t++) {
    // z = A_cat x
    for (let k = 0; k < nr; k++) {
      let acc = 0;
      for (let c = 0; c < inF; c++) acc += module.a[k * inF + c] * x[t * inF + c];
      z[k] = acc;
    }
    // y += γ B_eff z
    for (let o = 0; o < out; o++) {
      let acc = 0;
      for (let k = 0; k < nr; k++) acc += beff[o * nr + k] * z[k];
      y[t * out + o] += gamma * acc;
    }
  }
  return y;
}
