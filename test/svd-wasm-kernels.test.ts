// Core's diagnostics run their large float64 products on the registered kernels' gemmF64 (wasm) and on
// core's TypeScript GEMM otherwise: the same SVDs either way, to 1e-12 relative per singular value. Today
// both GEMMs sum each entry over k in the same order (256-deep blocks) and the values come out identical;
// the bound leaves room for kernels that round differently (the matrices here have condition numbers
// below ~100, so a few ulps of difference in the products move each value by far less).
import { lowRankSvd, randomizedSvd, svd } from '@multilora/core';
import { loadWasmKernelsSync } from '@multilora/wasm-kernels';
import { describe, expect, it } from 'vitest';
import { gaussianMatrix as gaussian } from '../packages/core/src/diagnostics/testing.js';
import { withAndWithout } from './fixtures/kernel-runs.js';

function maxRelativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.abs(b[i]));
  return worst;
}

for (const simd of [true, false]) {
  const kernels = loadWasmKernelsSync({ simd });
  describe(`diagnostics with ${kernels.name} gemmF64 registered vs core's TypeScript GEMM (1e-12 relative)`, () => {
    it('dense SVD of a 300 × 200 Gaussian matrix (blocked bidiagonalisation: its trailing updates run on wasm)', () => {
      const a = gaussian(300, 200, 1);
      const { core: ts, kernel: wasm, calls } = withAndWithout(kernels, 'gemmF64', () => svd(a, { vectors: 'none' }).s);
      expect(calls).toBeGreaterThan(0);
      expect(ts[0]).toBeLessThan(100 * ts[199]); // the conditioning the tolerance assumes
      expect(maxRelativeDifference(wasm, ts)).toBeLessThanOrEqual(1e-12);
    });

    it('low-rank SVD of a 1500 × 1200 product of rank 48 (blocked QRs of both factors)', () => {
      const left = gaussian(1500, 48, 2);
      const right = gaussian(48, 1200, 3);
      const { core: ts, kernel: wasm, calls } = withAndWithout(kernels, 'gemmF64', () => lowRankSvd({ left, right }, { vectors: 'none' }).s);
      expect(calls).toBeGreaterThan(0);
      expect(ts.length).toBe(48);
      expect(maxRelativeDifference(wasm, ts)).toBeLessThanOrEqual(1e-12);
    });

    it('randomized SVD (rank 20) of a 400 × 300 Gaussian matrix (sketches and power iterations)', () => {
      const a = gaussian(400, 300, 4);
      const { core: ts, kernel: wasm, calls } = withAndWithout(kernels, 'gemmF64', () => randomizedSvd(a, { rank: 20, seed: 5 }).s);
      expect(calls).toBeGreaterThan(0);
      expect(maxRelativeDifference(wasm, ts)).toBeLessThanOrEqual(1e-12);
    });
  });
}
