// `multilora demo --quick` end to end: every report section and figure, parseable adapter folders,
// per-task accuracies of all three methods, and numbers in results.json that agree with each other.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors, referenceDeltaWeight, svd, tensorToFloat64 } from '@multilora/core';
import { readAdapterFolder } from '@multilora/core/node';
import { main } from '../packages/cli/src/main.js';
import { capture } from './cli-helpers.js';

let dir: string;
let run: ReturnType<typeof capture>;
let code: number;
let seconds: number;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'multilora-demo-'));
  run = capture();
  const t0 = performance.now();
  code = await main(['demo', '--quick', '--out', dir], run.io);
  seconds = (performance.now() - t0) / 1000;
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Results {
  settings: { n: number; r: number };
  tasks: { name: string }[];
  methods: { method: string; accuracy: Record<string, number>; meanAccuracy: number; trainablePercent: number; stepsPerSecond: number }[];
  diagnostics: { method: string; summary: { entropy: number | null }; phiTopK?: number; modules: { name: string; metrics: { frobeniusNorm: number; entropy: number | null } }[] }[];
  conclusions: string[];
}

describe('multilora demo --quick', () => {
  it('finishes in under a minute and prints the results table, conclusions and paths', () => {
    expect(code, run.errors()).toBe(0);
    expect(seconds).toBeLessThan(60);
    expect(run.text()).toMatch(/method\s+reverse\s+majority\s+lookup\s+arithmetic\s+mean\s+trainable\s+steps\/s/);
    expect(run.text()).toContain('Conclusions (measured in this run)');
    expect(run.text()).toContain(join(dir, 'report.html'));
    expect(run.errors()).toMatch(/pretraining base model: 60 steps/);
  });

  it('the HTML report holds every section and the SVG figures inline', async () => {
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    for (const id of ['conclusions', 'setup', 'accuracy', 'training', 'spectrum', 'similarity', 'contributions', 'files']) expect(html).toContain(`<section id="${id}">`);
    const figures = (await readdir(join(dir, 'figures'))).sort();
    expect(figures).toEqual(['accuracy.svg', 'contributions-multilora.svg', 'loss.svg', 'similarity-lora.svg', 'similarity-multilora.svg', 'spectrum-histogram.svg']);
    expect(html.match(/<svg /g)?.length).toBe(figures.length);
    expect(html).not.toMatch(/NaN|undefined/);
  });

  it('results.json has per-task accuracies for all three methods, and its conclusions follow from them', async () => {
    const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as Results;
    expect(results.methods.map((m) => m.method)).toEqual(['full', 'lora', 'multilora']);
    for (const m of results.methods) {
      expect(Object.keys(m.accuracy)).toEqual(results.tasks.map((t) => t.name));
      for (const a of Object.values(m.accuracy)) expect(a).toBeGreaterThanOrEqual(0);
      const mean = Object.values(m.accuracy).reduce((x, y) => x + y, 0) / 4;
      expect(Math.abs(m.meanAccuracy - mean)).toBeLessThan(1e-12);
      expect(m.stepsPerSecond).toBeGreaterThan(0);
    }
    expect(results.methods[0].trainablePercent).toBe(100);
    const [, lora, multi] = results.methods;
    const claim = results.conclusions[0];
    if (multi.meanAccuracy - lora.meanAccuracy >= 0.01) expect(claim).toContain('MultiLoRA beat LoRA');
    else if (lora.meanAccuracy - multi.meanAccuracy >= 0.01) expect(claim).toContain('MultiLoRA did NOT beat LoRA');
    else expect(claim).toContain('tied');
  });

  it('the adapter folders parse with readAdapterFolder: LoRA n = 1, r = n·r; MultiLoRA n, r; norms match the report (rel 1e-9)', async () => {
    const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as Results;
    const { n, r } = results.settings;
    const lora = await readAdapterFolder(join(dir, 'adapters', 'lora'));
    const multi = await readAdapterFolder(join(dir, 'adapters', 'multilora'));
    expect([...lora.modules.keys()]).toEqual(['fc1', 'fc2', 'fc3']);
    for (const m of lora.modules.values()) expect([m.n, m.r]).toEqual([1, n * r]);
    for (const m of multi.modules.values()) expect([m.n, m.r]).toEqual([n, r]);
    // ‖ΔW‖_F in the report (low-rank SVD) against the dense float64 reference of the saved adapter.
    const diag = results.diagnostics.find((d) => d.method === 'multilora')!;
    for (const m of multi.modules.values()) {
      const dense = referenceDeltaWeight(m);
      const norm = Math.sqrt(dense.reduce((a, v) => a + v * v, 0));
      expect(norm).toBeGreaterThan(0);
      const reported = diag.modules.find((x) => x.name === m.name)!.metrics.frobeniusNorm;
      expect(Math.abs(reported - norm) / norm).toBeLessThan(1e-6);
    }
  });

  it('full-ft-delta.safetensors holds full fine-tuning\'s ΔW whose dense SVD gives the reported entropy (abs 1e-5: the file is float32)', async () => {
    const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as Results;
    const bytes = await readFile(join(dir, 'full-ft-delta.safetensors'));
    const file = readSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const full = results.diagnostics.find((d) => d.method === 'full')!;
    for (const name of ['fc1', 'fc2', 'fc3']) {
      const t = file.tensors.get(`${name}.weight`)!;
      const s = svd({ rows: t.shape[0], cols: t.shape[1], data: tensorToFloat64(t, { copy: true }) }, { vectors: 'none' }).s;
      const sum2 = s.reduce((a, v) => a + v * v, 0);
      const kept = Array.from(s).filter((v) => v > Math.max(...t.shape) * 2 ** -52 * s[0]);
      const entropy = -kept.reduce((a, v) => a + (v * v / sum2) * Math.log(v * v / sum2), 0) / Math.log(kept.length);
      expect(Math.abs(entropy - full.modules.find((m) => m.name === name)!.metrics.entropy!)).toBeLessThan(1e-5);
    }
  });

  it('--help lists the options; bad flags exit 2 with what to change', async () => {
    const help = capture();
    expect(await main(['demo', '--help'], help.io)).toBe(0);
    expect(help.text()).toContain('--quick');
    const bad = capture();
    expect(await main(['demo', '--steps', '0'], bad.io)).toBe(2);
    expect(bad.errors()).toContain('--steps is "0"; expected a whole number ≥ 1');
    expect(bad.errors()).toContain('multilora demo --help');
  });
});
