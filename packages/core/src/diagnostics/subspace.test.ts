import { describe, expect, it } from 'vitest';
import { subspaceSimilarity } from './subspace.js';
import { orthonormalColumns } from './testing.js';

describe('subspaceSimilarity φ(i, j) = ‖U_iᵀ V_j‖_F² / min(i, j)', () => {
  it('equals the direct float64 formula for every (i, j) (tolerance 1e-14)', () => {
    const u = orthonormalColumns(30, 6, 1);
    const v = orthonormalColumns(30, 5, 2);
    const s = subspaceSimilarity(u, v);
    expect([s.rows, s.cols]).toEqual([6, 5]);
    for (let i = 1; i <= 6; i++) for (let j = 1; j <= 5; j++) {
      let sum = 0;
      for (let a = 0; a < i; a++) for (let b = 0; b < j; b++) {
        let d = 0;
        for (let t = 0; t < 30; t++) d += u.data[t * 6 + a] * v.data[t * 5 + b];
        sum += d * d;
      }
      expect(Math.abs(s.phi[(i - 1) * 5 + (j - 1)] - sum / Math.min(i, j))).toBeLessThan(1e-14);
    }
  });

  it('is 1 for a subspace against itself and 0 for orthogonal subspaces', () => {
    const q = orthonormalColumns(12, 8, 3);
    const same = subspaceSimilarity(q, q);
    for (const v of same.phi) expect(Math.abs(v - 1)).toBeLessThan(1e-14);
    const first = { rows: 12, cols: 4, data: new Float64Array(48) };
    const last = { rows: 12, cols: 4, data: new Float64Array(48) };
    for (let t = 0; t < 12; t++) for (let c = 0; c < 4; c++) {
      first.data[t * 4 + c] = q.data[t * 8 + c];
      last.data[t * 4 + c] = q.data[t * 8 + 4 + c];
    }
    for (const v of subspaceSimilarity(first, last).phi) expect(v).toBeLessThan(1e-14);
  });

  it('honours maxRows / maxCols and rejects vectors of different dimension', () => {
    const q = orthonormalColumns(10, 6, 4);
    expect(subspaceSimilarity(q, q, { maxRows: 2, maxCols: 3 })).toMatchObject({ rows: 2, cols: 3 });
    expect(() => subspaceSimilarity(q, orthonormalColumns(9, 3, 5))).toThrow(/dimension 10 and 9/);
  });
});
