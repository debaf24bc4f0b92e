import { describe, expect, it } from 'vitest';
import { intruderDimensions } from './intruders.js';
import type { DenseMatrix } from './matrix.js';
import { svd } from './svd-dense.js';
import { matrixWithSpectrum, orthonormalColumns } from './testing.js';

function add(a: DenseMatrix, b: DenseMatrix): DenseMatrix {
  return { rows: a.rows, cols: a.cols, data: a.data.map((v, i) => v + b.data[i]) };
}

describe('intruderDimensions (Shuttleworth et al. 2024; k = 10, ε = 0.5 by default)', () => {
  // W0 with a well-separated spectrum, so its singular vectors are stable under small updates.
  const w0 = matrixWithSpectrum(64, 48, Array.from({ length: 48 }, (_, j) => 10 * 0.9 ** j), 1);

  it('a small update has no intruders: every top-10 vector has |cos| > 0.99 with a vector of W0', () => {
    const delta = matrixWithSpectrum(64, 48, [1e-3, 5e-4], 2);
    const r = intruderDimensions(w0, add(w0, delta));
    expect(r).toMatchObject({ k: 10, epsilon: 0.5, count: 0 });
    for (const c of r.candidates) expect(c.maxCosine).toBeGreaterThan(0.99);
  });

  it('a strong rank-1 update along a random direction becomes the top vector and is an intruder', () => {
    // x is random in R^64: its largest |cos| with the 48 left singular vectors of W0 is ≈ √(2 ln 48 / 64) ≈ 0.35.
    const x = orthonormalColumns(64, 1, 3);
    const y = orthonormalColumns(48, 1, 4);
    const spike: DenseMatrix = { rows: 64, cols: 48, data: new Float64Array(64 * 48) };
    for (let i = 0; i < 64; i++) for (let j = 0; j < 48; j++) spike.data[i * 48 + j] = 30 * x.data[i] * y.data[j];
    const tuned = add(w0, spike);
    const r = intruderDimensions(w0, tuned, { k: 3 });
    expect(r.candidates[0].intruder).toBe(true);
    expect(r.count).toBeGreaterThanOrEqual(1);
    // maxCosine equals the brute-force max_j |u0_jᵀ u_0| (tolerance 1e-12).
    const u0 = svd(w0, { vectors: 'left' }).u!;
    const u = svd(tuned, { vectors: 'left' }).u!;
    let best = 0;
    for (let j = 0; j < u0.cols; j++) {
      let d = 0;
      for (let i = 0; i < 64; i++) d += u0.data[i * u0.cols + j] * u.data[i * u.cols];
      best = Math.max(best, Math.abs(d));
    }
    expect(Math.abs(r.candidates[0].maxCosine - best)).toBeLessThan(1e-12);
    expect(r.candidates[0].maxCosine).toBeLessThan(0.5);
  });

  it('accepts a precomputed base SVD and rejects mismatched shapes and bad options', () => {
    const baseSvd = svd(w0, { vectors: 'left' });
    expect(intruderDimensions(w0, w0, { baseSvd, k: 2 }).count).toBe(0);
    expect(() => intruderDimensions(w0, matrixWithSpectrum(48, 64, [1], 5))).toThrow(/\[64, 48\].*\[48, 64\]/);
    expect(() => intruderDimensions(w0, w0, { epsilon: 0 })).toThrow(/epsilon/);
  });
});
