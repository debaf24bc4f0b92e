import { describe, expect, it } from 'vitest';
import { createAdapter } from '../adapter/create.js';
import { referenceDeltaWeight } from '../math/delta.js';
import { errorOf, randomModule } from '../testing.js';
import type { DenseMatrix } from './matrix.js';
import { svd } from './svd-dense.js';
import { lowRankFrobenius, lowRankSvd, moduleFactors, moduleSvd } from './svd-lowrank.js';
import { gaussianMatrix, orthonormalityError, reconstructionError } from './testing.js';

/** The dense ΔW of a module from the float64 reference math. */
function denseDelta(module: Parameters<typeof referenceDeltaWeight>[0]): DenseMatrix {
  return { rows: module.outFeatures, cols: module.inFeatures, data: referenceDeltaWeight(module) };
}

describe('lowRankSvd: exact SVD of ΔW from its factors', () => {
  const cases = [
    { label: 'module mode, out > n·r', n: 3, r: 4, inFeatures: 40, outFeatures: 30, scaleMode: 'module' as const },
    { label: 'channel mode', n: 2, r: 3, inFeatures: 25, outFeatures: 18, scaleMode: 'channel' as const },
    { label: 'out < n·r < in', n: 4, r: 8, inFeatures: 48, outFeatures: 20, scaleMode: 'module' as const },
    { label: 'in < n·r', n: 4, r: 4, inFeatures: 10, outFeatures: 33, scaleMode: 'module' as const },
  ];
  for (const c of cases) {
    it(`${c.label}: values equal the dense SVD of the materialised ΔW to 1e-12 · s₁; U, V orthonormal to 1e-12; U S Vᵀ = ΔW to 1e-12 · s₁`, () => {
      const module = randomModule({ ...c, gamma: 0.75 }, 17);
      const low = moduleSvd(module);
      const delta = denseDelta(module);
      const dense = svd(delta, { vectors: 'none' }).s;
      expect(low.s.length).toBe(Math.min(c.outFeatures, c.inFeatures, c.n * c.r));
      for (let i = 0; i < low.s.length; i++) expect(Math.abs(low.s[i] - dense[i])).toBeLessThan(1e-12 * dense[0]);
      for (let i = low.s.length; i < dense.length; i++) expect(dense[i]).toBeLessThan(1e-12 * dense[0]);
      expect(orthonormalityError(low.u!)).toBeLessThan(1e-12);
      expect(orthonormalityError(low.v!)).toBeLessThan(1e-12);
      expect(reconstructionError(delta, low)).toBeLessThan(1e-12);
    });
  }

  it('a conv module flattens A to [n·r, inChannels·kh·kw] (tolerance 1e-12 · s₁ against the dense SVD)', () => {
    const adapter = createAdapter({ n: 2, r: 3, seed: 4 }, [{ name: 'conv', kind: 'conv', inShape: [3, 3, 3], outFeatures: 8 }]);
    const module = adapter.modules.get('conv')!;
    module.scale.set([0.7, -1.3]);
    const low = moduleSvd(module, { vectors: 'none' });
    const dense = svd(denseDelta(module), { vectors: 'none' }).s;
    for (let i = 0; i < low.s.length; i++) expect(Math.abs(low.s[i] - dense[i])).toBeLessThan(1e-12 * dense[0]);
  });

  it('a fresh MultiLoRA module (scales 0) has an all-zero spectrum, not an error', () => {
    const adapter = createAdapter({ n: 3, r: 2 }, [{ name: 'q', inShape: [12], outFeatures: 10 }]);
    const r = moduleSvd(adapter.modules.get('q')!);
    expect(Array.from(r.s)).toEqual(new Array(6).fill(0));
    expect(lowRankFrobenius(moduleFactors(adapter.modules.get('q')!))).toBe(0);
  });

  it('general factors: ‖left · right‖_F from the factors equals the dense norm (1e-13 relative)', () => {
    const left = gaussianMatrix(30, 6, 1);
    const right = gaussianMatrix(6, 22, 2);
    const lr = lowRankSvd({ left, right }, { vectors: 'left' });
    expect(lr.v).toBeUndefined();
    let dense = 0;
    for (let i = 0; i < 30; i++) for (let j = 0; j < 22; j++) {
      let x = 0;
      for (let q = 0; q < 6; q++) x += left.data[i * 6 + q] * right.data[q * 22 + j];
      dense += x * x;
    }
    expect(Math.abs(lowRankFrobenius({ left, right }) - Math.sqrt(dense)) / Math.sqrt(dense)).toBeLessThan(1e-13);
  });

  it('rejects mismatched factors, NaN in a module and bad module shapes with typed errors', () => {
    expect(errorOf(() => lowRankSvd({ left: gaussianMatrix(4, 3, 1), right: gaussianMatrix(2, 5, 2) })).code).toBe('SHAPE_MISMATCH');
    const module = randomModule({ n: 2, r: 2, inFeatures: 6, outFeatures: 5 }, 3);
    module.b[4] = NaN;
    expect(errorOf(() => moduleSvd(module)).code).toBe('DIAGNOSTICS_NOT_FINITE');
    expect(() => moduleSvd(module)).toThrow(/module "random.3" B\[4\] is NaN/);
    const short = randomModule({ n: 2, r: 2, inFeatures: 6, outFeatures: 5 }, 3);
    short.a = short.a.subarray(1);
    expect(errorOf(() => moduleSvd(short)).code).toBe('SHAPE_MISMATCH');
    expect(errorOf(() => lowRankSvd({ left: { rows: 0, cols: 2, data: new Float64Array(0) }, right: gaussianMatrix(2, 2, 1) })).code).toBe('DIAGNOSTICS_EMPTY');
  });
});
