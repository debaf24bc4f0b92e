import { describe, expect, it } from 'vitest';
import { randomFloat32, randomFloat64 } from '../testing.js';
import { fromFusedB, toFusedB } from './layout.js';

// Layout changes move values without arithmetic: every comparison here is exact (tolerance 0).
describe('toFusedB / fromFusedB', () => {
  const shapes = [
    [3, 5, 2],
    [1, 4, 3],
    [4, 1, 1],
    [2, 7, 5],
  ];
  for (const [n, out, r] of shapes) {
    it(`n=${n} out=${out} r=${r}: B_cat[o, i·r + j] = B[i, o, j], and the round trip is exact`, () => {
      const b = randomFloat32(n * out * r, n * 100 + out * 10 + r);
      const fused = toFusedB(b, n, out, r);
      expect(fused).toBeInstanceOf(Float32Array);
      expect(fused).not.toBe(b);
      for (let i = 0; i < n; i++)
        for (let o = 0; o < out; o++) for (let j = 0; j < r; j++) expect(fused[o * n * r + i * r + j]).toBe(b[(i * out + o) * r + j]);
      expect(Array.from(fromFusedB(fused, n, out, r))).toEqual(Array.from(b));
      const other = randomFloat32(out * n * r, 3);
      expect(Array.from(toFusedB(fromFusedB(other, n, out, r), n, out, r))).toEqual(Array.from(other));
    });
  }

  it('keeps float64 as float64 and does not modify its input', () => {
    const b = randomFloat64(2 * 3 * 4, 1);
    const copy = b.slice();
    const fused = toFusedB(b, 2, 3, 4);
    expect(fused).toBeInstanceOf(Float64Array);
    expect(Array.from(b)).toEqual(Array.from(copy));
    expect(fromFusedB(fused, 2, 3, 4)).toBeInstanceOf(Float64Array);
  });

  it('is the identity for n = 1 (B_1 is already [out, r]) and a true permutation for n > 1', () => {
    const b = randomFloat32(5 * 3, 2);
    expect(Array.from(toFusedB(b, 1, 5, 3))).toEqual(Array.from(b));
    const b2 = randomFloat32(2 * 5 * 3, 4);
    const fused = toFusedB(b2, 2, 5, 3);
    expect(Array.from(fused)).not.toEqual(Array.from(b2));
    expect(Array.from(fused).sort()).toEqual(Array.from(b2).sort());
  });
});
