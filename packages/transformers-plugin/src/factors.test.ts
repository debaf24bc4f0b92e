// The branch factors against core's float64 ΔW: Aᵀ·Bᵀ of a weighted concatenation equals
// Σ_k w_k ΔW_k (atol 1e-5 + rtol 1e-5, float32 products of float32 factors).
import { referenceDeltaWeight } from '@multilora/core';
import { compareToReference, randomModule } from '@multilora/core/testing';
import { describe, expect, it } from 'vitest';
import { concatFactors, deltaFromFactors } from './factors.js';

const IN = 24;
const OUT = 20;
const m1 = randomModule({ n: 2, r: 3, inFeatures: IN, outFeatures: OUT, gamma: 0.5 }, 1);
const m2 = randomModule({ n: 3, r: 1, inFeatures: IN, outFeatures: OUT, scaleMode: 'channel', gamma: 2 }, 2);

function expected(outIn: boolean): Float64Array {
  const d1 = referenceDeltaWeight(m1);
  const d2 = referenceDeltaWeight(m2);
  const out = new Float64Array(IN * OUT);
  for (let o = 0; o < OUT; o++) {
    for (let c = 0; c < IN; c++) out[outIn ? o * IN + c : c * OUT + o] = 0.75 * d1[o * IN + c] - 1.5 * d2[o * IN + c];
  }
  return out;
}

describe('branch factors', () => {
  it.each([false, true])('a weighted mix of module- and channel-mode modules gives Σ w ΔW (outIn %s)', (outIn) => {
    const f = concatFactors([{ module: m1, weight: 0.75 }, { module: m2, weight: -1.5 }], IN, OUT);
    expect(f.rank).toBe(9);
    const c = compareToReference(deltaFromFactors(f, IN, OUT, outIn), expected(outIn), { atol: 1e-5, rtol: 1e-5 });
    expect(c.ok, `max error ${c.maxAbsError}`).toBe(true);
  });
});
