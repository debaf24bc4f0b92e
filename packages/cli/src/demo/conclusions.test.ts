import { describe, expect, it } from 'vitest';
import { conclusions } from './conclusions.js';
import type { Diagnostics } from './diagnose.js';
import type { MethodResult } from './experiment.js';

function result(method: 'full' | 'lora' | 'multilora', accuracy: Record<string, number>, stepsPerSecond: number): MethodResult {
  const values = Object.values(accuracy);
  return {
    method, label: method, accuracy, meanAccuracy: values.reduce((a, b) => a + b, 0) / values.length, baseAccuracy: {},
    trainable: 10, total: 100, trainablePercent: method === 'full' ? 100 : 10, learningRate: 1e-3,
    stepMs: 1000 / stepsPerSecond, stepsPerSecond, samplesPerSecond: 0, losses: [], seconds: 1,
  };
}

function diagnostics(entropy: Record<string, number>, phi: Record<string, number>): Diagnostics {
  const method = (m: 'full' | 'lora' | 'multilora') => ({
    method: m, label: m, update: { label: m, kind: 'adapter' as const, modules: [] },
    summary: { entropy: entropy[m], effectiveRank: 1, stableRank: 1, topKEnergy: 0.5 },
    ...(m === 'full' ? {} : { phiTop1: phi[m], phiTopK: phi[m], k: 16 }),
  });
  return { topK: 4, methods: [method('full'), method('lora'), method('multilora')], histogram: { edges: [], series: [] } };
}

const sizes = { a: 100, b: 100 };

describe('demo conclusions follow the measurements', () => {
  it('says MultiLoRA did NOT beat LoRA, per task and in spectrum and φ, when the numbers say so', () => {
    const lines = conclusions([
      result('full', { a: 0.9, b: 0.8 }, 5), result('lora', { a: 0.7, b: 0.6 }, 10), result('multilora', { a: 0.6, b: 0.604 }, 9),
    ], diagnostics({ full: 0.9, lora: 0.6, multilora: 0.5 }, { lora: 0.4, multilora: 0.3 }), sizes);
    expect(lines[0]).toBe('MultiLoRA did NOT beat LoRA in this run: mean accuracy 60.2% vs 65.0% (-4.8 points).');
    expect(lines[1]).toContain('higher than LoRA on no task, lower on a, within 1 point on the rest');
    expect(lines.join('\n')).toContain('not more democratic than LoRA here, unlike the paper');
    expect(lines.join('\n')).toContain('MultiLoRA\'s update is not closer to full fine-tuning\'s than LoRA\'s');
    expect(lines.join('\n')).toContain('90% of LoRA\'s 10.0');
  });

  it('says MultiLoRA beat LoRA when it did, and calls differences under a point a tie', () => {
    const win = conclusions([
      result('full', { a: 0.9, b: 0.8 }, 5), result('lora', { a: 0.5, b: 0.5 }, 10), result('multilora', { a: 0.7, b: 0.5 }, 10),
    ], diagnostics({ full: 0.9, lora: 0.5, multilora: 0.7 }, { lora: 0.2, multilora: 0.3 }), sizes);
    expect(win[0]).toContain('MultiLoRA beat LoRA at equal adapter budget in this run: mean accuracy 60.0% vs 50.0% (+10.0 points)');
    expect(win.join('\n')).toContain('more democratic, as the paper reports');
    const tie = conclusions([
      result('full', { a: 0.9, b: 0.8 }, 5), result('lora', { a: 0.5, b: 0.5 }, 10), result('multilora', { a: 0.505, b: 0.5 }, 10),
    ], diagnostics({ full: 0.9, lora: 0.5, multilora: 0.7 }, { lora: 0.2, multilora: 0.3 }), sizes);
    expect(tie[0]).toContain('MultiLoRA and LoRA tied in this run');
  });
});
