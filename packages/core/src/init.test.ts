import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';
import { MultiLoraError } from './errors.js';
import { initModule, kaimingUniform, kaimingUniformBound } from './init.js';
import { SeededRandom } from './rng.js';

function moments(values: Float32Array): { mean: number; variance: number } {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  return { mean, variance: sq / (values.length - 1) };
}

function bytes(a: Float32Array): number[] {
  return Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

describe('kaimingUniformBound', () => {
  it('is exactly 1/√fan_in', () => {
    for (const fanIn of [1, 2, 3, 7, 8, 64, 768, 1000, 4096, 50257]) expect(kaimingUniformBound(fanIn)).toBe(1 / Math.sqrt(fanIn));
  });

  it("equals PyTorch's sqrt(6 / ((1 + a²) · fan_in)) with a = √5 to 1e-15 relative", () => {
    for (const fanIn of [3, 64, 768]) {
      const torch = Math.sqrt(6 / ((1 + Math.sqrt(5) ** 2) * fanIn));
      expect(Math.abs(kaimingUniformBound(fanIn) - torch) / torch).toBeLessThan(1e-15);
    }
  });

  it('rejects a fan-in that is not a positive integer', () => {
    expect(() => kaimingUniformBound(0)).toThrow(/fanIn is 0; expected a positive integer/);
    expect(() => kaimingUniformBound(2.5)).toThrow(MultiLoraError);
  });
});

describe('kaimingUniform', () => {
  const N = 200_000;
  for (const fanIn of [16, 768]) {
    it(`fan_in ${fanIn}: ${N} samples within ±bound (as float32), mean 0 and variance bound²/3 within 4 standard errors`, () => {
      const bound = kaimingUniformBound(fanIn);
      const xs = kaimingUniform(new Float32Array(N), fanIn, new SeededRandom(fanIn));
      const b32 = Math.fround(bound);
      let min = Infinity;
      let max = -Infinity;
      for (const v of xs) [min, max] = [Math.min(min, v), Math.max(max, v)];
      expect(min).toBeGreaterThanOrEqual(-b32);
      expect(max).toBeLessThanOrEqual(b32);
      // the range is really used
      expect(min).toBeLessThan(-0.999 * bound);
      expect(max).toBeGreaterThan(0.999 * bound);
      const { mean, variance } = moments(xs);
      expect(Math.abs(mean)).toBeLessThan(4 * bound / Math.sqrt(3 * N));
      // SE of the sample variance of U(-b, b): sqrt((μ4 − σ⁴) / N), μ4 = b⁴/5, σ⁴ = b⁴/9
      expect(Math.abs(variance - bound ** 2 / 3)).toBeLessThan(4 * bound ** 2 * Math.sqrt((1 / 5 - 1 / 9) / N));
    });
  }

  it('same seed gives the same bytes; another seed different ones', () => {
    const a = kaimingUniform(new Float32Array(1000), 10, new SeededRandom(5));
    const b = kaimingUniform(new Float32Array(1000), 10, new SeededRandom(5));
    const c = kaimingUniform(new Float32Array(1000), 10, new SeededRandom(6));
    expect(bytes(a)).toEqual(bytes(b));
    expect(bytes(a)).not.toEqual(bytes(c));
  });
});

describe('initModule', () => {
  const spec = { name: 'model.layers.0.self_attn.q_proj', inShape: [24], outFeatures: 10 };

  it('"multilora": A ~ U(±1/√in), B ~ U(±1/√r), both non-trivial, scales exactly 0 (module and channel)', () => {
    for (const scaleMode of ['module', 'channel'] as const) {
      const m = initModule(resolveConfig({ n: 3, r: 4, loraAlpha: 8, scaleMode, seed: 1 }), spec);
      expect([m.n, m.r, m.inFeatures, m.outFeatures, m.kind, m.scaleMode]).toEqual([3, 4, 24, 10, 'linear', scaleMode]);
      expect(m.gamma).toBe(2);
      expect(m.a.length).toBe(3 * 4 * 24);
      expect(m.b.length).toBe(3 * 10 * 4);
      expect(m.scale.length).toBe(scaleMode === 'module' ? 3 : 30);
      expect(m.scale.every((s) => s === 0)).toBe(true);
      expect(m.a.every((v) => Math.abs(v) <= Math.fround(1 / Math.sqrt(24)))).toBe(true);
      expect(m.b.every((v) => Math.abs(v) <= Math.fround(1 / Math.sqrt(4)))).toBe(true);
      expect(Math.max(...m.a.map(Math.abs))).toBeGreaterThan(0.8 / Math.sqrt(24));
      expect(Math.max(...m.b.map(Math.abs))).toBeGreaterThan(0.8 / Math.sqrt(4));
    }
  });

  it('"lora": A Kaiming-uniform, B = 0, scales 1 (module and channel)', () => {
    for (const scaleMode of ['module', 'channel'] as const) {
      const m = initModule(resolveConfig({ n: 2, r: 4, init: 'lora', scaleMode }), spec);
      expect(m.b.every((v) => v === 0)).toBe(true);
      expect(m.scale.length).toBe(scaleMode === 'module' ? 2 : 20);
      expect(m.scale.every((s) => s === 1)).toBe(true);
      expect(m.a.some((v) => v !== 0)).toBe(true);
      expect(m.a.every((v) => Math.abs(v) <= Math.fround(1 / Math.sqrt(24)))).toBe(true);
    }
  });

  it('is seeded per module name: same config and name give the same bytes, another seed or name different ones', () => {
    const config = resolveConfig({ n: 2, r: 3, seed: 11 });
    const m1 = initModule(config, spec);
    const m2 = initModule(config, { ...spec });
    expect(bytes(m1.a)).toEqual(bytes(m2.a));
    expect(bytes(m1.b)).toEqual(bytes(m2.b));
    expect(bytes(initModule(resolveConfig({ n: 2, r: 3, seed: 12 }), spec).a)).not.toEqual(bytes(m1.a));
    expect(bytes(initModule(config, { ...spec, name: 'model.layers.0.self_attn.v_proj' }).a)).not.toEqual(bytes(m1.a));
  });

  it('applies rankPattern and alphaPattern (γ = alpha/r, or alpha/√r with rsLoRA) and sizes arrays by the module rank', () => {
    const config = resolveConfig({ n: 2, r: 8, loraAlpha: 16, rankPattern: { q_proj: 4 }, alphaPattern: { 'layers\\.0\\..*': 32 } });
    const expectations: [string, number, number][] = [
      ['model.layers.0.q_proj', 4, 32 / 4],
      ['model.layers.1.q_proj', 4, 16 / 4],
      ['model.layers.0.v_proj', 8, 32 / 8],
      ['model.layers.1.v_proj', 8, 16 / 8],
    ];
    for (const [name, r, gamma] of expectations) {
      const m = initModule(config, { name, inShape: [6], outFeatures: 5 });
      expect([m.r, m.gamma, m.a.length, m.b.length]).toEqual([r, gamma, 2 * r * 6, 2 * 5 * r]);
      expect(m.b.every((v) => Math.abs(v) <= Math.fround(1 / Math.sqrt(r)))).toBe(true);
    }
    const rs = initModule(resolveConfig({ r: 8, loraAlpha: 16, useRslora: true, rankPattern: { q_proj: 4 } }), { name: 'x.q_proj', inShape: [6], outFeatures: 5 });
    expect(rs.gamma).toBe(16 / Math.sqrt(4));
  });

  it('uses the product of inShape as fan-in (conv [channels, kh, kw]) and keeps the kind', () => {
    const m = initModule(resolveConfig({ n: 1, r: 2 }), { name: 'conv', kind: 'conv', inShape: [3, 3, 3], outFeatures: 4 });
    expect([m.kind, m.inFeatures, m.a.length]).toEqual(['conv', 27, 2 * 27]);
    expect(m.inShape).toEqual([3, 3, 3]);
    expect(m.a.every((v) => Math.abs(v) <= Math.fround(1 / Math.sqrt(27)))).toBe(true);
  });

  it('rejects dimensions that are not positive integers with SHAPE_MISMATCH naming the module', () => {
    const config = resolveConfig();
    expect(() => initModule(config, { name: 'fc1', inShape: [0], outFeatures: 4 })).toThrow(/module fc1 has inShape \[0\] and outFeatures 4; expected positive integers/);
    expect(() => initModule(config, { name: 'fc2', inShape: [], outFeatures: 4 })).toThrow(MultiLoraError);
    expect(() => initModule(config, { name: 'fc3', inShape: [4], outFeatures: NaN })).toThrow(/fc3/);
  });
});
