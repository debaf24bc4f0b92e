// One conformance suite for every implementation of core's `Kernels` interface: core's TypeScript kernels
// and the wasm kernels (SIMD and scalar modules). Each runs the same cases against the float64 reference
// (referenceForward, referenceBackward, referenceDeltaWeight, and a float64 GEMM below).
//
// Tolerance for every float32 result: max abs error ≤ 1e-5 · √depth · (1 + max |reference|) (core's
// float32Tolerance), where depth is the number of products summed along the result's chain of contractions.
// The optional float64 GEMM (gemmF64) is checked elementwise to 1e-13 relative to |alpha|·Σ|A||B| + |beta·C|.
// Tests specific to one implementation stay beside it (core's kernel registry, the wasm loader and memory).
import { fromFusedB, MultiLoraError, referenceBackward, referenceDeltaWeight, referenceForward, toFusedB, tsKernels, type Kernels, type StridedF64 } from '@multilora/core';
import { assertClose, errorOf, float32Tolerance, randomFloat32, randomFloat64, randomModule } from '@multilora/core/testing';
import { loadWasmKernelsSync } from '@multilora/wasm-kernels';
import { describe, expect, it } from 'vitest';

/** An implementation under test and what differs between implementations: the merge → unmerge bound. */
interface Implementation {
  kernels: Kernels;
  /**
   * How many times one merge plus one unmerge (deltaWeight with accumulate, sign +1 then −1) rounds
   * W0 ± ΔW to float32, for n·r rank-1 terms: the merge → unmerge test allows that many × ½ ulp of max|W0 + ΔW|.
   */
  mergeRoundings: (nr: number) => number;
}

const implementations: Implementation[] = [
  // the axpy kernel adds 4 rank-1 terms per rounding to float32; measured: maxErr = 5.4e-7 (0.55 ulp) for max|W0 + ΔW| = 8.2
  { kernels: tsKernels, mergeRoundings: (nr) => 2 * Math.ceil(nr / 4) },
  // W0 ± ΔW is rounded to float32 once per pass (for n·r < KC = 256: ΔW is summed in registers, then added once)
  { kernels: loadWasmKernelsSync({ simd: true }), mergeRoundings: () => 2 },
  { kernels: loadWasmKernelsSync({ simd: false }), mergeRoundings: () => 2 },
];

function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = w[i * cols + j];
  return t;
}

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

// GEMM shapes chosen for the code paths: m < 4 (wasm's row and dot forms, and its packed path when neither
// applies), edge tiles (m, n not multiples of 4 and 8), wasm blocks crossing MC = 128, KC = 256, NC = 512,
// and the TypeScript GEMM's axpy form crossing B-panel blocks ([3, 250, 300]) and dot form crossing
// B-row blocks ([2, 300, 250]).
const gemmShapes = [
  [1, 1, 1],
  [1, 37, 29],
  [3, 5, 7],
  [4, 8, 1],
  [5, 7, 3],
  [13, 9, 17],
  [3, 250, 300],
  [2, 300, 250],
  [129, 17, 260],
  [6, 521, 9],
];
const gemmScalars = [
  [1, 0],
  [0.75, 1],
  [-1.25, -0.5],
];

interface Case {
  tokens: number;
  inFeatures: number;
  outFeatures: number;
  n: number;
  r: number;
}

// Fused layer sizes: not divisible by 4, one-row inputs, r = 1, n = 1, and a case crossing wasm's GEMM block KC = 256.
const cases: Case[] = [
  { tokens: 5, inFeatures: 7, outFeatures: 9, n: 3, r: 2 },
  { tokens: 1, inFeatures: 13, outFeatures: 6, n: 2, r: 3 },
  { tokens: 4, inFeatures: 10, outFeatures: 11, n: 4, r: 1 },
  { tokens: 3, inFeatures: 5, outFeatures: 3, n: 1, r: 4 },
  { tokens: 1, inFeatures: 1, outFeatures: 1, n: 1, r: 1 },
  { tokens: 17, inFeatures: 33, outFeatures: 21, n: 3, r: 5 },
  { tokens: 9, inFeatures: 261, outFeatures: 19, n: 2, r: 6 },
];
const mergeCase = cases[5];
const baseKinds = ['none', 'out-in', 'in-out', 'out-in+bias', 'bias'] as const;

