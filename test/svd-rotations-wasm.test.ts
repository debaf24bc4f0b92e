// The wasm kernels' rotateVectorsF64 (core's SVD applies its recorded rotation sweeps to the singular
// vectors with it): conformance of the SIMD and scalar modules against a float64 loop that applies one
// rotation at a time (they agree to 1e-14; in fact bit for bit), and dense SVDs with and without the
// kernels registered: U and V orthonormal and A = U·diag(s)·Vᵀ to 1e-12 relative to s₁, vectors equal.
import { MultiLoraError, registerKernels, SeededRandom, svd, type DenseMatrix, type RotationBatchF64 } from '@multilora/core';
import { loadWasmKernelsSync } from '@multilora/wasm-kernels';
import { describe, expect, it } from 'vitest';

function randomBatch(rng: SeededRandom, vectors: number, sweeps: number): RotationBatchF64 {
  const first = new Int32Array(sweeps);
  const count = new Int32Array(sweeps);
  const forward = new Uint8Array(sweeps);
  const c: number[] = [];
  const s: number[] = [];
  for (let k = 0; k < sweeps; k++) {
    count[k] = 1 + Math.floor(rng.next() * Math.min(11, vectors - 1));
    first[k] = Math.floor(rng.next() * (vectors - count[k]));
    forward[k] = rng.next() < 0.5 ? 1 : 0;
    for (let j = 0; j < count[k]; j++) {
      const angle = rng.next() < 0.1 ? 0 : 2 * Math.PI * rng.next();
      c.push(Math.cos(angle));
      s.push(Math.sin(angle));
    }
  }
  return { sweeps, first, count, forward, c: Float64Array.from(c), s: Float64Array.from(s) };
}

/** float64 reference: each rotation on its own, in order (y ← c·y − s·x, x ← s·y + c·x). */
function rotateOneByOne(batch: RotationBatchF64, a: Float64Array, len: number): void {
  for (let k = 0, o = 0; k < batch.sweeps; o += batch.count[k], k++) {
    const n = batch.count[k];
    for (let t = 0; t < n; t++) {
      const j = batch.forward[k] ? t : n - 1 - t;
      const x = (batch.first[k] + j) * len;
      const y = x + len;
      for (let i = 0; i < len; i++) {
        const [u, w] = [a[x + i], a[y + i]];
        a[y + i] = batch.c[o + j] * w - batch.s[o + j] * u;
        a[x + i] = batch.s[o + j] * w + batch.c[o + j] * u;
      }
    }
  }
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

function gaussian(rows: number, cols: number, seed: number): DenseMatrix {
  const rng = new SeededRandom(seed);
  return { rows, cols, data: Float64Array.from({ length: rows * cols }, () => rng.normal()) };
}

function lowRank(rows: number, cols: number, rank: number, seed: number): DenseMatrix {
  const [l, r] = [gaussian(rows, rank, seed), gaussian(rank, cols, seed + 1)];
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let p = 0; p < rank; p++) for (let j = 0; j < cols; j++) data[i * cols + j] += l.data[i * rank + p] * r.data[p * cols + j];
  return { rows, cols, data };
}

/** max |QᵀQ − I| over the columns of the row-major [rows, k] matrix. */
function orthonormalityError(q: DenseMatrix): number {
  let worst = 0;
  for (let a = 0; a < q.cols; a++) {
    for (let b = 0; b <= a; b++) {
      let dot = 0;
      for (let i = 0; i < q.rows; i++) dot += q.data[i * q.cols + a] * q.data[i * q.cols + b];
      worst = Math.max(worst, Math.abs(dot - (a === b ? 1 : 0)));
    }
  }
  return worst;
}

function reconstructionError(a: DenseMatrix, u: DenseMatrix, s: Float64Array, v: DenseMatrix): number {
  let worst = 0;
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < a.cols; j++) {
      let sum = 0;
      for (let k = 0; k < s.length; k++) sum += u.data[i * u.cols + k] * s[k] * v.data[j * v.cols + k];
      worst = Math.max(worst, Math.abs(sum - a.data[i * a.cols + j]));
    }
  }
  return worst;
}

for (const simd of [true, false]) {
  const kernels = loadWasmKernelsSync({ simd });
  describe(`${kernels.name} rotateVectorsF64 vs one rotation at a time (float64, 1e-14)`, () => {
    for (const [vectors, len] of [[2, 1], [14, 5], [40, 64], [30, 129], [9, 300]]) {
      it(`${vectors} vectors of length ${len}`, () => {
        const rng = new SeededRandom(vectors * 7 + len);
        const batch = randomBatch(rng, vectors, 50);
        const a = Float64Array.from({ length: vectors * len }, () => rng.normal());
        const ref = a.slice();
        rotateOneByOne(batch, ref, len);
        kernels.rotateVectorsF64(batch, a, len);
        expect(maxAbsDifference(a, ref)).toBeLessThanOrEqual(1e-14);
        expect(maxAbsDifference(ref, ref.map(() => 0))).toBeGreaterThan(0.1);
      });
    }

    it('rejects a sweep that reaches past the last vector (SHAPE_MISMATCH)', () => {
      const batch = randomBatch(new SeededRandom(1), 6, 3);
      batch.first[1] = 5;
      const call = () => kernels.rotateVectorsF64(batch, new Float64Array(6 * 4), 4);
      expect(call).toThrow(MultiLoraError);
      expect(call).toThrow(/sweep 1 rotates vectors 5/);
    });

    it('memory stays flat over repeated calls of the same size', () => {
      const rng = new SeededRandom(3);
      const batch = randomBatch(rng, 60, 400);
      const a = Float64Array.from({ length: 60 * 500 }, () => rng.normal());
      kernels.rotateVectorsF64(batch, a, 500);
      const bytes = kernels.memoryBytes;
      for (let i = 0; i < 20; i++) kernels.rotateVectorsF64(batch, a, 500);
      expect(kernels.memoryBytes).toBe(bytes);
    });
  });

  describe(`dense SVD vectors with ${kernels.name} rotateVectorsF64 registered vs core alone (1e-12 relative to s₁)`, () => {
    const cases: [string, DenseMatrix][] = [
      ['a 160 × 160 Gaussian matrix', gaussian(160, 160, 11)],
      ['a 90 × 200 Gaussian matrix', gaussian(90, 200, 12)],
      ['a 150 × 120 matrix of rank 25', lowRank(150, 120, 25, 13)],
    ];
    for (const [name, a] of cases) {
      it(name, () => {
        const core = svd(a, { vectors: 'both' });
        let calls = 0;
        const unregister = registerKernels({
          ...kernels,
          rotateVectorsF64: (...args) => {
            calls++;
            kernels.rotateVectorsF64(...args);
          },
        });
        let wasm: ReturnType<typeof svd>;
        try {
          wasm = svd(a, { vectors: 'both' });
        } finally {
          unregister();
        }
        expect(calls).toBeGreaterThan(0);
        expect(wasm.s).toEqual(core.s);
        for (const r of [core, wasm]) {
          const s1 = r.s[0];
          expect(orthonormalityError(r.u!)).toBeLessThanOrEqual(1e-12);
          expect(orthonormalityError(r.v!)).toBeLessThanOrEqual(1e-12);
          expect(reconstructionError(a, r.u!, r.s, r.v!)).toBeLessThanOrEqual(1e-12 * s1);
        }
        expect(maxAbsDifference(wasm.u!.data, core.u!.data)).toBeLessThanOrEqual(1e-13);
        expect(maxAbsDifference(wasm.v!.data, core.v!.data)).toBeLessThanOrEqual(1e-13);
      });
    }
  });
}
