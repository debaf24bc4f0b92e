import * as tf from '@tensorflow/tfjs';
import type { ScaleMode } from '@multilora/core';

/** What the adapter branch needs besides its tensors: the module count, rank, γ and the scale mode. */
export interface BranchAttrs {
  n: number;
  r: number;
  gamma: number;
  scaleMode: ScaleMode;
}

/**
 * The scale acting on B_cat [out, n·r], broadcastable against it: s_rep as [1, n·r] (module mode) or
 * S[o, i·r + j] = s_i[o] as [out, n·r] (channel mode). `s` is [n] or [n, out].
 */
export function scaleOfB(s: tf.Tensor, { n, r, scaleMode }: BranchAttrs, out: number): tf.Tensor2D {
  if (scaleMode === 'module') return tf.reshape(tf.tile(tf.reshape(s, [n, 1]), [1, r]), [1, n * r]);
  return tf.reshape(tf.tile(tf.reshape(tf.transpose(s), [out, n, 1]), [1, 1, r]), [out, n * r]);
}

/**
 * The tail of the fused form on the tf ops of any backend: Y = γ · Z · B_effᵀ with B_eff = B_cat ⊙ S
 * (Z [tokens, n·r], B_cat [out, n·r]); returns [tokens, out].
 *
 * Every product here and in the other branch functions takes its operands untransposed, transposing the
 * small one (n·r rows or columns) explicitly: tfjs-backend-wasm runs products with a transposed operand
 * 20–50× slower than plain ones (environment.md), and elsewhere the transposes cost little.
 */
export function tailForward(z: tf.Tensor2D, b: tf.Tensor2D, s: tf.Tensor, attrs: BranchAttrs): tf.Tensor2D {
  const bEff = tf.mul(b, scaleOfB(s, attrs, b.shape[0])) as tf.Tensor2D;
  return tf.mul(tf.matMul(z, tf.transpose(bEff)), attrs.gamma);
}

/** Gradients of {@link tailForward} for upstream dY [tokens, out]: dZ [tokens, n·r], dB [out, n·r], ds like s. */
export interface TailGradients {
  dz: tf.Tensor2D;
  db: tf.Tensor2D;
  ds: tf.Tensor;
}

/**
 * Backward of {@link tailForward} (spec's formulas): with G = γ dYᵀ Z [out, n·r],
 * dB = G ⊙ S, ds sums G ⊙ B_cat over each module's r columns (and over `out` in module mode),
 * dZ = γ dY B_eff.
 */
export function tailBackward(dy: tf.Tensor2D, z: tf.Tensor2D, b: tf.Tensor2D, s: tf.Tensor, attrs: BranchAttrs): TailGradients {
  const { n, r, gamma, scaleMode } = attrs;
  const out = b.shape[0];
  const scale = scaleOfB(s, attrs, out);
  const g = tf.mul(tf.transpose(tf.matMul(tf.transpose(z), dy)), gamma) as tf.Tensor2D;
  const gb = tf.mul(g, b);
  const ds = scaleMode === 'module'
    ? tf.sum(tf.reshape(tf.sum(gb, 0), [n, r]), 1)
    : tf.transpose(tf.sum(tf.reshape(gb, [out, n, r]), 2));
  return {
    dz: tf.mul(tf.matMul(dy, tf.mul(b, scale) as tf.Tensor2D), gamma),
    db: tf.mul(g, scale) as tf.Tensor2D,
    ds,
  };
}

/** ΔW in the base kernel's [in, out] layout: γ · A_catᵀ · B_effᵀ, from A_cat [n·r, in] and B_cat [out, n·r]. */
export function deltaWeightInOut(a: tf.Tensor2D, b: tf.Tensor2D, s: tf.Tensor, attrs: BranchAttrs): tf.Tensor2D {
  const bEff = tf.mul(b, scaleOfB(s, attrs, b.shape[0])) as tf.Tensor2D;
  return tf.mul(tf.matMul(tf.transpose(a), tf.transpose(bEff)), attrs.gamma);
}
