import { describe, expect, it } from 'vitest';
import { logSpectrumHistogram, spectrumMetrics, zeroTolerance } from './spectrum.js';

describe('spectrumMetrics', () => {
  it('matches hand-computed values for s = (4, 3) in any order (tolerance 1e-15)', () => {
    const m = spectrumMetrics([3, 4], [10, 8], { topK: 1 });
    const p = [16 / 25, 9 / 25];
    const q = [4 / 7, 3 / 7];
    expect(m.singularValues).toEqual([4, 3]);
    expect(m.rank).toBe(2);
    expect(m.frobeniusNorm).toBeCloseTo(5, 15);
    expect(m.spectralNorm).toBe(4);
    expect(Math.abs(m.topKEnergy! - 16 / 25)).toBeLessThan(1e-15);
    expect(Math.abs(m.entropy! - -(p[0] * Math.log(p[0]) + p[1] * Math.log(p[1])) / Math.log(2))).toBeLessThan(1e-15);
    expect(Math.abs(m.effectiveRank - Math.exp(-(q[0] * Math.log(q[0]) + q[1] * Math.log(q[1]))))).toBeLessThan(1e-15);
    expect(Math.abs(m.stableRank - 25 / 16)).toBeLessThan(1e-15);
  });

  it('a flat spectrum is perfectly democratic: entropy 1, effective rank = stable rank = K (1e-14)', () => {
    const m = spectrumMetrics(new Array(7).fill(0.3), [20, 20], { topK: 2 });
    expect(Math.abs(m.entropy! - 1)).toBeLessThan(1e-14);
    expect(Math.abs(m.effectiveRank - 7)).toBeLessThan(1e-13);
    expect(Math.abs(m.stableRank - 7)).toBeLessThan(1e-13);
    expect(Math.abs(m.topKEnergy! - 2 / 7)).toBeLessThan(1e-15);
  });

  it('counts only s_j > max(rows, cols) · ε · s₁', () => {
    const tol = zeroTolerance(2, 100, 50);
    expect(tol).toBe(100 * Number.EPSILON * 2);
    const m = spectrumMetrics([2, 1, tol * 1.01, tol, tol / 2, 0], [100, 50]);
    expect(m.rank).toBe(3);
    expect(m.tolerance).toBe(tol);
    expect(m.singularValues).toEqual([2, 1, tol * 1.01]);
  });

  it('a zero update: rank 0, effective and stable rank 0, entropy and energy null; K = 1: entropy 0', () => {
    const zero = spectrumMetrics([0, 0, 0], [4, 4]);
    expect(zero).toMatchObject({ rank: 0, effectiveRank: 0, stableRank: 0, entropy: null, topKEnergy: null, frobeniusNorm: 0, singularValues: [] });
    expect(spectrumMetrics([], [4, 4]).rank).toBe(0);
    const one = spectrumMetrics([5, 1e-300], [4, 4]);
    expect(one).toMatchObject({ rank: 1, entropy: 0, effectiveRank: 1, stableRank: 1, topKEnergy: 1 });
  });

  it('rejects NaN and negative singular values and a bad topK', () => {
    expect(() => spectrumMetrics([1, NaN], [2, 2])).toThrow(/NaN/);
    expect(() => spectrumMetrics([1, -1], [2, 2])).toThrow(/never negative/);
    expect(() => spectrumMetrics([1], [2, 2], { topK: 0 })).toThrow(/topK/);
  });
});

describe('logSpectrumHistogram', () => {
  it('bins −ln(s) on shared edges, skips zeros and reports fractions per series', () => {
    const e = Math.E;
    const h = logSpectrumHistogram([
      { label: 'a', values: [1, 1 / e, 1 / e ** 2, 0] },
      { label: 'b', values: [1 / e ** 2.5] },
    ], { bins: 3 });
    expect(h.edges).toEqual([0, 1, 2, 3]);
    expect(h.series[0]).toMatchObject({ label: 'a', counts: [1, 1, 1], total: 3 });
    expect(h.series[0].fractions.map((f) => f * 3)).toEqual([1, 1, 1]);
    expect(h.series[1].counts).toEqual([0, 0, 1]);
  });

  it('uses a given range, clamping outside values into the end bins; an empty series has zero fractions', () => {
    const h = logSpectrumHistogram([{ label: 'x', values: [100, 1e-9] }, { label: 'empty', values: [] }], { bins: 4, range: [0, 4] });
    expect(h.series[0].counts).toEqual([1, 0, 0, 1]);
    expect(h.series[1]).toMatchObject({ total: 0, fractions: [0, 0, 0, 0] });
    expect(() => logSpectrumHistogram([], { range: [1, 1] })).toThrow(/range/);
  });
});
