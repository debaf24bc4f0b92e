import { describe, expect, it } from 'vitest';
import { fromFusedB, toFusedB } from '../adapter/layout.js';
import { MultiLoraError } from '../errors.js';
import { referenceBackward } from '../math/backward.js';
import { referenceDeltaWeight } from '../math/delta.js';
import { referenceForward } from '../math/forward.js';
import { assertClose, float32Tolerance, randomFloat32, randomModule } from '../testing.js';
import { getKernels, registerKernels } from './registry.js';
import { tsKernels } from './ts-kernels.js';
import type { Kernels } from './types.js';

// Tolerance for every float32 result: max abs error ≤ 1e-5 · √depth · (1 + max |reference|), where depth is
// the number of products summed along the result's chain of contractions (float32Tolerance).

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

describe('tsKernels.gemm (float32 vs float64 reference)', () => {
  const shapes = [
    [1, 1, 1],
    [5, 7, 3],
    [13, 9, 17],
    [3, 250, 300], // axpy form crosses B-panel blocks
    [2, 300, 250], // dot form crosses B-row blocks
  ];
  const scalars = [
    [1, 0],
    [0.75, 1],
    [-1.25, -0.5],
  ];
  let seed = 100;
  for (const [m, n, k] of shapes) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        it(`m=${m} n=${n} k=${k} transA=${ta} transB=${tb}, alpha/beta ∈ {(1,0), (0.75,1), (-1.25,-0.5)}`, () => {
          for (const [alpha, beta] of scalars) {
            const a = randomFloat32(m * k, seed++);
            const b = randomFloat32(k * n, seed++);
            const c0 = randomFloat32(m * n, seed++);
            const expected = gemm64(m, n, k, a, b, ta, tb, alpha, beta, c0);
            const c = c0.slice();
            if (beta === 0) c.fill(NaN); // beta = 0 ignores C's previous content, NaN included
            const result = tsKernels.gemm({ m, n, k, a, b, transA: ta, transB: tb, alpha, beta, c });
            expect(result).toBe(c);
            assertClose(result, expected, float32Tolerance(k), `C (alpha ${alpha}, beta ${beta})`);
          }
        });
      }
    }
  }

  it('allocates C when absent and defaults to alpha 1, beta 0', () => {
    const a = randomFloat32(6, 1);
    const b = randomFloat32(12, 2);
    const c = tsKernels.gemm({ m: 2, n: 4, k: 3, a, b });
    assertClose(c, gemm64(2, 4, 3, a, b, false, false, 1, 0, new Float32Array(8)), float32Tolerance(3), 'C');
  });

  it('with alpha = 0 returns beta · C (1e-7 relative)', () => {
    const c0 = randomFloat32(6, 3);
    const c = tsKernels.gemm({ m: 2, n: 3, k: 4, a: randomFloat32(8, 4), b: randomFloat32(12, 5), alpha: 0, beta: 2, c: c0.slice() });
    assertClose(c, Float64Array.from(c0, (v) => 2 * v), { rtol: 1e-7 }, 'C');
  });

  it('rejects arrays of the wrong size with SHAPE_MISMATCH naming the operand', () => {
    const err = (() => {
      try {
        tsKernels.gemm({ m: 2, n: 3, k: 4, a: new Float32Array(8), b: new Float32Array(11) });
      } catch (e) {
        return e as MultiLoraError;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(MultiLoraError);
    expect(err?.code).toBe('SHAPE_MISMATCH');
    expect(err?.message).toMatch(/gemm b has 11 elements; expected 12 = \[k=4, n=3\]/);
    expect(() => tsKernels.gemm({ m: 2, n: 3, k: 4, a: new Float32Array(8), b: new Float32Array(12), c: new Float32Array(5) })).toThrow(/gemm c/);
  });
});

interface Case {
  tokens: number;
  inFeatures: number;
  outFeatures: number;
  n: number;
  r: number;
}

const cases: Case[] = [
  { tokens: 5, inFeatures: 7, outFeatures: 9, n: 3, r: 2 },
  { tokens: 1, inFeatures: 13, outFeatures: 6, n: 2, r: 3 },
  { tokens: 4, inFeatures: 10, outFeatures: 11, n: 4, r: 1 },
  { tokens: 3, inFeatures: 5, outFeatures: 3, n: 1, r: 4 },
  { tokens: 17, inFeatures: 33, outFeatures: 21, n: 3, r: 5 },
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

describe('tsKernels.fusedForward and fusedBackward vs the float64 reference', () => {
  let seed = 1000;
  for (const scaleMode of ['module', 'channel'] as const) {
    for (const c of cases) {
      for (const baseKind of baseKinds) {
        it(`${scaleMode}, T=${c.tokens} ${c.inFeatures}→${c.outFeatures} n=${c.n} r=${c.r}, base ${baseKind}`, () => {
          const { m, x, fused, base } = setup(c, scaleMode, baseKind, (seed += 10));
          const nr = c.n * c.r;
          const depthY = c.inFeatures + nr;

          const { y, z } = tsKernels.fusedForward({ ...fused, ...base, x });
          assertClose(y, referenceForward(m, x, c.tokens, base), float32Tolerance(depthY), 'y');
          const z64 = new Float64Array(c.tokens * nr);
          for (let t = 0; t < c.tokens; t++)
            for (let k = 0; k < nr; k++) for (let i = 0; i < c.inFeatures; i++) z64[t * nr + k] += x[t * c.inFeatures + i] * m.a[k * c.inFeatures + i];
          assertClose(z, z64, float32Tolerance(c.inFeatures), 'z');

          const dy = randomFloat32(c.tokens * c.outFeatures, seed + 5);
          const ref = referenceBackward(m, x, c.tokens, dy, base);
          const depth = c.tokens + c.inFeatures + c.outFeatures + nr;
          for (const zArg of [z, undefined]) {
            const g = tsKernels.fusedBackward({ ...fused, weight: base.weight, weightInOut: base.weightInOut, x, dy, z: zArg });
            const which = zArg ? 'z given' : 'z recomputed';
            assertClose(g.dx, ref.dx, float32Tolerance(depth), `dx (${which})`);
            assertClose(g.da, ref.da, float32Tolerance(depth), `da (${which})`);
            assertClose(fromFusedB(g.db, c.n, c.outFeatures, c.r), ref.db, float32Tolerance(depth), `db (${which})`);
            assertClose(g.ds, ref.ds, float32Tolerance(depth), `ds (${which})`);
          }
        });
      }
    }
  }

  it('writes into a given y (its NaN content ignored) and returns it', () => {
    const { m, x, fused, base } = setup(cases[0], 'module', 'out-in+bias', 7);
    const y = new Float32Array(cases[0].tokens * cases[0].outFeatures).fill(NaN);
    const result = tsKernels.fusedForward({ ...fused, ...base, x, y });
    expect(result.y).toBe(y);
    assertClose(y, referenceForward(m, x, cases[0].tokens, base), float32Tolerance(20), 'y');
  });

  it('rejects inputs of the wrong size with SHAPE_MISMATCH naming them', () => {
    const { x, fused } = setup(cases[0], 'channel', 'none', 9);
    expect(() => tsKernels.fusedForward({ ...fused, x: x.subarray(1) })).toThrow(/x has 34 elements; expected 35/);
    expect(() => tsKernels.fusedForward({ ...fused, x, scale: new Float32Array(3) })).toThrow(/scale has 3 elements; expected 27 = \[n=3, out=9\] \(channel mode\)/);
    expect(() => tsKernels.fusedBackward({ ...fused, x, dy: new Float32Array(44) })).toThrow(/dy has 44 elements; expected 45/);
    expect(() => tsKernels.fusedForward({ ...fused, x, weight: new Float32Array(62) })).toThrow(MultiLoraError);
  });
});

describe('tsKernels.deltaWeight vs referenceDeltaWeight', () => {
  let seed = 5000;
  for (const scaleMode of ['module', 'channel'] as const) {
    for (const c of cases) {
      it(`${scaleMode}, ${c.inFeatures}→${c.outFeatures} n=${c.n} r=${c.r}: out-in and in-out, write / accumulate, sign ±1`, () => {
        const { m, fused } = setup(c, scaleMode, 'none', (seed += 10));
        const { inFeatures: inF, outFeatures: out } = c;
        const delta = referenceDeltaWeight(m);
        const tol = float32Tolerance(c.n * c.r + 1);
        const w0 = randomFloat32(out * inF, seed + 1);
        for (const inOut of [false, true]) {
          const ref = inOut ? Float64Array.from(transpose(Float32Array.from(delta), out, inF)) : delta;
          const base = inOut ? transpose(w0, out, inF) : w0;
          // fresh and into a NaN-filled destination without accumulate
          assertClose(tsKernels.deltaWeight({ ...fused, inOut }), ref, tol, `ΔW inOut=${inOut}`);
          const dest = new Float32Array(out * inF).fill(NaN);
          expect(tsKernels.deltaWeight({ ...fused, inOut, out: dest })).toBe(dest);
          assertClose(dest, ref, tol, `ΔW into out, inOut=${inOut}`);
          for (const sign of [1, -1]) {
            const merged = tsKernels.deltaWeight({ ...fused, inOut, out: base.slice(), accumulate: true, sign });
            const expected = Float64Array.from(base, (v, i) => v + sign * ref[i]);
            assertClose(merged, expected, tol, `W0 ${sign > 0 ? '+' : '−'} ΔW, inOut=${inOut}`);
          }
        }
      });
    }
  }

  it('merge then unmerge restores W0 to within float32 rounding (bound: 2 passes × ⌈n·r/4⌉ roundings × ½ ulp of max|W0 + ΔW|)', () => {
    const c = cases[4];
    const { fused } = setup(c, 'channel', 'none', 77);
    const w0 = randomFloat32(c.outFeatures * c.inFeatures, 78);
    const w = w0.slice();
    tsKernels.deltaWeight({ ...fused, out: w, accumulate: true });
    const maxMerged = Math.max(...w.map(Math.abs));
    expect(w.some((v, i) => v !== w0[i])).toBe(true);
    tsKernels.deltaWeight({ ...fused, out: w, accumulate: true, sign: -1 });
    const maxErr = Math.max(...w.map((v, i) => Math.abs(v - w0[i])));
    // the axpy kernel adds 4 rank-1 terms per rounding to float32; measured here: maxErr = 5.4e-7 (0.55 ulp) for max|W0 + ΔW| = 8.2
    const roundings = 2 * Math.ceil((c.n * c.r) / 4);
    expect(maxErr).toBeLessThanOrEqual(roundings * 2 ** -24 * maxMerged);
  });
});

describe('kernel registry', () => {
  const fake = (name: string): Kernels => ({ ...tsKernels, name });

  it('getKernels() returns tsKernels when nothing is registered', () => {
    expect(getKernels()).toBe(tsKernels);
    expect(getKernels().name).toBe('ts');
  });

  it('returns a registered kernel, the highest priority (latest on ties), until it is unregistered', () => {
    const a = fake('a');
    const b = fake('b');
    const unA = registerKernels(a);
    expect(getKernels()).toBe(a);
    const unB = registerKernels(b, 5);
    expect(getKernels()).toBe(a); // priority 10 beats 5
    const c = fake('c');
    const unC = registerKernels(c, 10);
    expect(getKernels()).toBe(c); // tie: the latest wins
    unC();
    unA();
    expect(getKernels()).toBe(b);
    unB();
    unB(); // unregistering twice is harmless
    expect(getKernels()).toBe(tsKernels);
  });
});
