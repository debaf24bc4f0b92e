import { describe, expect, it } from 'vitest';
import { compareToReference, randomFloat64, randomModule } from '../testing.js';
import { referenceBackward } from './backward.js';
import { referenceForwardLoop } from './forward.js';
import type { ReferenceBase, ReferenceModule } from './reference-module.js';

const [T, IN, OUT, N, R] = [3, 5, 4, 3, 2];
const H = 1e-6;

/** L = Σ Y ⊙ G with Y from the module-by-module loop (independent of the fused form being differentiated). */
function loss(m: ReferenceModule, x: Float64Array, base: ReferenceBase | undefined, g: Float64Array): number {
  const y = referenceForwardLoop(m, x, T, base);
  let l = 0;
  for (let i = 0; i < y.length; i++) l += y[i] * g[i];
  return l;
}

/** Central differences of `loss` with respect to every entry of `param` (perturbed in place, restored). */
function finiteDifferences(param: Float64Array, evaluate: () => number): Float64Array {
  const grad = new Float64Array(param.length);
  for (let i = 0; i < param.length; i++) {
    const saved = param[i];
    param[i] = saved + H;
    const plus = evaluate();
    param[i] = saved - H;
    const minus = evaluate();
    param[i] = saved;
    grad[i] = (plus - minus) / (2 * H);
  }
  return grad;
}

describe('referenceBackward against central finite differences of L = Σ Y ⊙ G (h = 1e-6, float64, tolerance 1e-6 relative to max |grad|)', () => {
  for (const scaleMode of ['module', 'channel'] as const) {
    for (const layout of ['none', 'out-in', 'in-out'] as const) {
      it(`${scaleMode} scales, base weight ${layout}`, () => {
        const m32 = randomModule({ n: N, r: R, inFeatures: IN, outFeatures: OUT, scaleMode, gamma: 1.5 }, scaleMode === 'module' ? 1 : 2);
        const m: ReferenceModule = { ...m32, a: Float64Array.from(m32.a), b: Float64Array.from(m32.b), scale: Float64Array.from(m32.scale) };
        expect((m.scale as Float64Array).every((s) => Math.abs(s) >= 0.5)).toBe(true);
        const x = randomFloat64(T * IN, 3);
        const g = randomFloat64(T * OUT, 4);
        const base: ReferenceBase | undefined =
          layout === 'none' ? undefined : { weight: randomFloat64(OUT * IN, 5), weightInOut: layout === 'in-out', bias: randomFloat64(OUT, 6) };
        const grads = referenceBackward(m, x, T, g, base);
        const evaluate = () => loss(m, x, base, g);
        const params: [string, Float64Array, Float64Array | undefined][] = [
          ['dx', x, grads.dx],
          ['da', m.a as Float64Array, grads.da],
          ['db', m.b as Float64Array, grads.db],
          ['ds', m.scale as Float64Array, grads.ds],
        ];
        if (base) {
          params.push(['dWeight', base.weight as Float64Array, grads.dWeight]);
          params.push(['dBias', base.bias as Float64Array, grads.dBias]);
        } else {
          expect(grads.dWeight).toBeUndefined();
          expect(grads.dBias).toBeUndefined();
        }
        for (const [name, param, grad] of params) {
          expect(grad, name).toBeDefined();
          const fd = finiteDifferences(param, evaluate);
          const cmp = compareToReference(grad!, fd, { rtol: 1e-6, atol: 1e-9 });
          expect(cmp.ok, `${name}: max error ${cmp.maxAbsError} at ${cmp.worstIndex} (bound ${cmp.bound})`).toBe(true);
          expect(cmp.maxAbsExpected, `${name} is not trivially zero`).toBeGreaterThan(1e-3);
        }
      });
    }
  }

  it('returns gradients shaped like their parameters (file layout)', () => {
    const m = randomModule({ n: 2, r: 3, inFeatures: 4, outFeatures: 5, scaleMode: 'channel' }, 8);
    const grads = referenceBackward(m, randomFloat64(2 * 4, 1), 2, randomFloat64(2 * 5, 2), { weight: randomFloat64(20, 3) });
    expect([grads.dx.length, grads.da.length, grads.db.length, grads.ds.length, grads.dWeight?.length]).toEqual([8, 24, 30, 10, 20]);
  });

  it('rejects a dy of the wrong size with SHAPE_MISMATCH', () => {
    const m = randomModule({ n: 1, r: 1, inFeatures: 2, outFeatures: 2 }, 1);
    expect(() => referenceBackward(m, randomFloat64(4, 1), 2, randomFloat64(3, 2))).toThrow(/dy has 3 elements; expected 4/);
  });
});
