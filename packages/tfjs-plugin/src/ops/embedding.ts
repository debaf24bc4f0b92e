import * as tf from '@tensorflow/tfjs';
import type { CustomGradientFunc } from '../layers/tfjs-internals.js';
import { tailBackward, tailForward, type BranchAttrs } from './branch-tf.js';

type Save = (tensors: tf.Tensor[]) => void;

/**
 * Σ over rows t of `rows` [tokens, k] into row ids[t] of a [vocab, k] result (repeated ids add up):
 * tfjs's `UnsortedSegmentSum`, or `ScatterNd` (which also sums duplicates) on backends without it (wasm).
 */
function scatterAddRows(rows: tf.Tensor2D, ids: tf.Tensor1D, vocab: number): tf.Tensor2D {
  if (tf.getKernel('UnsortedSegmentSum', tf.getBackend())) return tf.unsortedSegmentSum(rows, ids, vocab);
  return tf.scatterND(tf.reshape(ids, [-1, 1]), rows, [vocab, rows.shape[1]]);
}

/**
 * The embedding branch for token ids `tokens` [tokens] (int32): Z = A_cat[:, tokens]ᵀ [tokens, n·r]
 * looked up from A_cat [n·r, vocab], Y = γ (Z ⊙ s) B_catᵀ [tokens, out]. One op with its own gradient:
 * dA scatters dZ back into the looked-up columns (repeated ids add up); dB, ds as for Dense.
 */
export function multiLoraEmbedding(tokens: tf.Tensor1D, a: tf.Tensor2D, b: tf.Tensor2D, s: tf.Tensor, attrs: BranchAttrs): tf.Tensor2D {
  const vocab = a.shape[1];
  const op = tf.customGrad(((ai: tf.Tensor2D, bi: tf.Tensor2D, si: tf.Tensor, save: Save) => {
    const z = tf.gather(tf.transpose(ai), tokens) as tf.Tensor2D;
    save([bi, si, z, tokens]);
    return {
      value: tailForward(z, bi, si, attrs),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [bs, ss, zs, ids] = saved as [tf.Tensor2D, tf.Tensor, tf.Tensor2D, tf.Tensor1D];
        const { dz, db, ds } = tailBackward(dy, zs, bs, ss, attrs);
        return [tf.transpose(scatterAddRows(dz, ids, vocab)), db, ds];
      },
    };
  }) as unknown as CustomGradientFunc);
  return op(a, b, s) as tf.Tensor2D;
}
