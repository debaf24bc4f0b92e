// Core's diagnostics run their large float64 products on the registered kernels' gemmF64 (wasm) and on
// core's TypeScript GEMM otherwise: the same SVDs either way, to 1e-12 relative per singular value. Today
// both GEMMs sum each entry over k in the same order (256-deep blocks) and the values come out identical;
// the bound leaves room for kernels that round differently (the matrices here have condition numbers
// below ~100, so a few ulps of difference in the products move each value by far less).
import { lowRankSvd, randomizedSvd, registerKernels, SeededRandom, svd, type DenseMatrix } from '@multilora/core';
import { loadWasmKernelsSync } from '@multilora/wasm-kernels';
import { describe, expect, it } from 'vitest';

function gaussian(rows: number, cols: number, seed: number): DenseMatrix {
  const rng = new SeededRandom(seed);
  return { rows, cols, data: Float64Array.from({ length: rows * cols }, () => rng.normal()) };
}

/** Runs `f` with core's TypeScript GEMM, then with the wasm module registered; returns both and the wasm gemmF64 calls. */
function withAndWithout<T>(simd: boolean, f: () => T): { ts: T; wasm: T; calls: number } {
  const ts = f();
  const kernels = loadWasmKernelsSync({ simd });
  let calls = 0;
  const unregister = registerKernels({
    ...kernels,
    gemmF64: (...args) => {
      calls++;
      kernels.gemmF64(...args);
    },
  });
  try {
    return { ts, wasm: f(), calls };
  } finally {
    unregister();
  }
}

function maxRelativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.abs(b[i]));
  return worst;
}

for (const simd of [true, false]) {
  describe(`diagnostics with ${simd ? 'wasm-simd' : 'wasm-scalar'} gemmF64 registered vs core's TypeScript GEMM (1e-12 relative)`, () => {
    it('dense SVD of a 300 × 200 Gaussian matrix (blocked bidiagonalisation: its trailing updates run on wasm)', () => {
      const a = gaussian(300, 200, 1);
      const { ts, wasm, calls } = withAndWithout(simd, () => svd(a, { vectors: 'none' }).s);
      expect(calls).toBeGreaterThan(0);
      expect(ts[0]).toBeLessThan(100 * ts[199]); // the conditioning the tolerance assumes
      expect(maxRelativeDifference(wasm, ts)).toBeLessThanOrEqual(1e-12);
    });

    it('low-rank SVD of a 1500 × 1200 product of rank 48 (blocked QRs of both factors)', () => {
      const left = gaussian(1500, 48, 2);
      const right = gaussian(48, 1200, 3);
      const { ts, wasm, calls } = withAndWithout(simd, () => lowRankSvd({ left, right }, { vectors: 'none' }).s);
      expect(calls).toBeGreaterThan(0);
      expect(ts.length).toBe(48);
      expect(maxRelativeDifference(wasm, ts)).toBeLessThanOrEqual(1e-12);
    });

    it('randomized SVD (rank 20) of a 400 × 300 Gaussian matrix (sketches and power iterations)', () => {
      const a = gaussian(400, 300, 4);
      const { ts, wasm, calls } = withAndWithout(simd, () => randomizedSvd(a, { rank: 20, seed: 5 }).s);
      expect(calls).toBeGreaterThan(0);
      expect(maxRelativeDifference(wasm, ts)).toBeLessThanOrEqual(1e-12);
    });
  });
}
