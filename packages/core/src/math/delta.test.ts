import { describe, expect, it } from 'vitest';
import { compareToReference, randomFloat64, randomModule } from '../testing.js';
import { referenceDeltaWeight } from './delta.js';
import { referenceForward } from './forward.js';

describe('referenceDeltaWeight', () => {
  for (const scaleMode of ['module', 'channel'] as const) {
    it(`forward equals x (W0 + ΔW)ᵀ + b (${scaleMode} scales, 1e-12 relative)`, () => {
      const [tokens, inF, out] = [4, 7, 6];
      const m = randomModule({ n: 3, r: 2, inFeatures: inF, outFeatures: out, scaleMode, gamma: 2.5 }, 31);
      const x = randomFloat64(tokens * inF, 1);
      const w = randomFloat64(out * inF, 2);
      const bias = randomFloat64(out, 3);
      const delta = referenceDeltaWeight(m);
      const merged = w.map((v, i) => v + delta[i]);
      const viaMerged = referenceForward({ ...m, scale: new Float32Array(m.scale.length) }, x, tokens, { weight: merged, bias });
      const cmp = compareToReference(viaMerged, referenceForward(m, x, tokens, { weight: w, bias }), { rtol: 1e-12 });
      expect(cmp.ok, `max error ${cmp.maxAbsError}`).toBe(true);
    });
  }

  it('equals γ Σ_i diag(s_i) B_i A_i written module by module (channel scales scale rows; 1e-12 relative)', () => {
    const [n, r, inF, out, gamma] = [3, 2, 5, 4, 0.75];
    const m = randomModule({ n, r, inFeatures: inF, outFeatures: out, scaleMode: 'channel', gamma }, 7);
    const expected = new Float64Array(out * inF);
    for (let i = 0; i < n; i++) {
      for (let o = 0; o < out; o++) {
        for (let c = 0; c < inF; c++) {
          let ba = 0;
          for (let j = 0; j < r; j++) ba += m.b[(i * out + o) * r + j] * m.a[(i * r + j) * inF + c];
          expected[o * inF + c] += gamma * m.scale[i * out + o] * ba;
        }
      }
    }
    expect(compareToReference(referenceDeltaWeight(m), expected, { rtol: 1e-12 }).ok).toBe(true);
  });

  it('channel scales constant per module give the module-mode ΔW (1e-12 relative)', () => {
    const m = randomModule({ n: 2, r: 3, inFeatures: 4, outFeatures: 5 }, 9);
    const channelScale = new Float32Array(2 * 5).map((_, k) => m.scale[Math.floor(k / 5)]);
    const viaChannel = referenceDeltaWeight({ ...m, scaleMode: 'channel', scale: channelScale });
    const viaModule = referenceDeltaWeight(m);
    expect(compareToReference(viaChannel, viaModule, { rtol: 1e-12 }).ok).toBe(true);
    expect(Math.max(...viaModule.map(Math.abs))).toBeGreaterThan(0.1);
  });
});
