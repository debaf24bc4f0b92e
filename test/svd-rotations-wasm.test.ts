// The wasm kernels' rotateVectorsF64 (core's SVD applies its recorded rotation sweeps to the singular
// vectors with it): conformance of the SIMD and scalar modules against a float64 loop that applies one
// rotation at a time (they agree to 1e-14; in fact bit for bit), and dense SVDs with and without the
// kernels registered: U and V orthonormal and A = U·diag(s)·Vᵀ to 1e-12 relative to s₁, vectors equal.
import { MultiLoraError, SeededRandom, svd, type DenseMatrix } from '@multilora/core';
import { loadWasmKernelsSync } from '@multilora/wasm-kernels';
import { describe, expect, it } from 'vitest';
import {
  gaussianMatrix, matmul, maxAbsDifference, orthonormalityError, randomRotationBatch, reconstructionError, rotateOneByOne,
} from '../packages/core/src/diagnostics/testing.js';
import { withAndWithout } from './fixtures/kernel-runs.js';

for (const simd of [true, false]) {
  const kernels = loadWasmKernelsSync({ simd });
  describe(`${kernels.name} rotateVectorsF64 vs one rotation at a time (float64, 1e-14)`, () => {
    for (const [vectors, len] of [[2, 1], [14, 5], [40, 64], [30, 129], [9, 300]]) {
      it(`${vectors} vectors of length ${len}`, () => {
        const rng = new SeededRandom(vectors * 7 + len);
        const batch = randomRotationBatch(rng, vectors, 50, 11);
        const a = Float64Array.from({ length: vectors * len }, () => rng.normal());
        const ref = a.slice();
        rotateOneByOne(batch, ref, len);
        kernels.rotateVectorsF64(batch, a, len);
        expect(maxAbsDifference(a, ref)).toBeLessThanOrEqual(1e-14);
        expect(maxAbsDifference(ref, ref.map(() => 0))).toBeGreaterThan(0.1);
      });
    }

    it('rejects a sweep that reaches past the last vector (SHAPE_MISMATCH)', () => {
      const batch = randomRotationBatch(new SeededRandom(1), 6, 3, 11);
      batch.first[1] = 5;
      const call = () => kernels.rotateVectorsF64(batch, new Float64Array(6 * 4), 4);
      expect(call).toThrow(MultiLoraError);
      expect(call).toThrow(/sweep 1 rotates vectors 5/);
    });

    it('memory stays flat over repeated calls of the same size', () => {
      const rng = new SeededRandom(3);
      const batch = randomRotationBatch(rng, 60, 400, 11);
      const a = Float64Array.from({ length: 60 * 500 }, () => rng.normal());
      kernels.rotateVectorsF64(batch, a, 500);
      const bytes = kernels.memoryBytes;
      for (let i = 0; i < 20; i++) kernels.rotateVectorsF64(batch, a, 500);
      expect(kernels.memoryBytes).toBe(bytes);
    });
  });

  describe(`dense SVD vectors with ${kernels.name} rotateVectorsF64 registered vs core alone (1e-12 relative to s₁)`, () => {
    const cases: [string, DenseMatrix][] = [
      ['a 160 × 160 Gaussian matrix', gaussianMatrix(160, 160, 11)],
      ['a 90 × 200 Gaussian matrix', gaussianMatrix(90, 200, 12)],
      ['a 150 × 120 matrix of rank 25', matmul(gaussianMatrix(150, 25, 13), gaussianMatrix(25, 120, 14))],
    ];
    for (const [name, a] of cases) {
      it(name, () => {
        const { core, kernel: wasm, calls } = withAndWithout(kernels, 'rotateVectorsF64', () => svd(a, { vectors: 'both' }));
        expect(calls).toBeGreaterThan(0);
        expect(wasm.s).toEqual(core.s);
        for (const r of [core, wasm]) {
          expect(orthonormalityError(r.u!)).toBeLessThanOrEqual(1e-12);
          expect(orthonormalityError(r.v!)).toBeLessThanOrEqual(1e-12);
          expect(reconstructionError(a, r)).toBeLessThanOrEqual(1e-12);
        }
        expect(maxAbsDifference(wasm.u!.data, core.u!.data)).toBeLessThanOrEqual(1e-13);
        expect(maxAbsDifference(wasm.v!.data, core.v!.data)).toBeLessThanOrEqual(1e-13);
      });
    }
  });
}
