import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config.js';
import { MultiLoraError } from '../errors.js';
import { initModule } from '../init.js';
import { compareToReference, randomFloat64, randomModule } from '../testing.js';
import { referenceForward, referenceForwardLoop } from './forward.js';
import type { ReferenceBase, ReferenceModule } from './reference-module.js';

/** A float64 copy of a random module (exact arithmetic on its values). */
function module64(shape: Parameters<typeof randomModule>[0], seed: number): ReferenceModule {
  const m = randomModule(shape, seed);
  return { ...m, a: Float64Array.from(m.a), b: Float64Array.from(m.b), scale: Float64Array.from(m.scale) };
}

/** Y = X W0ᵀ + bias by hand, summing over `in` in index order (as the reference does). */
function baseOnly(x: Float64Array, tokens: number, inF: number, out: number, w: Float64Array, bias: Float64Array): Float64Array {
  const y = new Float64Array(tokens * out);
  for (let t = 0; t < tokens; t++) {
    for (let o = 0; o < out; o++) {
      let acc = 0;
      for (let c = 0; c < inF; c++) acc += w[o * inF + c] * x[t * inF + c];
      y[t * out + o] = acc + bias[o];
    }
  }
  return y;
}

function transpose(w: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(w.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = w[i * cols + j];
  return t;
}

describe('referenceForwardLoop and referenceForward', () => {
  const cases = [
    { n: 3, r: 2, inFeatures: 7, outFeatures: 5, tokens: 4 },
    { n: 1, r: 1, inFeatures: 3, outFeatures: 2, tokens: 1 },
    { n: 4, r: 3, inFeatures: 6, outFeatures: 9, tokens: 3 },
  ];
  for (const scaleMode of ['module', 'channel'] as const) {
    for (const c of cases) {
      it(`agree within 1e-12 relative (${scaleMode}, n=${c.n}, r=${c.r}, ${c.inFeatures}→${c.outFeatures}, T=${c.tokens}), with and without base`, () => {
        const m = module64({ ...c, scaleMode, gamma: 1.75 }, 11 + c.n);
        const x = randomFloat64(c.tokens * c.inFeatures, 5);
        const weight = randomFloat64(c.outFeatures * c.inFeatures, 6);
        const bias = randomFloat64(c.outFeatures, 7);
        const bases: (ReferenceBase | undefined)[] = [
          undefined,
          { weight, bias },
          { weight: transpose(weight, c.outFeatures, c.inFeatures), weightInOut: true, bias },
        ];
        for (const base of bases) {
          const loop = referenceForwardLoop(m, x, c.tokens, base);
          const fused = referenceForward(m, x, c.tokens, base);
          expect(compareToReference(fused, loop, { rtol: 1e-12 }).ok).toBe(true);
          expect(Math.max(...loop.map(Math.abs))).toBeGreaterThan(0.1);
        }
      });
    }
  }

  it('accept the float32 arrays of an AdapterModule (loop vs fused within 1e-12 relative)', () => {
    const m = randomModule({ n: 2, r: 4, inFeatures: 8, outFeatures: 6, scaleMode: 'channel' }, 3);
    const x = randomFloat64(2 * 8, 4);
    expect(compareToReference(referenceForward(m, x, 2), referenceForwardLoop(m, x, 2), { rtol: 1e-12 }).ok).toBe(true);
  });

  it('the base weight layouts [out, in] and [in, out] give the same output (exactly)', () => {
    const m = module64({ n: 2, r: 2, inFeatures: 5, outFeatures: 3 }, 1);
    const x = randomFloat64(2 * 5, 2);
    const w = randomFloat64(3 * 5, 3);
    const y1 = referenceForward(m, x, 2, { weight: w });
    const y2 = referenceForward(m, x, 2, { weight: transpose(w, 3, 5), weightInOut: true });
    expect(Array.from(y2)).toEqual(Array.from(y1));
  });

  it('n = 1, init "lora" with a non-zero B equals a hand-written LoRA W0 x + b + (α/r) B A x (1e-12 relative)', () => {
    const [inF, out, r, alpha, tokens] = [6, 4, 3, 12, 3];
    const m = initModule(resolveConfig({ n: 1, r, loraAlpha: alpha, init: 'lora', seed: 9 }), { name: 'q_proj', inShape: [inF], outFeatures: out });
    expect(m.gamma).toBe(alpha / r);
    m.b.set(randomFloat64(out * r, 10));
    const x = randomFloat64(tokens * inF, 11);
    const w = randomFloat64(out * inF, 12);
    const bias = randomFloat64(out, 13);
    const expected = baseOnly(x, tokens, inF, out, w, bias);
    for (let t = 0; t < tokens; t++) {
      const ax = Array.from({ length: r }, (_, j) => {
        let s = 0;
        for (let c = 0; c < inF; c++) s += m.a[j * inF + c] * x[t * inF + c];
        return s;
      });
      for (let o = 0; o < out; o++) {
        let s = 0;
        for (let j = 0; j < r; j++) s += m.b[o * r + j] * ax[j];
        expected[t * out + o] += (alpha / r) * s;
      }
    }
    for (const f of [referenceForward, referenceForwardLoop]) {
      const cmp = compareToReference(f(m, x, tokens, { weight: w, bias }), expected, { rtol: 1e-12 });
      expect(cmp.ok, `max error ${cmp.maxAbsError}`).toBe(true);
    }
    // and the branch is really there: it moves the output away from the base
    expect(compareToReference(expected, baseOnly(x, tokens, inF, out, w, bias), { rtol: 1e-3 }).ok).toBe(false);
  });

  it('useRslora uses γ = α/√r: forward equals W0 x + (α/√r) B A x (1e-12 relative)', () => {
    const [inF, out, r, alpha] = [5, 3, 4, 8];
    const m = initModule(resolveConfig({ n: 1, r, loraAlpha: alpha, useRslora: true, init: 'lora' }), { name: 'v', inShape: [inF], outFeatures: out });
    expect(m.gamma).toBe(alpha / Math.sqrt(r));
    m.b.set(randomFloat64(out * r, 1));
    const x = randomFloat64(inF, 2);
    const w = randomFloat64(out * inF, 3);
    const expected = baseOnly(x, 1, inF, out, w, new Float64Array(out));
    for (let o = 0; o < out; o++) {
      let s = 0;
      for (let j = 0; j < r; j++) {
        let ax = 0;
        for (let c = 0; c < inF; c++) ax += m.a[j * inF + c] * x[c];
        s += m.b[o * r + j] * ax;
      }
      expected[o] += (alpha / Math.sqrt(r)) * s;
    }
    expect(compareToReference(referenceForward(m, x, 1, { weight: w }), expected, { rtol: 1e-12 }).ok).toBe(true);
  });

  for (const [init, scaleMode] of [['lora', 'module'], ['multilora', 'module'], ['multilora', 'channel']] as const) {
    it(`a fresh init "${init}" (${scaleMode}) leaves the output exactly equal to the base`, () => {
      const [inF, out, tokens] = [9, 7, 3];
      const m = initModule(resolveConfig({ n: 3, r: 2, loraAlpha: 16, init, scaleMode, seed: 4 }), { name: 'fc', inShape: [inF], outFeatures: out });
      // the adapter's own tensors are not trivial: A (and B for multilora) are random
      expect(m.a.some((v) => v !== 0)).toBe(true);
      if (init === 'multilora') expect(m.b.some((v) => v !== 0)).toBe(true);
      const x = randomFloat64(tokens * inF, 21);
      const w = randomFloat64(out * inF, 22);
      const bias = randomFloat64(out, 23);
      const expected = Array.from(baseOnly(x, tokens, inF, out, w, bias));
      expect(Array.from(referenceForward(m, x, tokens, { weight: w, bias }))).toEqual(expected);
      expect(Array.from(referenceForwardLoop(m, x, tokens, { weight: w, bias }))).toEqual(expected);
    });
  }

  it('rejects mismatched arrays with SHAPE_MISMATCH naming the array and the expected size', () => {
    const m = module64({ n: 2, r: 2, inFeatures: 4, outFeatures: 3 }, 1);
    const x = randomFloat64(8, 2);
    expect(() => referenceForward({ ...m, b: new Float64Array(5) }, x, 2)).toThrow(/module\.b has 5 elements; expected 12/);
    expect(() => referenceForward(m, x, 3)).toThrow(/x has 8 elements; expected 12/);
    expect(() => referenceForward({ ...m, scaleMode: 'channel' }, x, 2)).toThrow(/module\.scale .*channel mode/);
    expect(() => referenceForwardLoop(m, x, 2, { bias: new Float64Array(2) })).toThrow(MultiLoraError);
  });
});
