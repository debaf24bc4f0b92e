import * as tf from '@tensorflow/tfjs';
import type { CustomGradientFunc } from '../layers/tfjs-internals.js';
import { tailBackward, tailForward, type BranchAttrs } from './branch-tf.js';
import { FUSED_BACKWARD, FUSED_FORWARD, fastKernelActive } from './fast-kernel.js';

/** The base of a Dense layer: kernel [in, out] (tfjs's layout) and an optional bias [out]. */
export interface LinearBase {
  kernel: tf.Tensor2D;
  bias?: tf.Tensor1D;
  /** Whether gradients flow to the kernel and bias too (default: frozen, none computed). */
  trainable?: boolean;
}

type Saved = tf.Tensor[];
type Save = (tensors: tf.Tensor[]) => void;

function kernelAttrs(attrs: BranchAttrs): tf.NamedAttrMap {
  return { n: attrs.n, r: attrs.r, gamma: attrs.gamma, scaleMode: attrs.scaleMode };
}

/**
 * The branch on tf ops (every backend): Z = X A_catᵀ, Y = γ (Z ⊙ s_rep) B_catᵀ, one op whose gradient
 * is the fused backward (dA = dZᵀ X, dX = dZ A_cat; dB, ds from `tailBackward`); untransposed products
 * as in `tailForward`.
 */
function branchOnTfOps(x: tf.Tensor2D, a: tf.Tensor2D, b: tf.Tensor2D, s: tf.Tensor, attrs: BranchAttrs): tf.Tensor2D {
  const op = tf.customGrad(((xi: tf.Tensor2D, ai: tf.Tensor2D, bi: tf.Tensor2D, si: tf.Tensor, save: Save) => {
    const z = tf.matMul(xi, tf.transpose(ai)) as tf.Tensor2D;
    save([xi, ai, bi, si, z]);
    return {
      value: tailForward(z, bi, si, attrs),
      gradFunc: (dy: tf.Tensor2D, saved: Saved) => {
        const [xs, as, bs, ss, zs] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor, tf.Tensor2D];
        const { dz, db, ds } = tailBackward(dy, zs, bs, ss, attrs);
        return [tf.matMul(dz, as), tf.matMul(tf.transpose(dz), xs), db, ds];
      },
    };
  }) as unknown as CustomGradientFunc);
  return op(x, a, b, s) as tf.Tensor2D;
}

/**
 * Base and branch in one registered kernel (the fast path of the backends that have one): forward
 * Y = X W0 + bias + branch and Z; backward dX (base path included), dA, dB, ds in one call, plus
 * dW0 = Xᵀ dY and dbias = Σ dY on tf ops when the base trains.
 */
function fusedOnKernel(x: tf.Tensor2D, a: tf.Tensor2D, b: tf.Tensor2D, s: tf.Tensor, attrs: BranchAttrs, base?: LinearBase): tf.Tensor2D {
  const weights: tf.NamedTensorMap = {};
  if (base) weights.w = base.kernel;
  if (base?.bias) weights.bias = base.bias;
  // A trainable base joins the op's inputs so that the tape routes dW0 (and dbias) to it.
  const baseInputs = base?.trainable ? Object.values(weights) : [];
  const op = tf.customGrad(((xi: tf.Tensor2D, ai: tf.Tensor2D, bi: tf.Tensor2D, si: tf.Tensor, ...rest: unknown[]) => {
    const save = rest[rest.length - 1] as Save;
    const [y, z] = tf.engine().runKernel(FUSED_FORWARD, { x: xi, a: ai, b: bi, s: si, ...weights }, kernelAttrs(attrs)) as tf.Tensor[];
    save([xi, ai, bi, si, z]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor2D, saved: Saved) => {
        const [xs, as, bs, ss, zs] = saved;
        const inputs: tf.NamedTensorMap = { x: xs, a: as, b: bs, s: ss, z: zs, dy };
        if (base) inputs.w = base.kernel;
        const grads = tf.engine().runKernel(FUSED_BACKWARD, inputs, kernelAttrs(attrs)) as tf.Tensor[];
        if (baseInputs.length === 0) return grads;
        return [...grads, tf.matMul(xs, dy, true, false), ...(base?.bias ? [tf.sum(dy, 0)] : [])];
      },
    };
  }) as unknown as CustomGradientFunc);
  return op(x, a, b, s, ...baseInputs) as tf.Tensor2D;
}

/**
 * One MultiLoRA linear layer on X [tokens, in] with A_cat [n·r, in], B_cat [out, n·r] and scales s:
 * Y = [X W0 + bias] + γ (X A_catᵀ ⊙ s) B_catᵀ, [tokens, out]. Runs the registered fast kernel (base and
 * branch together) where the current backend has one enabled (see `setFastKernel`), tfjs's standard ops
 * elsewhere; either way the branch is one op with its own gradient.
 */
export function multiLoraLinear(x: tf.Tensor2D, a: tf.Tensor2D, b: tf.Tensor2D, s: tf.Tensor, attrs: BranchAttrs, base?: LinearBase): tf.Tensor2D {
  if (fastKernelActive()) return fusedOnKernel(x, a, b, s, attrs, base);
  const branch = branchOnTfOps(x, a, b, s, attrs);
  if (!base) return branch;
  const baseOut = tf.matMul(x, base.kernel);
  return tf.add(base.bias ? tf.add(baseOut, base.bias) : baseOut, branch);
}
