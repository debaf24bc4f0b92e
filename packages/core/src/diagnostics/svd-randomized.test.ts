import { describe, expect, it } from 'vitest';
import { MultiLoraError } from '../errors.js';
import { svd } from './svd-dense.js';
import { randomizedSvd } from './svd-randomized.js';
import { matrixWithSpectrum, orthonormalityError } from './testing.js';

describe('randomizedSvd: top-k with an a-posteriori error bound', () => {
  // Spectrum decaying as 0.7^j: the top 8 are resolved to ~1e-10 after 4 power iterations.
  const spectrum = Array.from({ length: 40 }, (_, j) => 10 * 0.7 ** j);
  const a = matrixWithSpectrum(120, 90, spectrum, 21);

  it('top-8 singular values match the exact ones to 1e-9 relative; U, V orthonormal to 1e-12', () => {
    const r = randomizedSvd(a, { rank: 8, powerIterations: 4, seed: 1 });
    expect(r.s.length).toBe(8);
    for (let i = 0; i < 8; i++) expect(Math.abs(r.s[i] - spectrum[i]) / spectrum[i]).toBeLessThan(1e-9);
    expect(orthonormalityError(r.u)).toBeLessThan(1e-12);
    expect(orthonormalityError(r.v)).toBeLessThan(1e-12);
  });

  it('errorBound ≥ the true ‖A − U S Vᵀ‖₂ (= σ₉ here), errorEstimate within 2× of the true ‖·‖_F, nextSingularValue ≈ σ₉', () => {
    const r = randomizedSvd(a, { rank: 8, powerIterations: 4, seed: 2 });
    const residual = new Float64Array(a.data);
    for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) {
      let x = 0;
      for (let q = 0; q < 8; q++) x += r.u.data[i * 8 + q] * r.s[q] * r.v.data[j * 8 + q];
      residual[i * a.cols + j] -= x;
    }
    const exact = svd({ rows: a.rows, cols: a.cols, data: residual }, { vectors: 'none' }).s;
    const frob = Math.sqrt(exact.reduce((acc, v) => acc + v * v, 0));
    expect(Math.abs(exact[0] - spectrum[8]) / spectrum[8]).toBeLessThan(1e-6);
    expect(r.errorBound).toBeGreaterThanOrEqual(exact[0]);
    expect(r.errorBound).toBeLessThan(100 * exact[0]);
    expect(r.errorEstimate).toBeGreaterThan(frob / 2);
    expect(r.errorEstimate).toBeLessThan(frob * 2);
    expect(Math.abs(r.nextSingularValue - spectrum[8]) / spectrum[8]).toBeLessThan(1e-3);
    expect(r.failureProbability).toBe(1e-10);
  });

  it('is deterministic for a seed and clamps the rank to min(m, n)', () => {
    const small = matrixWithSpectrum(6, 4, [3, 2, 1, 0.5], 3);
    const r1 = randomizedSvd(small, { rank: 10, seed: 5 });
    const r2 = randomizedSvd(small, { rank: 10, seed: 5 });
    expect(r1.s.length).toBe(4);
    expect(Array.from(r1.s)).toEqual(Array.from(r2.s));
    // Full rank captured: the residual is rounding only (bound ≤ 1e-12 · s₁).
    expect(r1.errorBound).toBeLessThan(1e-12 * 3);
  });

  it('rejects invalid options with INVALID_CONFIG', () => {
    expect(() => randomizedSvd(a, { rank: 0 })).toThrow(MultiLoraError);
    expect(() => randomizedSvd(a, { rank: 3, powerIterations: -1 })).toThrow(/powerIterations/);
  });
});
