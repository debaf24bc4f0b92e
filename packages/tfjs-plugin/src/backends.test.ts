import * as tf from '@tensorflow/tfjs';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { referenceBackward, referenceForward, toFusedB } from '@multilora/core';
import { assertClose, float32Tolerance, randomFloat32, randomModule } from '@multilora/core/testing';
import { applyMultiLoRA } from './apply.js';
import { permuteConvA } from './layers/conv2d.js';
import { multiLoraConv2d } from './ops/conv2d.js';
import { multiLoraEmbedding } from './ops/embedding.js';
import { fastKernelActive, setFastKernel } from './ops/fast-kernel.js';
import { multiLoraLinear } from './ops/linear.js';
import { useBackend } from './testing/backends.js';
import { linearTensors, randomizeAdapter } from './testing/helpers.js';
import { col2im, im2col, type ConvShape } from './testing/im2col.js';
import { convNet, embeddingMlp, tokenIds } from './testing/models.js';

/**
 * The same checks on every backend tfjs has in Node: cpu, wasm and webgpu (Dawn on llvmpipe; skipped,
 * saying why, where the machine cannot create an adapter). Values are read with the async `data()`:
 * tfjs-backend-webgpu's synchronous read needs OffscreenCanvas, which Node lacks.
 */

async function read(t: tf.Tensor): Promise<Float64Array> {
  return Float64Array.from(await t.data());
}

/** A fixed adapted model's outputs and adapter gradients of L = Σ y ⊙ R, for comparing backends. */
async function modelValues(kind: 'embedding' | 'conv') {
  const m = kind === 'embedding' ? embeddingMlp('xb') : convNet('xc'); // same names: same seeded adapter
  const x = kind === 'embedding' ? tokenIds(3, 5) : tf.tensor4d(randomFloat32(2 * 6 * 6 * 2, 6), [2, 6, 6, 2]);
  const h = applyMultiLoRA(m, { n: 2, r: 2, seed: 3 });
  const adapter = h.exportAdapter();
  h.loadAdapter(randomizeAdapter(adapter, 4));
  const out = kind === 'embedding' ? 3 : 2;
  const weight = tf.tensor2d(randomFloat32(x.shape[0] * out, 7), [x.shape[0], out]);
  const y = m.predict(x) as tf.Tensor;
  const vars = h.adapterWeights.map((w) => w.read() as tf.Variable);
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(m.apply(x) as tf.Tensor, weight)) as tf.Scalar, vars);
  const values = { y: await read(y), grads: await Promise.all(vars.map((v) => read(grads[v.name]))) };
  tf.dispose([x, weight, y, ...Object.values(grads)]);
  h.remove();
  return values;
}

const onCpu: Record<string, Awaited<ReturnType<typeof modelValues>>> = {};

