import * as tf from '@tensorflow/tfjs';
import type { CustomGradientFunc } from '../layers/tfjs-internals.js';
import { tailBackward, tailForward, type BranchAttrs } from './branch-tf.js';

/** Stride and padding of the base convolution, which the adapter's A convolution copies. */
export interface ConvGeometry {
  strides: [number, number];
  pad: 'valid' | 'same';
}

type Save = (tensors: tf.Tensor[]) => void;

/** TensorFlow's padding before and after one spatial axis. */
function axisPadding(size: number, kernel: number, stride: number, out: number, pad: 'valid' | 'same'): [number, number] {
  if (pad === 'valid') return [0, 0];
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/**
 * dA of the A convolution: tfjs's `Conv2DBackpropFilter` kernel where the backend has one; elsewhere
 * (wasm, which lacks it and whose `Conv3DBackpropFilterV2` is wrong for strides > 1 in tfjs 4.22) as a
 * forward convolution: dA[i, j, c, k] = Σ x_pad[b, oy·s + i, ox·s + j, c] dZ[b, oy, ox, k] is the
 * convolution of x_pad (batch and channels swapped) with dZ as the filter, dilated by the stride.
 */
function filterGradient(x: tf.Tensor4D, dz: tf.Tensor4D, filterShape: number[], { strides, pad }: ConvGeometry): tf.Tensor {
  if (tf.getKernel('Conv2DBackpropFilter', tf.getBackend())) {
    return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dz }, { strides, pad, dataFormat: 'NHWC', filterShape }) as tf.Tensor;
  }
  const [kh, kw] = filterShape;
  const [, h, w] = x.shape;
  const [, oh, ow] = dz.shape;
  const padded = tf.pad(x, [[0, 0], axisPadding(h, kh, strides[0], oh, pad), axisPadding(w, kw, strides[1], ow, pad), [0, 0]]);
  const grad = tf.conv2d(tf.transpose(padded, [3, 1, 2, 0]), tf.transpose(dz, [1, 2, 0, 3]), 1, 'valid', 'NHWC', strides);
  return tf.transpose(tf.slice(grad, [0, 0, 0, 0], [-1, kh, kw, -1]), [1, 2, 0, 3]);
}

/**
 * The Conv2D branch (PEFT's form) on X [batch, h, w, inC] (NHWC): Z = conv(X, A) with A a convolution
 * [kh, kw, inC, n·r] of the base layer's geometry, then the 1×1 convolution Y = γ (Z ⊙ s) B_catᵀ per
 * pixel, [batch, h', w', out]. One op with its own gradient: dZ from `tailBackward`, dX and dA from tfjs's
 * convolution-gradient kernels.
 */
export function multiLoraConv2d(x: tf.Tensor4D, a: tf.Tensor4D, b: tf.Tensor2D, s: tf.Tensor, attrs: BranchAttrs, geometry: ConvGeometry): tf.Tensor4D {
  const { strides, pad } = geometry;
  const out = b.shape[0];
  const nr = attrs.n * attrs.r;
  const op = tf.customGrad(((xi: tf.Tensor4D, ai: tf.Tensor4D, bi: tf.Tensor2D, si: tf.Tensor, save: Save) => {
    const z = tf.conv2d(xi, ai, strides, pad);
    save([xi, ai, bi, si, z]);
    const [batch, h, w] = z.shape;
    return {
      value: tf.reshape(tailForward(tf.reshape(z, [-1, nr]), bi, si, attrs), [batch, h, w, out]),
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, as, bs, ss, zs] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor2D, tf.Tensor, tf.Tensor4D];
        const { dz, db, ds } = tailBackward(tf.reshape(dy, [-1, out]), tf.reshape(zs, [-1, nr]), bs, ss, attrs);
        const dz4 = tf.reshape(dz, zs.shape) as tf.Tensor4D;
        const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy: dz4, filter: as },
          { strides, pad, dataFormat: 'NHWC', inputShape: xs.shape }) as tf.Tensor;
        return [dx, filterGradient(xs, dz4, as.shape, geometry), db, ds];
      },
    };
  }) as unknown as CustomGradientFunc);
  return op(x, a, b, s) as tf.Tensor4D;
}
