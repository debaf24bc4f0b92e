import { describe, expect, it } from 'vitest';
import { createAdapter } from '../adapter/create.js';
import { moduleScale } from '../math/reference-module.js';
import { randomModule } from '../testing.js';
import { moduleContributions } from './contributions.js';

/** ‖γ · s_i ⊙ B_i A_i‖_F by materialising the product in float64 (the reference). */
function denseNorm(module: ReturnType<typeof randomModule>, i: number): number {
  const { r, inFeatures: inF, outFeatures: out, gamma } = module;
  let ss = 0;
  for (let o = 0; o < out; o++) {
    const s = moduleScale(module, i, o);
    for (let c = 0; c < inF; c++) {
      let x = 0;
      for (let j = 0; j < r; j++) x += module.b[(i * out + o) * r + j] * module.a[(i * r + j) * inF + c];
      ss += (gamma * s * x) ** 2;
    }
  }
  return Math.sqrt(ss);
}

describe('moduleContributions', () => {
  for (const scaleMode of ['module', 'channel'] as const) {
    it(`${scaleMode} mode: each ‖γ s_i ⊙ B_i A_i‖_F equals the dense reference to 1e-12 relative; shares = norm / ‖ΔW‖_F`, () => {
      const module = randomModule({ n: 3, r: 2, inFeatures: 14, outFeatures: 11, scaleMode, gamma: 1.5 }, 9);
      const c = moduleContributions(module);
      expect(c.modules).toHaveLength(3);
      for (const m of c.modules) {
        const ref = denseNorm(module, m.index);
        expect(Math.abs(m.norm - ref) / ref).toBeLessThan(1e-12);
        expect(m.share).toBeCloseTo(m.norm / c.total, 14);
      }
    });
  }

  it('a fresh MultiLoRA adapter contributes nothing: norms 0, total 0, shares null', () => {
    const adapter = createAdapter({ n: 2, r: 2 }, [{ name: 'v', inShape: [6], outFeatures: 5 }]);
    const c = moduleContributions(adapter.modules.get('v')!);
    expect(c).toEqual({ total: 0, modules: [{ index: 0, norm: 0, share: null }, { index: 1, norm: 0, share: null }] });
  });
});
