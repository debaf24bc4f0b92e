import {
  assertClose,
  float32Tolerance,
  fromFusedB,
  randomFloat32,
  randomModule,
  referenceBackward,
  referenceDeltaWeight,
  referenceForward,
  toFusedB,
} from '@multilora/core';
import { describe, expect, it } from 'vitest';
import { loadWasmKernelsSync } from './index.js';

// Every float32 result is compared with core's float64 reference (referenceForward, referenceBackward,
// referenceDeltaWeight) under core's float32Tolerance(depth): max abs error ≤ 1e-5 · √depth · (1 + max |reference|),
// depth = the number of products summed along the result's chain of contractions.

function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = w[i * cols + j];
  return t;
}

interface Case {
  tokens: number;
  inFeatures: number;
  outFeatures: number;
  n: number;
  r: number;
}

// sizes not divisible by 4, one-row inputs, r = 1, n = 1, and a case crossing the GEMM's KC = 256 block
const cases: Case[] = [
  { tokens: 5, inFeatures: 7, outFeatures: 9, n: 3, r: 2 },
  { tokens: 1, inFeatures: 13, outFeatures: 6, n: 2, r: 3 },
  { tokens: 4, inFeatures: 10, outFeatures: 11, n: 4, r: 1 },
  { tokens: 3, inFeatures: 5, outFeatures: 3, n: 1, r: 4 },
  { tokens: 1, inFeatures: 1, outFeatures: 1, n: 1, r: 1 },
  { tokens: 17, inFeatures: 33, outFeatures: 21, n: 3, r: 5 },
  { tokens: 9, inFeatures: 261, outFeatures: 19, n: 2, r: 6 },
];
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

for (const simd of [true, false]) {
  const kernels = loadWasmKernelsSync({ simd });

  describe(`${kernels.name} fusedForward and fusedBackward vs the float64 reference`, () => {
    let seed = simd ? 1000 : 3000;
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
            assertClose(z, z64, float32Tolerance(c.inFeatures), 'z');

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
      expect(() => kernels.fusedBackward({ ...fused, x, dy: new Float32Array(44) })).toThrow(/dy has 44 elements; expected 45/);
      expect(() => kernels.deltaWeight({ ...fused, scale: new Float32Array(3) })).toThrow(/scale has 3 elements; expected 27/);
    });
  });

  describe(`${kernels.name} deltaWeight vs referenceDeltaWeight`, () => {
    let seed = simd ? 5000 : 7000;
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

    it('merge then unmerge restores W0 to within float32 rounding (bound: 2 roundings × ½ ulp of max|W0 + ΔW|)', () => {
      const c = cases[5];
      const { fused } = setup(c, 'channel', 'none', 77);
      const w0 = randomFloat32(c.outFeatures * c.inFeatures, 78);
      const w = w0.slice();
      kernels.deltaWeight({ ...fused, out: w, accumulate: true });
      const maxMerged = Math.max(...w.map(Math.abs));
      expect(w.some((v, i) => v !== w0[i])).toBe(true);
      kernels.deltaWeight({ ...fused, out: w, accumulate: true, sign: -1 });
      const maxErr = Math.max(...w.map((v, i) => Math.abs(v - w0[i])));
      // W0 ± ΔW is rounded to float32 once per pass (here n·r < KC: ΔW is summed in registers, then added once)
      expect(maxErr).toBeLessThanOrEqual(2 * 2 ** -24 * maxMerged);
    });
  });
}
