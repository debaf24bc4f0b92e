import * as tf from '@tensorflow/tfjs';
import { describe, it, expect, afterEach } from 'vitest';
import { getKernels, referenceBackward, referenceForward, registerKernels, toFusedB, tsKernels, type ScaleMode } from '@multilora/core';
import { assertClose, float32Tolerance, randomFloat32, randomModule } from '@multilora/core/testing';
import { multiLoraLinear, type LinearBase } from './linear.js';
import { fastKernelActive, setFastKernel } from './fast-kernel.js';
import { linearTensors, values64 } from '../testing/helpers.js';

const T = 6;
const IN = 7;
const OUT = 5;

afterEach(() => setFastKernel('cpu', true));

function setup(scaleMode: ScaleMode, seed: number) {
  const module = randomModule({ n: 3, r: 2, inFeatures: IN, outFeatures: OUT, scaleMode, gamma: 0.7 }, seed);
  const x = randomFloat32(T * IN, seed + 1);
  const weight = randomFloat32(IN * OUT, seed + 2);
  const bias = randomFloat32(OUT, seed + 3);
  const dy = randomFloat32(T * OUT, seed + 4);
  return { module, x, weight, bias, dy };
}

describe('fast kernel selection', () => {
  it('auto runs the fused kernel only when compiled kernels (not core\'s ts fallback) are registered', () => {
    setFastKernel('cpu', 'auto');
    expect(getKernels().name).toBe('ts');
    expect(fastKernelActive()).toBe(false);
    const unregister = registerKernels({ ...tsKernels, name: 'compiled-stand-in' });
    expect(fastKernelActive()).toBe(true);
    unregister();
    expect(fastKernelActive()).toBe(false);
  });
});

const paths = [
  { name: 'fused kernel (cpu)', fast: true },
  { name: 'tfjs ops', fast: false },
];

describe.each(paths)('multiLoraLinear on $name', ({ fast }) => {
  describe.each(['module', 'channel'] as const)('scaleMode %s', (scaleMode) => {
    it.each([true, false])('forward and backward equal the float64 reference (withBase=%s, tol float32Tolerance(in + n·r))', (withBase) => {
      setFastKernel('cpu', fast);
      expect(fastKernelActive()).toBe(fast);
      const { module, x, weight, bias, dy } = setup(scaleMode, withBase ? 11 : 23);
      const nr = module.n * module.r;
      const { a, b, s } = linearTensors(module);
      const xt = tf.tensor2d(x, [T, IN]);
      const base: LinearBase | undefined = withBase ? { kernel: tf.tensor2d(weight, [IN, OUT]), bias: tf.tensor1d(bias) } : undefined;
      const refBase = withBase ? { weight, weightInOut: true, bias } : undefined;
      const tol = float32Tolerance(IN + nr);

      const y = multiLoraLinear(xt, a, b, s, module, base);
      assertClose(values64(y), referenceForward(module, x, T, refBase), tol, 'Y');

      const f = (xi: tf.Tensor, ai: tf.Tensor, bi: tf.Tensor, si: tf.Tensor) =>
        multiLoraLinear(xi as tf.Tensor2D, ai as tf.Tensor2D, bi as tf.Tensor2D, si, module, base);
      const [dx, da, db, ds] = tf.grads(f)([xt, a, b, s], tf.tensor2d(dy, [T, OUT]));
      const ref = referenceBackward(module, x, T, dy, refBase);
      const gradTol = float32Tolerance(T + OUT + nr);
      assertClose(values64(dx), ref.dx, gradTol, 'dX');
      assertClose(values64(da), ref.da, gradTol, 'dA');
      assertClose(values64(db), toFusedB(ref.db, module.n, OUT, module.r), gradTol, 'dB');
      assertClose(values64(ds), ref.ds, gradTol, 'ds');
      tf.dispose([y, dx, da, db, ds, xt, a, b, s, ...(base ? [base.kernel, base.bias!] : [])]);
    });
  });

  it('a trainable base also gets dW0 and dbias equal to the reference (tol float32Tolerance(tokens))', () => {
    setFastKernel('cpu', fast);
    const { module, x, weight, bias, dy } = setup('channel', 31);
    const { a, b, s } = linearTensors(module);
    const xt = tf.tensor2d(x, [T, IN]);
    const f = (xi: tf.Tensor, ai: tf.Tensor, bi: tf.Tensor, si: tf.Tensor, wi: tf.Tensor, bb: tf.Tensor) =>
      multiLoraLinear(xi as tf.Tensor2D, ai as tf.Tensor2D, bi as tf.Tensor2D, si, module, { kernel: wi as tf.Tensor2D, bias: bb as tf.Tensor1D, trainable: true });
    const grads = tf.grads(f)([xt, a, b, s, tf.tensor2d(weight, [IN, OUT]), tf.tensor1d(bias)], tf.tensor2d(dy, [T, OUT]));
    const ref = referenceBackward(module, x, T, dy, { weight, weightInOut: true, bias });
    assertClose(values64(grads[0]), ref.dx, float32Tolerance(OUT + 6), 'dX');
    assertClose(values64(grads[4]), ref.dWeight!, float32Tolerance(T), 'dW0');
    assertClose(values64(grads[5]), ref.dBias!, float32Tolerance(T), 'dbias');
    tf.dispose([...grads, xt, a, b, s]);
  });

  it('gradients equal central finite differences of L = Σ Y ⊙ R (L is linear in each coordinate; tol 2e-3 relative)', () => {
    setFastKernel('cpu', fast);
    const { module, x } = setup('module', 41);
    const xt = tf.tensor2d(x, [T, IN]);
    const { a, b, s } = linearTensors(module);
    const rt = tf.tensor2d(randomFloat32(T * OUT, 42), [T, OUT]);
    const loss = (xi: tf.Tensor, ai: tf.Tensor, bi: tf.Tensor, si: tf.Tensor) =>
      tf.sum(tf.mul(multiLoraLinear(xi as tf.Tensor2D, ai as tf.Tensor2D, bi as tf.Tensor2D, si, module), rt));
    const inputs = [xt, a, b, s];
    const grads = tf.grads(loss)(inputs).map((g) => g.dataSync());
    const h = 0.25;
    inputs.forEach((input, which) => {
      const base = input.dataSync().slice();
      for (const index of [0, base.length - 1, base.length >> 1]) {
        const at = (delta: number) => {
          const v = base.slice();
          v[index] += delta;
          const moved = inputs.map((t, i) => (i === which ? tf.tensor(v, t.shape) : t));
          const l = tf.tidy(() => loss(moved[0], moved[1], moved[2], moved[3]));
          const value = l.dataSync()[0];
          tf.dispose([l, moved[which]]);
          return value;
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        expect(Math.abs(fd - grads[which][index])).toBeLessThanOrEqual(2e-3 * (1 + Math.abs(fd)));
      }
    });
    tf.dispose([xt, a, b, s, rt]);
  });
});