describe.each(['cpu', 'wasm', 'webgpu'] as const)('backend %s', (backend) => {
  let unavailable: string | undefined;
  beforeAll(async () => {
    unavailable = await useBackend(backend);
    if (unavailable) console.warn(`backend ${backend} skipped: ${unavailable}`);
  }, 120_000);
  afterAll(() => setFastKernel('wasm', 'auto'));

  const fastModes = backend === 'wasm' ? [false, true] : [backend === 'cpu'];
  it.for(fastModes)('the linear op (fast kernel %s) equals the float64 reference, forward and backward (tol float32Tolerance(depth))', { timeout: 120_000 }, async (fast, ctx) => {
    if (unavailable) ctx.skip();
    if (backend !== 'webgpu') setFastKernel(backend, fast);
    expect(fastKernelActive()).toBe(fast);
    for (const scaleMode of ['module', 'channel'] as const) {
      const module = randomModule({ n: 2, r: 3, inFeatures: 9, outFeatures: 5, scaleMode, gamma: 0.6 }, 51);
      const [t, inF, out] = [4, 9, 5];
      const x = randomFloat32(t * inF, 52);
      const weight = randomFloat32(inF * out, 53);
      const bias = randomFloat32(out, 54);
      const dy = randomFloat32(t * out, 55);
      const { a, b, s } = linearTensors(module);
      const base = { kernel: tf.tensor2d(weight, [inF, out]), bias: tf.tensor1d(bias) };
      const f = (xi: tf.Tensor, ai: tf.Tensor, bi: tf.Tensor, si: tf.Tensor) =>
        multiLoraLinear(xi as tf.Tensor2D, ai as tf.Tensor2D, bi as tf.Tensor2D, si, module, base);
      const xt = tf.tensor2d(x, [t, inF]);
      const refBase = { weight, weightInOut: true, bias };
      assertClose(await read(f(xt, a, b, s)), referenceForward(module, x, t, refBase), float32Tolerance(inF + 6), `${backend} Y`);
      const [dx, da, db, ds] = tf.grads(f)([xt, a, b, s], tf.tensor2d(dy, [t, out]));
      const ref = referenceBackward(module, x, t, dy, refBase);
      const tol = float32Tolerance(t + out + 6);
      assertClose(await read(dx), ref.dx, tol, `${backend} dX`);
      assertClose(await read(da), ref.da, tol, `${backend} dA`);
      assertClose(await read(db), toFusedB(ref.db, 2, out, 3), tol, `${backend} dB`);
      assertClose(await read(ds), ref.ds, tol, `${backend} ds`);
    }
  });

  it('the embedding and Conv2D ops equal the float64 reference, forward and backward (tol float32Tolerance(depth))', async (ctx) => {
    if (unavailable) ctx.skip();
    const vocab = 7;
    const emb = randomModule({ n: 2, r: 2, inFeatures: vocab, outFeatures: 3, scaleMode: 'channel' }, 61);
    const ids = [2, 6, 2, 0];
    const oneHot = new Float64Array(ids.length * vocab);
    ids.forEach((id, i) => { oneHot[i * vocab + id] = 1; });
    const e = linearTensors(emb);
    const idsT = tf.tensor1d(ids, 'int32');
    const fe = (ai: tf.Tensor, bi: tf.Tensor, si: tf.Tensor) => multiLoraEmbedding(idsT, ai as tf.Tensor2D, bi as tf.Tensor2D, si, emb);
    assertClose(await read(fe(e.a, e.b, e.s)), referenceForward(emb, oneHot, 4), float32Tolerance(4), `${backend} embedding Y`);
    const dyE = randomFloat32(4 * 3, 62);
    const [dAe] = tf.grads(fe)([e.a, e.b, e.s], tf.tensor2d(dyE, [4, 3]));
    assertClose(await read(dAe), referenceBackward(emb, oneHot, 4, dyE).da, float32Tolerance(8), `${backend} embedding dA`);

    const g: ConvShape = { batch: 1, h: 5, w: 4, inC: 2, kh: 3, kw: 2, stride: 2, pad: 'same' };
    const conv = randomModule({ n: 2, r: 2, inFeatures: 12, outFeatures: 3 }, 63);
    const c = linearTensors(conv);
    const aConv = tf.tensor4d(permuteConvA(conv.a, [3, 2, 2, 4], false), [3, 2, 2, 4]);
    const x = randomFloat32(5 * 4 * 2, 64);
    const pixels = 3 * 2;
    const fc = (xi: tf.Tensor, ai: tf.Tensor) =>
      multiLoraConv2d(xi as tf.Tensor4D, ai as tf.Tensor4D, c.b, c.s, conv, { strides: [2, 2], pad: 'same' });
    const xt = tf.tensor4d(x, [1, 5, 4, 2]);
    const patches = im2col(x, g);
    assertClose(await read(fc(xt, aConv)), referenceForward(conv, patches, pixels), float32Tolerance(16), `${backend} conv Y`);
    const dy = randomFloat32(pixels * 3, 65);
    const [dx, da] = tf.grads(fc)([xt, aConv], tf.tensor4d(dy, [1, 3, 2, 3]));
    const ref = referenceBackward(conv, patches, pixels, dy);
    assertClose(await read(dx), col2im(ref.dx, g), float32Tolerance(16), `${backend} conv dX`);
    assertClose(permuteConvA(Float32Array.from(await da.data()), da.shape, true), ref.da, float32Tolerance(16), `${backend} conv dA`);
  }, 120_000);

  it.for(['embedding', 'conv'] as const)('an adapted %s model gives the cpu backend\'s outputs and adapter gradients (tol 1e-4 · max)', { timeout: 120_000 }, async (kind, ctx) => {
    if (unavailable) ctx.skip();
    setFastKernel('cpu', true);
    const values = await modelValues(kind);
    if (backend === 'cpu') {
      onCpu[kind] = values;
      return;
    }
    if (!onCpu[kind]) ctx.skip();
    const tol = { atol: 1e-4, rtol: 1e-4 };
    assertClose(values.y, onCpu[kind].y, tol, `${backend} ${kind} outputs`);
    values.grads.forEach((grad, i) => assertClose(grad, onCpu[kind].grads[i], tol, `${backend} ${kind} gradient ${i}`));
  });

  it('model.fit lowers the loss; then exportAdapterAsync, mergeAsync and mergeAndUnload keep the outputs (tol 1e-4 · max)', async (ctx) => {
    if (unavailable) ctx.skip();
    const m = embeddingMlp();
    const x = tokenIds(8, 9);
    const y = tf.tensor2d(randomFloat32(8 * 3, 10), [8, 3]);
    const h = applyMultiLoRA(m, { n: 2, r: 2, seed: 1 });
    m.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
    const history = await m.fit(x, y, { epochs: 8, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]).toBeLessThan(0.9 * losses[0]);

    const adapter = await h.exportAdapterAsync();
    const scale = await read(h.adapterWeights[2]!.read());
    expect([...adapter.modules.values()][0].scale).toEqual(Float32Array.from(scale));
    expect(scale.some((v) => v !== 0)).toBe(true);
    const trained = await read(m.predict(x) as tf.Tensor);
    await h.mergeAsync();
    assertClose(await read(m.predict(x) as tf.Tensor), trained, { atol: 1e-4, rtol: 1e-4 }, `${backend} merged`);
    const plain = h.mergeAndUnload();
    expect(plain.layers.some((l) => l.getClassName().startsWith('MultiLora'))).toBe(false);
    assertClose(await read(plain.predict(x) as tf.Tensor), trained, { atol: 1e-4, rtol: 1e-4 }, `${backend} unloaded`);
  }, 120_000);
});
