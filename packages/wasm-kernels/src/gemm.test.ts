import { assertClose, float32Tolerance, MultiLoraError, randomFloat32 } from '@multilora/core';
import { describe, expect, it } from 'vitest';
import { loadWasmKernelsSync } from './index.js';

// Tolerance for every result: max abs error ≤ 1e-5 · √k · (1 + max |reference|) (core's float32Tolerance),
// against a float64 GEMM on the same float32 inputs.

/** float64 C = alpha op(A) op(B) + beta C. */
function gemm64(m: number, n: number, k: number, a: Float32Array, b: Float32Array, ta: boolean, tb: boolean, alpha: number, beta: number, c: Float32Array): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
      out[i * n + j] = alpha * s + (beta === 0 ? 0 : beta * c[i * n + j]);
    }
  }
  return out;
}

// Shapes chosen for the code paths: m < 4 (row and dot forms, and the packed path when neither
// applies), edge tiles (m, n not multiples of 4 and 8), and blocks crossing MC = 128, KC = 256, NC = 512.
const shapes = [
  [1, 1, 1],
  [1, 37, 29],
  [3, 5, 7],
  [4, 8, 1],
  [5, 7, 3],
  [13, 9, 17],
  [2, 300, 250],
  [129, 17, 260],
  [6, 521, 9],
];
const scalars = [
  [1, 0],
  [0.75, 1],
  [-1.25, -0.5],
];

for (const simd of [true, false]) {
  const kernels = loadWasmKernelsSync({ simd });

  describe(`${kernels.name} gemm (float32 vs float64 reference, 1e-5·√k relative)`, () => {
    let seed = simd ? 100 : 900;
    for (const [m, n, k] of shapes) {
      it(`m=${m} n=${n} k=${k}, all four transposes, alpha/beta ∈ {(1,0), (0.75,1), (-1.25,-0.5)}`, () => {
        for (const ta of [false, true]) {
          for (const tb of [false, true]) {
            for (const [alpha, beta] of scalars) {
              const a = randomFloat32(m * k, seed++);
              const b = randomFloat32(k * n, seed++);
              const c0 = randomFloat32(m * n, seed++);
              const expected = gemm64(m, n, k, a, b, ta, tb, alpha, beta, c0);
              const c = c0.slice();
              if (beta === 0) c.fill(NaN); // beta = 0 ignores C's previous content, NaN included
              const result = kernels.gemm({ m, n, k, a, b, transA: ta, transB: tb, alpha, beta, c });
              expect(result).toBe(c);
              assertClose(result, expected, float32Tolerance(k), `C (transA ${ta}, transB ${tb}, alpha ${alpha}, beta ${beta})`);
            }
          }
        }
      });
    }

    it('allocates C when absent (beta then irrelevant) and defaults to alpha 1, beta 0', () => {
      const a = randomFloat32(6 * 11, 1);
      const b = randomFloat32(11 * 10, 2);
      const expected = gemm64(6, 10, 11, a, b, false, false, 1, 0, new Float32Array(60));
      assertClose(kernels.gemm({ m: 6, n: 10, k: 11, a, b }), expected, float32Tolerance(11), 'C');
      assertClose(kernels.gemm({ m: 6, n: 10, k: 11, a, b, beta: 3 }), expected, float32Tolerance(11), 'C (beta 3, no c)');
    });

    it('k = 0 gives beta · C exactly, and zeros over NaN with beta = 0', () => {
      const c0 = randomFloat32(15, 3);
      const c = kernels.gemm({ m: 3, n: 5, k: 0, a: new Float32Array(0), b: new Float32Array(0), beta: 2, c: c0.slice() });
      assertClose(c, Float64Array.from(c0, (v) => 2 * v), {}, 'C');
      const zeros = kernels.gemm({ m: 3, n: 5, k: 0, a: new Float32Array(0), b: new Float32Array(0), c: new Float32Array(15).fill(NaN) });
      expect(Array.from(zeros)).toEqual(new Array(15).fill(0));
    });

    it('rejects arrays of the wrong size with SHAPE_MISMATCH naming the operand', () => {
      expect(() => kernels.gemm({ m: 2, n: 3, k: 4, a: new Float32Array(8), b: new Float32Array(11) })).toThrow(/gemm b has 11 elements; expected 12/);
      try {
        kernels.gemm({ m: 2, n: 3, k: 4, a: new Float32Array(8), b: new Float32Array(12), c: new Float32Array(5) });
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(MultiLoraError);
        expect((e as MultiLoraError).code).toBe('SHAPE_MISMATCH');
      }
    });
  });
}
