import { describe, expect, it } from 'vitest';
import { MultiLoraError } from './errors.js';
import { assertClose, compareToReference, float32Tolerance, randomFloat32, randomFloat64, randomModule } from './testing.js';

describe('random inputs', () => {
  it('randomFloat32/64 are seeded, in [low, high), and never all zero', () => {
    expect(Array.from(randomFloat32(100, 3))).toEqual(Array.from(randomFloat32(100, 3)));
    expect(Array.from(randomFloat32(100, 3))).not.toEqual(Array.from(randomFloat32(100, 4)));
    const xs = randomFloat64(1000, 5, 2, 3);
    expect(xs.every((v) => v >= 2 && v < 3)).toBe(true);
    expect(randomFloat32(10, 0).some((v) => v !== 0)).toBe(true);
    // float32 values are the rounded float64 values of the same stream
    expect(Array.from(randomFloat32(10, 9))).toEqual(Array.from(randomFloat64(10, 9), Math.fround));
  });

  it('randomModule has the stated shapes and non-zero scales (|s| ≥ 0.5)', () => {
    const m = randomModule({ n: 3, r: 2, inFeatures: 5, outFeatures: 4, scaleMode: 'channel', gamma: 2 }, 1);
    expect([m.a.length, m.b.length, m.scale.length, m.gamma, m.scaleMode]).toEqual([30, 24, 12, 2, 'channel']);
    expect(m.scale.every((s) => Math.abs(s) >= 0.5 && Math.abs(s) < 1.5)).toBe(true);
    expect(m.scale.some((s) => s < 0)).toBe(true);
    expect(randomModule({ n: 2, r: 1, inFeatures: 1, outFeatures: 1 }, 2).scale.length).toBe(2);
  });
});

describe('compareToReference and assertClose', () => {
  it('report the worst index and the bound atol + rtol · max|expected|', () => {
    const expected = Float64Array.from([1, -4, 2, 0.5]);
    const actual = Float32Array.from([1, -4.001, 2.0005, 0.5]);
    const c = compareToReference(actual, expected, { rtol: 1e-3, atol: 1e-6 });
    expect(c.worstIndex).toBe(1);
    expect(c.maxAbsError).toBeCloseTo(0.001, 6);
    expect(c.maxAbsExpected).toBe(4);
    expect(c.bound).toBeCloseTo(0.004001, 12);
    expect(c.ok).toBe(true);
    expect(compareToReference(actual, expected, { rtol: 1e-4 }).ok).toBe(false);
  });

  it('treat NaN as equal only to NaN, and equal infinities as exact', () => {
    expect(compareToReference([NaN, Infinity], [NaN, Infinity], {}).ok).toBe(true);
    const c = compareToReference([1, NaN], [1, 2], { atol: 1e9 });
    expect([c.ok, c.worstIndex, c.maxAbsError]).toEqual([false, 1, Infinity]);
    expect(compareToReference([Infinity], [1], { atol: 1e9 }).ok).toBe(false);
  });

  it('assertClose throws TOLERANCE_EXCEEDED naming the label, index, values and bound', () => {
    try {
      assertClose([0, 1, 2.5], [0, 1, 2], { rtol: 0.01 }, 'dx');
      throw new Error('no throw');
    } catch (e) {
      expect(e).toBeInstanceOf(MultiLoraError);
      expect((e as MultiLoraError).code).toBe('TOLERANCE_EXCEEDED');
      expect((e as Error).message).toMatch(/^dx: max \|actual − expected\| = 5\.000e-1 at index 2 \(actual 2\.5, expected 2\) exceeds the bound 2\.000e-2/);
    }
    expect(assertClose([1], [1], {}).ok).toBe(true);
  });

  it('reject arrays of different lengths with SHAPE_MISMATCH', () => {
    expect(() => compareToReference([1, 2], [1], {})).toThrow(/actual has 2 elements but expected has 1/);
  });

  it('float32Tolerance(k) is 1e-5 · √k for both atol and rtol', () => {
    expect(float32Tolerance(100)).toEqual({ atol: 1e-4, rtol: 1e-4 });
    expect(float32Tolerance(0).atol).toBe(1e-5);
    expect(float32Tolerance(4, 1e-6).rtol).toBe(2e-6);
  });
});
