import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../rng.js';
import { maxAbsDifference, randomRotationBatch, rotateOneByOne } from '../testing.js';
import { bidiagonalSvd } from './bdsqr.js';
import { applyRotationBatch, RotationLog } from './rotation-batch.js';

describe('batched rotations (TypeScript applier) vs one rotation at a time (float64, agree to 1e-14; in fact bit for bit)', () => {
  for (const [vectors, len] of [[12, 1], [30, 7], [40, 64], [25, 200]]) {
    it(`${vectors} vectors of length ${len}, blocks crossing the vector length`, () => {
      const rng = new SeededRandom(vectors * 1000 + len);
      const batch = randomRotationBatch(rng, vectors, 60);
      const a = Float64Array.from({ length: vectors * len }, () => rng.normal());
      const ref = a.slice();
      rotateOneByOne(batch, ref, len);
      applyRotationBatch(batch, a, len);
      expect(maxAbsDifference(a, ref)).toBeLessThanOrEqual(1e-14);
      expect(maxAbsDifference(a, ref.map(() => 0))).toBeGreaterThan(0.1);
    });
  }

  it('a RotationLog that flushes every few sweeps gives the one-by-one result (1e-14)', () => {
    const rng = new SeededRandom(5);
    const [vectors, len] = [20, 33];
    const batch = randomRotationBatch(rng, vectors, 80);
    const a = Float64Array.from({ length: vectors * len }, () => rng.normal());
    const [original, ref] = [a.slice(), a.slice()];
    rotateOneByOne(batch, ref, len);
    const log = new RotationLog(a, len, 'test.rotations', 12);
    for (let k = 0, o = 0; k < batch.sweeps; o += batch.count[k], k++) {
      const n = batch.count[k];
      if (n === 1 && batch.forward[k]) log.recordPair(batch.first[k], batch.c[o], batch.s[o]);
      else log.record(batch.first[k], n, batch.c.subarray(o, o + n), batch.s.subarray(o, o + n), batch.forward[k] === 1);
    }
    expect(maxAbsDifference(a, original)).toBeGreaterThan(0); // capacity 12: batches were applied while recording
    log.flush();
    expect(maxAbsDifference(a, ref)).toBeLessThanOrEqual(1e-14);
  });

  it('bidiagonalSvd: the batch size never changes the vectors (bit for bit) nor the values', () => {
    const rng = new SeededRandom(9);
    const n = 70;
    const d0 = Float64Array.from({ length: n }, () => rng.normal());
    const e0 = Float64Array.from({ length: n - 1 }, () => rng.normal());
    const run = (batchRotations?: number) => {
      const d = d0.slice();
      const u = new Float64Array(n * (n + 3));
      const v = new Float64Array(n * n);
      for (let i = 0; i < n; i++) [u[i * (n + 3) + i], v[i * n + i]] = [1, 1];
      bidiagonalSvd(n, d, e0.slice(), { u, uLen: n + 3, v, vLen: n, batchRotations });
      return { d, u, v };
    };
    const [whole, small] = [run(), run(50)];
    expect(small.d).toEqual(whole.d);
    expect(maxAbsDifference(small.u, whole.u)).toBe(0);
    expect(maxAbsDifference(small.v, whole.v)).toBe(0);
    // B = U diag(d) Vᵀ: column i of the bidiagonal, B[i][i] = d0[i], B[i-1][i] = e0[i-1] (to 1e-13 relative)
    let worst = 0;
    for (let r = 0; r < n; r++) {
      for (let col = 0; col < n; col++) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += whole.u[k * (n + 3) + r] * whole.d[k] * whole.v[k * n + col];
        const b = r === col ? d0[r] : r === col - 1 ? e0[r] : 0;
        worst = Math.max(worst, Math.abs(sum - b));
      }
    }
    expect(worst).toBeLessThanOrEqual(1e-13 * whole.d[0]);
  });
});