function setup(c: Case, scaleMode: 'module' | 'channel', baseKind: (typeof baseKinds)[number], seed: number) {
  const m = randomModule({ ...c, scaleMode, gamma: 1.5 }, seed);
  const x = randomFloat32(c.tokens * c.inFeatures, seed + 1);
  const w = randomFloat32(c.outFeatures * c.inFeatures, seed + 2);
  const bias = baseKind.endsWith('bias') ? randomFloat32(c.outFeatures, seed + 3) : undefined;
  const weightInOut = baseKind === 'in-out';
  const weight = baseKind === 'none' || baseKind === 'bias' ? undefined : weightInOut ? transpose(w, c.outFeatures, c.inFeatures) : w;
  const fused = { ...c, scaleMode, gamma: m.gamma, a: m.a, b: toFusedB(m.b, c.n, c.outFeatures, c.r), scale: m.scale };
  return { m, x, fused, base: { weight, weightInOut, bias } };
}

for (const { kernels, mergeRoundings } of implementations) {
  describe(`${kernels.name} gemm (float32 vs float64 reference, 1e-5·√k relative)`, () => {
    let seed = 100;
    for (const [m, n, k] of gemmShapes) {
      it(`m=${m} n=${n} k=${k}, all four transposes, alpha/beta ∈ {(1,0), (0.75,1), (-1.25,-0.5)}`, () => {
        for (const ta of [false, true]) {
          for (const tb of [false, true]) {
            for (const [alpha, beta] of gemmScalars) {
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
      for (const [m, n, k] of [[2, 4, 3], [6, 10, 11]]) {
        const a = randomFloat32(m * k, 1);
        const b = randomFloat32(k * n, 2);
        const expected = gemm64(m, n, k, a, b, false, false, 1, 0, new Float32Array(m * n));
        assertClose(kernels.gemm({ m, n, k, a, b }), expected, float32Tolerance(k), `C [${m}, ${n}]`);
        assertClose(kernels.gemm({ m, n, k, a, b, beta: 3 }), expected, float32Tolerance(k), `C [${m}, ${n}] (beta 3, no c)`);
      }
    });

    it('with alpha = 0 returns beta · C (1e-7 relative)', () => {
      const c0 = randomFloat32(6, 3);
      const c = kernels.gemm({ m: 2, n: 3, k: 4, a: randomFloat32(8, 4), b: randomFloat32(12, 5), alpha: 0, beta: 2, c: c0.slice() });
      assertClose(c, Float64Array.from(c0, (v) => 2 * v), { rtol: 1e-7 }, 'C');
    });

    it('k = 0 gives beta · C exactly, and zeros over NaN with beta = 0', () => {
      const c0 = randomFloat32(15, 3);
      const c = kernels.gemm({ m: 3, n: 5, k: 0, a: new Float32Array(0), b: new Float32Array(0), beta: 2, c: c0.slice() });
      assertClose(c, Float64Array.from(c0, (v) => 2 * v), {}, 'C');
      const zeros = kernels.gemm({ m: 3, n: 5, k: 0, a: new Float32Array(0), b: new Float32Array(0), c: new Float32Array(15).fill(NaN) });
      expect(Array.from(zeros)).toEqual(new Array(15).fill(0));
    });

    it('rejects arrays of the wrong size with SHAPE_MISMATCH naming the operand', () => {
      // errorOf fails the test unless a MultiLoraError is thrown
      const wrongB = errorOf(() => kernels.gemm({ m: 2, n: 3, k: 4, a: new Float32Array(8), b: new Float32Array(11) }));
      const wrongC = errorOf(() => kernels.gemm({ m: 2, n: 3, k: 4, a: new Float32Array(8), b: new Float32Array(12), c: new Float32Array(5) }));
      expect([wrongB.code, wrongC.code]).toEqual(['SHAPE_MISMATCH', 'SHAPE_MISMATCH']);
      expect(wrongB.message).toMatch(/gemm b has 11 elements; expected 12 = \[k=4, n=3\]/);
      expect(wrongC.message).toMatch(/gemm c/);
    });
  });

  describe(`${kernels.name} fusedForward and fusedBackward vs the float64 reference`, () => {
    let seed = 1000;
    for (const scaleMode of ['module', 'channel'] as const) {
      for (const c of cases) {
        it(`${scaleMode}, T=${c.tokens} ${c.inFeatures}→${c.outFeatures} n=${c.n} r=${c.r}, every base kind, z given and recomputed`, () => {
          for (const baseKind of baseKinds) {
            const { m, x, fused, base } = setup(c, scaleMode, baseKind, (seed += 10));
            const nr = c.n * c.r;
            const { y, z } = kernels.fusedForward({ ...fused, ...base, x });
            assertClose(y, referenceForward(m, x, c.tokens, base), float32Tolerance(c.inFeatures + nr), `y (base ${baseKind})`);
            const z64 = new Float64Array(c.tokens * nr);
            for (let t = 0; t < c.tokens; t++)
              for (let k = 0; k < nr; k++) for (let i = 0; i < c.inFeatures; i++) z64[t * nr + k] += x[t * c.inFeatures + i] * m.a[k * c.inFeatures + i];
            assertClose(z, z64, float32Tolerance(c.inFeatures), `z (base ${baseKind})`);

            const dy = randomFloat32(c.tokens * c.outFeatures, seed + 5);
            const ref = referenceBackward(m, x, c.tokens, dy, base);
            const tol = float32Tolerance(c.tokens + c.inFeatures + c.outFeatures + nr);
            for (const zArg of [z, undefined]) {
              const g = kernels.fusedBackward({ ...fused, weight: base.weight, weightInOut: base.weightInOut, x, dy, z: zArg });
              const which = `base ${baseKind}, ${zArg ? 'z given' : 'z recomputed'}`;
              assertClose(g.dx, ref.dx, tol, `dx (${which})`);
              assertClose(g.da, ref.da, tol, `da (${which})`);
              assertClose(fromFusedB(g.db, c.n, c.outFeatures, c.r), ref.db, tol, `db (${which})`);
              assertClose(g.ds, ref.ds, tol, `ds (${which})`);
            }
          }
        });
      }
    }

    it('tokens = 0: empty y, z, dx and zero gradients of A, B and s', () => {
      const { fused } = setup(cases[0], 'channel', 'none', 11);
      const empty = new Float32Array(0);
      const { y, z } = kernels.fusedForward({ ...fused, tokens: 0, x: empty });
      expect([y.length, z.length]).toEqual([0, 0]);
      const g = kernels.fusedBackward({ ...fused, tokens: 0, x: empty, dy: empty });
      expect(g.dx.length).toBe(0);
      for (const grad of [g.da, g.db, g.ds]) expect(grad.every((v) => v === 0)).toBe(true);
    });

    it('writes into a given y (its NaN content ignored) and returns it (1e-5·√20 relative)', () => {
      const { m, x, fused, base } = setup(cases[0], 'module', 'out-in+bias', 7);
      const y = new Float32Array(cases[0].tokens * cases[0].outFeatures).fill(NaN);
      const result = kernels.fusedForward({ ...fused, ...base, x, y });
      expect(result.y).toBe(y);
      assertClose(y, referenceForward(m, x, cases[0].tokens, base), float32Tolerance(20), 'y');
    });

    it('rejects inputs of the wrong size with SHAPE_MISMATCH naming them', () => {
      const { x, fused } = setup(cases[0], 'channel', 'none', 9);
      expect(() => kernels.fusedForward({ ...fused, x: x.subarray(1) })).toThrow(/x has 34 elements; expected 35/);
      expect(() => kernels.fusedForward({ ...fused, x, scale: new Float32Array(3) })).toThrow(/scale has 3 elements; expected 27 = \[n=3, out=9\] \(channel mode\)/);
      expect(() => kernels.fusedBackward({ ...fused, x, dy: new Float32Array(44) })).toThrow(/dy has 44 elements; expected 45/);
      expect(() => kernels.fusedForward({ ...fused, x, weight: new Float32Array(62) })).toThrow(MultiLoraError);
      expect(() => kernels.deltaWeight({ ...fused, scale: new Float32Array(3) })).toThrow(/scale has 3 elements; expected 27/);
    });
  });

  describe(`${kernels.name} deltaWeight vs referenceDeltaWeight`, () => {
    let seed = 5000;
    for (const scaleMode of ['module', 'channel'] as const) {
      for (const c of cases) {
        it(`${scaleMode}, ${c.inFeatures}→${c.outFeatures} n=${c.n} r=${c.r}: out-in and in-out, write / accumulate, sign ±1 (1e-5·√(nr+1) relative)`, () => {
          const { m, fused } = setup(c, scaleMode, 'none', (seed += 10));
          const { inFeatures: inF, outFeatures: out } = c;
          const delta = referenceDeltaWeight(m);
          const tol = float32Tolerance(c.n * c.r + 1);
          const w0 = randomFloat32(out * inF, seed + 1);
          for (const inOut of [false, true]) {
            const ref = inOut ? Float64Array.from(transpose(Float32Array.from(delta), out, inF)) : delta;
            const base = inOut ? transpose(w0, out, inF) : w0;
            // fresh, and into a NaN-filled destination without accumulate
            assertClose(kernels.deltaWeight({ ...fused, inOut }), ref, tol, `ΔW inOut=${inOut}`);
            const dest = new Float32Array(out * inF).fill(NaN);
            expect(kernels.deltaWeight({ ...fused, inOut, out: dest })).toBe(dest);
            assertClose(dest, ref, tol, `ΔW into out, inOut=${inOut}`);
            for (const sign of [1, -1]) {
              const merged = kernels.deltaWeight({ ...fused, inOut, out: base.slice(), accumulate: true, sign });
              const expected = Float64Array.from(base, (v, i) => v + sign * ref[i]);
              assertClose(merged, expected, tol, `W0 ${sign > 0 ? '+' : '−'} ΔW, inOut=${inOut}`);
            }
          }
        });
      }
    }

    const roundings = mergeRoundings(mergeCase.n * mergeCase.r);
    it(`merge then unmerge restores W0 to within float32 rounding (bound: ${roundings} roundings × ½ ulp of max|W0 + ΔW|)`, () => {
      const c = mergeCase;
      const { fused } = setup(c, 'channel', 'none', 77);
      const w0 = randomFloat32(c.outFeatures * c.inFeatures, 78);
      const w = w0.slice();
      kernels.deltaWeight({ ...fused, out: w, accumulate: true });
      const maxMerged = Math.max(...w.map(Math.abs));
      expect(w.some((v, i) => v !== w0[i])).toBe(true);
      kernels.deltaWeight({ ...fused, out: w, accumulate: true, sign: -1 });
      const maxErr = Math.max(...w.map((v, i) => Math.abs(v - w0[i])));
      expect(maxErr).toBeLessThanOrEqual(roundings * 2 ** -24 * maxMerged);
    });
  });
}

// gemmF64 shapes: ones, odd sizes, edge tiles of the 4 × 4 (wasm) and 4 × 3 (TypeScript) micro-kernels, and
// wasm's float64 blocks crossed: MC64 = 64 rows ([130, 17, 260] also crosses KC64 = 256), NC64 = 256 columns.
const gemmF64Shapes = [
  [1, 1, 1],
  [3, 5, 7],
  [5, 3, 1],
  [1, 17, 130],
  [17, 1, 5],
  [130, 17, 260],
  [5, 261, 3],
];
const layouts = ['compact', 'column-major', 'transposed', 'strided'] as const;

/**
 * The [rows, cols] row-major values `v` as a strided operand in one of four layouts: compact column-major,
 * column-major inside a wider array (ld > rows, offset), transposed storage (rows contiguous), and strides
 * of 2 and 2·rows + 1 (neither contiguous). Slots that are not the operand's hold NaN: reading one fails the test.
 */
function stridedOperand(v: Float64Array, rows: number, cols: number, layout: (typeof layouts)[number]): StridedF64 {
  const [offset, rowStride, colStride] = {
    compact: [0, 1, rows],
    'column-major': [3, 1, rows + 2],
    transposed: [1, cols + 3, 1],
    strided: [2, 2, 2 * rows + 1],
  }[layout];
  const data = new Float64Array(offset + rows * rowStride + cols * colStride).fill(NaN);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[offset + i * rowStride + j * colStride] = v[i * cols + j];
  return { data, offset, rowStride, colStride };
}

for (const { kernels } of implementations) {
  describe(`${kernels.name} gemmF64 vs a float64 triple loop (elementwise 1e-13 relative to |alpha|·Σ|A||B| + |beta·C|)`, () => {
    let seed = 9000;
    for (const [m, n, k] of gemmF64Shapes) {
      it(`m=${m} n=${n} k=${k}: every layout of A and B, beta 0 (C filled with NaN) and 1, C inside a wider array`, () => {
        const ldc = m + 2;
        const co = 1;
        for (const la of layouts) {
          for (const lb of layouts) {
            for (const [alpha, beta] of [[1, 0], [-0.75, 1]]) {
              const av = randomFloat64(m * k, seed++);
              const bv = randomFloat64(k * n, seed++);
              const c0 = randomFloat64(co + ldc * n, seed++);
              const c = c0.slice();
              if (beta === 0) for (let j = 0; j < n; j++) c.fill(NaN, co + j * ldc, co + j * ldc + m);
              kernels.gemmF64!(m, n, k, alpha, stridedOperand(av, m, k, la), stridedOperand(bv, k, n, lb), beta, c, co, ldc);
              for (let idx = 0; idx < c.length; idx++) {
                const i = (idx - co) % ldc;
                const j = Math.floor((idx - co) / ldc);
                if (idx < co || i >= m || j >= n) {
                  // outside the [m, n] block: untouched
                  if (!Object.is(c[idx], c0[idx])) expect.fail(`C[${idx}] outside the block changed (A ${la}, B ${lb}, beta ${beta})`);
                  continue;
                }
                let s = 0;
                let scale = 0;
                for (let p = 0; p < k; p++) {
                  s += av[i * k + p] * bv[p * n + j];
                  scale += Math.abs(av[i * k + p] * bv[p * n + j]);
                }
                const expected = alpha * s + beta * c0[idx];
                const bound = 1e-13 * (Math.abs(alpha) * scale + Math.abs(beta * c0[idx]));
                if (!(Math.abs(c[idx] - expected) <= bound)) {
                  expect.fail(`C(${i}, ${j}) = ${c[idx]}, expected ${expected} ± ${bound} (A ${la}, B ${lb}, alpha ${alpha}, beta ${beta})`);
                }
              }
            }
          }
        }
      });
    }

    it('k = 0 and alpha = 0 give beta · C without reading A or B (NaN there), zeros over NaN with beta = 0', () => {
      const nan = { data: new Float64Array(12).fill(NaN), offset: 0, rowStride: 1, colStride: 3 };
      const c0 = randomFloat64(12, 3);
      const c = c0.slice();
      kernels.gemmF64!(3, 4, 0, 1, nan, nan, 2, c, 0, 3);
      expect(Array.from(c)).toEqual(Array.from(c0, (v) => 2 * v));
      kernels.gemmF64!(3, 4, 4, 0, nan, { data: new Float64Array(16).fill(NaN), offset: 0, rowStride: 1, colStride: 4 }, 0.5, c, 0, 3);
      expect(Array.from(c)).toEqual(Array.from(c0, (v) => v));
      const zeros = new Float64Array(12).fill(NaN);
      kernels.gemmF64!(3, 4, 0, 1, nan, nan, 0, zeros, 0, 3);
      expect(Array.from(zeros)).toEqual(new Array(12).fill(0));
    });

    it('rejects operands that do not fit their arrays with SHAPE_MISMATCH naming the operand', () => {
      const op = (length: number, colStride: number): StridedF64 => ({ data: new Float64Array(length), offset: 0, rowStride: 1, colStride });
      const wrongB = errorOf(() => kernels.gemmF64!(2, 3, 4, 1, op(8, 2), op(11, 4), 0, new Float64Array(6), 0, 2));
      const wrongC = errorOf(() => kernels.gemmF64!(2, 3, 4, 1, op(8, 2), op(12, 4), 0, new Float64Array(6), 1, 2));
      const wrongLd = errorOf(() => kernels.gemmF64!(2, 3, 4, 1, op(8, 2), op(12, 4), 0, new Float64Array(6), 0, 1));
      expect([wrongB.code, wrongC.code, wrongLd.code]).toEqual(['SHAPE_MISMATCH', 'SHAPE_MISMATCH', 'SHAPE_MISMATCH']);
      expect(wrongB.message).toMatch(/gemmF64 b \[4, 3\] at offset 0 .* reaches element 11, but its array has 11/);
      expect(wrongC.message).toMatch(/gemmF64 c/);
      expect(wrongLd.message).toMatch(/ldc is 1 for m = 2/);
    });
  });
}

