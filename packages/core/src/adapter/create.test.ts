import { describe, expect, it } from 'vitest';
import { kaimingUniformBound } from '../init.js';
import { errorOf } from '../testing.js';
import { createAdapter } from './create.js';
import { summarizeAdapter } from './summary.js';
import { MIXED_SPECS } from './testing.js';

describe('createAdapter', () => {
  it('builds one module per spec in the file layout, scales 0, A and B within the Kaiming bound', () => {
    const adapter = createAdapter({ n: 3, r: 4, loraAlpha: 8, seed: 11 }, MIXED_SPECS);
    expect([...adapter.modules.keys()]).toEqual(MIXED_SPECS.map((s) => s.name));
    expect(adapter.metadata).toEqual({ peftType: 'MULTILORA', extra: {} });
    const conv = adapter.modules.get('vision.conv1')!;
    expect(conv.kind).toBe('conv');
    expect(conv.inFeatures).toBe(27);
    expect(conv.a.length).toBe(3 * 4 * 27);
    expect(conv.b.length).toBe(3 * 10 * 4);
    expect(conv.gamma).toBe(2);
    for (const m of adapter.modules.values()) {
      expect([...m.scale]).toEqual(new Array(3).fill(0));
      const boundA = kaimingUniformBound(m.inFeatures);
      expect(Math.max(...m.a.map(Math.abs))).toBeLessThanOrEqual(boundA);
      expect(Math.max(...m.b.map(Math.abs))).toBeGreaterThan(0);
    }
  });

  it('is deterministic per seed and module name, and applies rank/alpha patterns', () => {
    const config = { n: 2, r: 4, loraAlpha: 4, seed: 5, rankPattern: { embed_tokens: 2 }, alphaPattern: { conv1: 16 } };
    const x = createAdapter(config, MIXED_SPECS);
    const y = createAdapter(config, [...MIXED_SPECS].reverse());
    for (const [name, m] of x.modules) expect(y.modules.get(name)!.a).toEqual(m.a);
    expect(x.modules.get('model.embed_tokens')!.r).toBe(2);
    expect(x.modules.get('vision.conv1')!.gamma).toBe(4);
    const other = createAdapter({ ...config, seed: 6 }, MIXED_SPECS);
    expect(other.modules.get('vision.conv1')!.a).not.toEqual(x.modules.get('vision.conv1')!.a);
  });

  it('rejects a bad config, duplicate names and bad spec shapes with their codes', () => {
    expect(errorOf(() => createAdapter({ r: 0 }, MIXED_SPECS)).code).toBe('INVALID_CONFIG');
    expect(errorOf(() => createAdapter({}, [MIXED_SPECS[0], MIXED_SPECS[0]])).code).toBe('INVALID_CONFIG');
    expect(() => createAdapter({}, [{ name: 'c', kind: 'conv', inShape: [3], outFeatures: 4 }])).toThrow(/module spec "c".*\[3\]/);
    expect(errorOf(() => createAdapter({}, [{ name: 'l', inShape: [0], outFeatures: 4 }])).code).toBe('ADAPTER_SHAPE_MISMATCH');
  });
});

describe('summarizeAdapter', () => {
  it('counts n·r·in + n·out·r + scales per module (counted by hand)', () => {
    const adapter = createAdapter({ n: 2, r: 3, scaleMode: 'channel' }, MIXED_SPECS);
    const s = summarizeAdapter(adapter);
    const expected = [2 * 3 * 24 + 2 * 20 * 3 + 2 * 20, 2 * 3 * 30 + 2 * 12 * 3 + 2 * 12, 2 * 3 * 27 + 2 * 10 * 3 + 2 * 10];
    expect(s.perModule.map((m) => m.params)).toEqual(expected);
    expect(s).toMatchObject({ peftType: 'MULTILORA', modules: 3, n: 2, r: 3, scaleMode: 'channel', totalParams: expected.reduce((a, b) => a + b) });
    expect(s.perModule[2]).toMatchObject({ name: 'vision.conv1', kind: 'conv', inShape: [3, 3, 3], outFeatures: 10 });
  });
});
