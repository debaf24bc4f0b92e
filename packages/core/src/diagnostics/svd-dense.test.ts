import { describe, expect, it } from 'vitest';
import { errorOf } from '../testing.js';
import { svd } from './svd-dense.js';
import { gaussianMatrix, matrixWithSpectrum, orthonormalityError, reconstructionError } from './testing.js';

describe('svd (dense, Householder bidiagonalisation + implicit QR)', () => {
  // Shapes cover 1×1, vectors, tall, wide, square, and sizes past the blocked crossover (> 128 columns).
  const shapes: [number, number][] = [[1, 1], [1, 7], [7, 1], [2, 2], [9, 5], [5, 9], [40, 40], [150, 140], [140, 150]];
  for (const [m, n] of shapes) {
    it(`${m}×${n}: U, V orthonormal to 1e-12, A = U S Vᵀ to 1e-12 · s₁`, () => {
      const a = gaussianMatrix(m, n, m * 1000 + n);
      const r = svd(a);
      const k = Math.min(m, n);
      expect(r.s.length).toBe(k);
      expect(r.u?.rows).toBe(m);
      expect(r.v?.rows).toBe(n);
      expect(orthonormalityError(r.u!)).toBeLessThan(1e-12);
      expect(orthonormalityError(r.v!)).toBeLessThan(1e-12);
      expect(reconstructionError(a, r)).toBeLessThan(1e-12);
      for (let i = 1; i < k; i++) expect(r.s[i]).toBeLessThanOrEqual(r.s[i - 1]);
    });
  }

  it('recovers a known spectrum (float64 construction U·diag(s)·Vᵀ): 1e-13 · s₁ absolute, 1e-12 relative for s ≥ s₁/100', () => {
    const s = [50, 20, 20, 7, 3, 1, 0.5, 1e-3, 1e-4];
    const a = matrixWithSpectrum(30, 20, s, 7);
    const got = svd(a, { vectors: 'none' }).s;
    // The construction itself rounds at ~ε·s₁, which bounds what any SVD can recover of the small values.
    for (let i = 0; i < s.length; i++) {
      expect(Math.abs(got[i] - s[i])).toBeLessThan(1e-13 * s[0]);
      if (s[i] >= s[0] / 100) expect(Math.abs(got[i] - s[i]) / s[i]).toBeLessThan(1e-12);
    }
    // Rank 9 of 20: the other values are zero up to rounding (≤ 1e-13 · s₁).
    for (let i = s.length; i < 20; i++) expect(got[i]).toBeLessThan(1e-13 * s[0]);
  });

  it('values alone equal the values computed with vectors (tolerance 1e-13 · s₁)', () => {
    const a = gaussianMatrix(60, 35, 3);
    const none = svd(a, { vectors: 'none' });
    const left = svd(a, { vectors: 'left' });
    const right = svd(a, { vectors: 'right' });
    expect(none.u).toBeUndefined();
    expect(left.v).toBeUndefined();
    expect(right.u).toBeUndefined();
    for (let i = 0; i < 35; i++) {
      expect(Math.abs(left.s[i] - none.s[i])).toBeLessThan(1e-13 * none.s[0]);
      expect(Math.abs(right.s[i] - none.s[i])).toBeLessThan(1e-13 * none.s[0]);
    }
  });

  it('handles repeated singular values (a scaled orthogonal matrix: all s = 2, tolerance 1e-13)', () => {
    const q = matrixWithSpectrum(12, 12, new Array(12).fill(2), 11);
    const r = svd(q);
    for (const v of r.s) expect(Math.abs(v - 2)).toBeLessThan(1e-13);
    expect(orthonormalityError(r.u!)).toBeLessThan(1e-12);
    expect(reconstructionError(q, r)).toBeLessThan(1e-12);
  });

  it('a zero matrix has all-zero singular values and orthonormal vectors', () => {
    const r = svd({ rows: 6, cols: 4, data: new Float64Array(24) });
    expect(Array.from(r.s)).toEqual([0, 0, 0, 0]);
    expect(orthonormalityError(r.u!)).toBeLessThan(1e-15);
  });

  it('graded matrices (rows scaled over 12 orders of magnitude) keep every value to 1e-10 relative', () => {
    const s = Array.from({ length: 10 }, (_, i) => 10 ** -i);
    const a = matrixWithSpectrum(10, 10, s, 5);
    const got = svd(a, { vectors: 'none' }).s;
    // Normwise backward stability bounds the absolute error by ~n·ε·s₁: check that, and relative 1e-10 for s ≥ 1e-5.
    for (let i = 0; i < 10; i++) {
      expect(Math.abs(got[i] - s[i])).toBeLessThan(1e-14);
      if (s[i] >= 1e-5) expect(Math.abs(got[i] - s[i]) / s[i]).toBeLessThan(1e-10);
    }
  });

  it('rejects empty, NaN, infinite and mis-shaped input with typed errors', () => {
    expect(errorOf(() => svd({ rows: 0, cols: 3, data: new Float64Array(0) })).code).toBe('DIAGNOSTICS_EMPTY');
    expect(errorOf(() => svd({ rows: 2, cols: 2, data: Float64Array.of(1, NaN, 0, 1) })).code).toBe('DIAGNOSTICS_NOT_FINITE');
    expect(errorOf(() => svd({ rows: 2, cols: 2, data: Float64Array.of(1, 0, Infinity, 1) })).code).toBe('DIAGNOSTICS_NOT_FINITE');
    expect(errorOf(() => svd({ rows: 2, cols: 3, data: new Float64Array(5) })).code).toBe('SHAPE_MISMATCH');
    expect(() => svd({ rows: 2, cols: 2, data: Float64Array.of(1, 0, -Infinity, 1) })).toThrow(/\[1, 0\] is -Infinity/);
  });
});
