import * as tf from '@tensorflow/tfjs';
import { describe, it } from 'vitest';
import { referenceBackward, referenceForward, toFusedB, type ScaleMode } from '@multilora/core';
import { assertClose, float32Tolerance, randomFloat32, randomModule } from '@multilora/core/testing';
import { multiLoraEmbedding } from './embedding.js';
import { multiLoraConv2d } from './conv2d.js';
import { permuteConvA } from '../layers/conv2d.js';
import { linearTensors, values64 } from '../testing/helpers.js';
import { col2im, convOutput, im2col, type ConvShape } from '../testing/im2col.js';

describe.each(['module', 'channel'] as const)('multiLoraEmbedding (scaleMode %s)', (scaleMode: ScaleMode) => {
  it('equals the float64 reference on one-hot rows, forward and backward, repeated ids included (tol float32Tolerance(n·r + tokens))', () => {
    const vocab = 9;
    const out = 4;
    const module = randomModule({ n: 2, r: 3, inFeatures: vocab, outFeatures: out, scaleMode, gamma: 1.5 }, 5);
    const ids = [3, 0, 8, 3, 5, 3, 1];
    const tokens = ids.length;
    const oneHot = new Float64Array(tokens * vocab);
    ids.forEach((id, t) => { oneHot[t * vocab + id] = 1; });
    const dy = randomFloat32(tokens * out, 6);
    const { a, b, s } = linearTensors(module);
    const idsT = tf.tensor1d(ids, 'int32');
    const nr = module.n * module.r;

    const f = (ai: tf.Tensor, bi: tf.Tensor, si: tf.Tensor) => multiLoraEmbedding(idsT, ai as tf.Tensor2D, bi as tf.Tensor2D, si, module);
    const y = f(a, b, s);
    assertClose(values64(y), referenceForward(module, oneHot, tokens), float32Tolerance(nr), 'Y');
    const [da, db, ds] = tf.grads(f)([a, b, s], tf.tensor2d(dy, [tokens, out]));
    const ref = referenceBackward(module, oneHot, tokens, dy);
    const tol = float32Tolerance(nr + tokens + out);
    assertClose(values64(da), ref.da, tol, 'dA');
    assertClose(values64(db), toFusedB(ref.db, module.n, out, module.r), tol, 'dB');
    assertClose(values64(ds), ref.ds, tol, 'ds');
    tf.dispose([a, b, s, idsT, y, da, db, ds]);
  });
});

const geometries: (ConvShape & { label: string })[] = [
  { label: '3×2 kernel, stride 1, same', batch: 2, h: 5, w: 6, inC: 3, kh: 3, kw: 2, stride: 1, pad: 'same' },
  { label: '3×3 kernel, stride 2, valid', batch: 2, h: 7, w: 6, inC: 2, kh: 3, kw: 3, stride: 2, pad: 'valid' },
  { label: '2×3 kernel, stride 2, same', batch: 1, h: 5, w: 7, inC: 3, kh: 2, kw: 3, stride: 2, pad: 'same' },
];

describe.each(geometries)('multiLoraConv2d, $label', (g) => {
  it.each(['module', 'channel'] as const)('equals core\'s reference on im2col patches, forward and backward (scaleMode %s, tol float32Tolerance(inC·kh·kw + n·r + pixels))', (scaleMode) => {
    const out = 4;
    const inF = g.inC * g.kh * g.kw;
    const module = randomModule({ n: 2, r: 2, inFeatures: inF, outFeatures: out, scaleMode, gamma: 0.8 }, 17);
    const nr = module.n * module.r;
    const { oh, ow } = convOutput(g);
    const pixels = g.batch * oh * ow;
    const x = randomFloat32(g.batch * g.h * g.w * g.inC, 18);
    const dy = randomFloat32(pixels * out, 19);
    const { b, s } = linearTensors(module);
    const a = tf.tensor4d(permuteConvA(module.a, [g.kh, g.kw, g.inC, nr], false), [g.kh, g.kw, g.inC, nr]);
    const xt = tf.tensor4d(x, [g.batch, g.h, g.w, g.inC]);
    const geometry = { strides: [g.stride, g.stride] as [number, number], pad: g.pad };

    const f = (xi: tf.Tensor, ai: tf.Tensor, bi: tf.Tensor, si: tf.Tensor) =>
      multiLoraConv2d(xi as tf.Tensor4D, ai as tf.Tensor4D, bi as tf.Tensor2D, si, module, geometry);
    const y = f(xt, a, b, s);
    const patches = im2col(x, g);
    assertClose(values64(y), referenceForward(module, patches, pixels), float32Tolerance(inF + nr), 'Y');

    const [dx, da, db, ds] = tf.grads(f)([xt, a, b, s], tf.tensor4d(dy, [g.batch, oh, ow, out]));
    const ref = referenceBackward(module, patches, pixels, dy);
    const tol = float32Tolerance(inF + nr + pixels + out);
    assertClose(values64(dx), col2im(ref.dx, g), tol, 'dX');
    assertClose(permuteConvA(da.dataSync<'float32'>().slice(), da.shape, true), ref.da, tol, 'dA');
    assertClose(values64(db), toFusedB(ref.db, module.n, out, module.r), tol, 'dB');
    assertClose(values64(ds), ref.ds, tol, 'ds');
    tf.dispose([a, b, s, xt, y, dx, da, db, ds]);
  });
});
