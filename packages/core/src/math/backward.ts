import type { RealArray, ReferenceBase, ReferenceModule } from './reference-module.js';
import { baseWeightAt, checkReferenceInputs, moduleScale, referenceEffectiveB } from './reference-module.js';

/** Gradients of L with respect to every input of the adapted layer, float64, in the file layout. */
export interface ReferenceGradients {
  /** dL/dX [tokens, in]; includes the base path dY·W0 when a base weight is given. */
  dx: Float64Array;
  /** dL/dA [n, r, in] (= [n·r, in]). */
  da: Float64Array;
  /** dL/dB [n, out, r] (the file's layout; `toFusedB` gives [out, n·r]). */
  db: Float64Array;
  /** dL/ds [n] (module mode) or [n, out] (channel mode). */
  ds: Float64Array;
  /** dL/dW0 in the layout of `base.weight`; only when a base weight is given. */
  dWeight?: Float64Array;
  /** dL/dbias [out]; only when a base bias is given. */
  dBias?: Float64Array;
}

/**
 * The backward pass of {@link referenceForward} for upstream gradient `dy` = dL/dY [tokens, out], in
 * float64. With Z = X A_catᵀ and G = γ dYᵀ Z [out, n·r]:
 * module mode dB[o,k] = s_rep[k] G[o,k], ds_i = Σ_o Σ_{k∈i} B[o,k] G[o,k];
 * channel mode dB_i[o,:] = s_i[o] G_i[o,:], ds_i[o] = Σ_{k∈i} B[o,k] G[o,k];
 * dZ = γ dY B_eff, dA = dZᵀ X, dX = dZ A_cat + dY W0, dW0 = dYᵀ X, dbias = Σ_t dY.
 * Dropout is not modelled: the caller applies it to the branch's input.
 */
export function referenceBackward(
  module: ReferenceModule,
  x: RealArray,
  tokens: number,
  dy: RealArray,
  base?: ReferenceBase,
): ReferenceGradients {
  checkReferenceInputs(module, { tokens, x, dy }, base);
  const { n, r, inFeatures: inF, outFeatures: out, gamma } = module;
  const nr = n * r;
  const beff = referenceEffectiveB(module);

  // Z = X A_catᵀ [tokens, nr]
  const z = new Float64Array(tokens * nr);
  for (let t = 0; t < tokens; t++) {
    for (let k = 0; k < nr; k++) {
      let acc = 0;
      for (let c = 0; c < inF; c++) acc += x[t * inF + c] * module.a[k * inF + c];
      z[t * nr + k] = acc;
    }
  }

  // G = γ dYᵀ Z [out, nr]; dB and ds from G
  const db = new Float64Array(n * out * r);
  const ds = new Float64Array(module.scale.length);
  for (let o = 0; o < out; o++) {
    for (let k = 0; k < nr; k++) {
      let acc = 0;
      for (let t = 0; t < tokens; t++) acc += dy[t * out + o] * z[t * nr + k];
      const g = gamma * acc;
      const i = Math.floor(k / r);
      const fileIndex = (i * out + o) * r + (k % r);
      db[fileIndex] = moduleScale(module, i, o) * g;
      ds[module.scaleMode === 'module' ? i : i * out + o] += module.b[fileIndex] * g;
    }
  }

  // dZ = γ dY B_eff [tokens, nr]
  const dz = new Float64Array(tokens * nr);
  for (let t = 0; t < tokens; t++) {
    for (let k = 0; k < nr; k++) {
      let acc = 0;
      for (let o = 0; o < out; o++) acc += dy[t * out + o] * beff[o * nr + k];
      dz[t * nr + k] = gamma * acc;
    }
  }

  // dA = dZᵀ X [nr, in]
  const da = new Float64Array(nr * inF);
  for (let k = 0; k < nr; k++) {
    for (let c = 0; c < inF; c++) {
      let acc = 0;
      for (let t = 0; t < tokens; t++) acc += dz[t * nr + k] * x[t * inF + c];
      da[k * inF + c] = acc;
    }
  }

  // dX = dZ A_cat + dY W0 [tokens, in]
  const dx = new Float64Array(tokens * inF);
  for (let t = 0; t < tokens; t++) {
    for (let c = 0; c < inF; c++) {
      let acc = 0;
      for (let k = 0; k < nr; k++) acc += dz[t * nr + k] * module.a[k * inF + c];
      if (base?.weight) for (let o = 0; o < out; o++) acc += dy[t * out + o] * baseWeightAt(base, o, c, inF, out);
      dx[t * inF + c] = acc;
    }
  }

  const grads: ReferenceGradients = { dx, da, db, ds };
  if (base?.weight) {
    // dW0[o, c] = Σ_t dY[t, o] X[t, c], written in the weight's own layout
    const dWeight = new Float64Array(out * inF);
    for (let o = 0; o < out; o++) {
      for (let c = 0; c < inF; c++) {
        let acc = 0;
        for (let t = 0; t < tokens; t++) acc += dy[t * out + o] * x[t * inF + c];
        dWeight[base.weightInOut ? c * out + o : o * inF + c] = acc;
      }
    }
    grads.dWeight = dWeight;
  }
  if (base?.bias) {
    const dBias = new Float64Array(out);
    for (let t = 0; t < tokens; t++) for (let o = 0; o < out; o++) dBias[o] += dy[t * out + o];
    grads.dBias = dBias;
  }
  return grads;
}
