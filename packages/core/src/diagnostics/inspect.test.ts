import { describe, expect, it } from 'vitest';
import { createAdapter } from '../adapter/create.js';
import { randomAdapter } from '../adapter/testing.js';
import { referenceDeltaWeight } from '../math/delta.js';
import { inspect } from './inspect.js';
import type { DenseMatrix } from './matrix.js';
import { svd } from './svd-dense.js';
import { gaussianMatrix } from './testing.js';

const specs = [
  { name: 'layers.0.q_proj', inShape: [24], outFeatures: 20 },
  { name: 'layers.0.v_proj', inShape: [24], outFeatures: 16 },
];

function deltas(adapter: ReturnType<typeof randomAdapter>): Map<string, DenseMatrix> {
  return new Map([...adapter.modules.values()].map((m) => [m.name, { rows: m.outFeatures, cols: m.inFeatures, data: referenceDeltaWeight(m) }]));
}

describe('inspect', () => {
  const adapter = randomAdapter({ n: 3, r: 2, seed: 1 }, specs, 1);

  it('reports every module: spectrum (matching the dense SVD to 1e-12 · s₁), ranks and contributions; JSON round-trips', () => {
    const report = inspect({ label: 'ml', adapter });
    expect(report.format).toBe('multilora-inspect');
    expect(report.updates).toHaveLength(1);
    const [q, v] = report.updates[0].modules;
    expect(q).toMatchObject({ name: 'layers.0.q_proj', shape: [20, 24], rankBound: 6, n: 3, r: 2 });
    expect(v.shape).toEqual([16, 24]);
    const dense = svd({ rows: 20, cols: 24, data: referenceDeltaWeight(adapter.modules.get('layers.0.q_proj')!) }, { vectors: 'none' }).s;
    expect(q.metrics.rank).toBe(6);
    q.metrics.singularValues.forEach((s, i) => expect(Math.abs(s - dense[i])).toBeLessThan(1e-12 * dense[0]));
    expect(q.contributions).toHaveLength(3);
    expect(report.histogram.series[0].total).toBe(12);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('against itself (as dense deltas) φ is 1 on the diagonal to 1e-6 (randomized SVD of the dense side)', () => {
    const report = inspect({ label: 'adapter', adapter }, { compare: { label: 'dense', deltas: deltas(adapter) } });
    expect(report.updates.map((u) => u.kind)).toEqual(['adapter', 'dense']);
    const sim = report.similarity!;
    expect(sim.side).toBe('right');
    expect(sim.modules.map((m) => m.name)).toEqual(['layers.0.q_proj', 'layers.0.v_proj']);
    for (const m of sim.modules) for (let i = 0; i < m.rows; i++) expect(Math.abs(m.phi[i][i] - 1)).toBeLessThan(1e-6);
    expect(sim.mean).toMatchObject({ rows: 6, cols: 6 });
    expect(report.updates[1].modules[0].metrics.rank).toBe(6);
  });

  it('intruder dimensions for modules with base weights; a shape mismatch names the module', () => {
    const base = new Map([['layers.0.q_proj', gaussianMatrix(20, 24, 5)]]);
    const report = inspect({ label: 'ml', adapter }, { base, intruderK: 3 });
    expect(report.intruders).toHaveLength(1);
    expect(report.intruders![0]).toMatchObject({ module: 'layers.0.q_proj', k: 3, epsilon: 0.5 });
    expect(() => inspect({ label: 'ml', adapter }, { base: new Map([['layers.0.v_proj', gaussianMatrix(24, 16, 6)]]) }))
      .toThrow(/"layers.0.v_proj" is \[24, 16\].*\[16, 24\]/);
  });

  it('a fresh MultiLoRA adapter (scales 0) is reported, not rejected: rank 0, entropy null, no φ', () => {
    const fresh = createAdapter({ n: 2, r: 2 }, specs);
    const report = inspect({ label: 'fresh', adapter: fresh }, { compare: { label: 'ml', adapter } });
    for (const m of report.updates[0].modules) expect(m.metrics).toMatchObject({ rank: 0, entropy: null, effectiveRank: 0 });
    expect(report.histogram.series[0].total).toBe(0);
    expect(report.similarity).toMatchObject({ modules: [], mean: null });
  });

  it('validates side and maxRank', () => {
    expect(() => inspect({ label: 'x', adapter }, { side: 'up' as 'left' })).toThrow(/side/);
    expect(() => inspect({ label: 'x', adapter }, { maxRank: 0 })).toThrow(/maxRank/);
  });
});
