import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapter, getKernels, referenceDeltaWeight, svd, writeSafetensors, type Adapter, type InspectReport } from '@multilora/core';
import { writeAdapterFolder } from '@multilora/core/node';
import { main } from '../main.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

const specs = [
  { name: 'model.layers.0.self_attn.q_proj', inShape: [16], outFeatures: 12 },
  { name: 'model.layers.0.self_attn.v_proj', inShape: [16], outFeatures: 12 },
];

/** A MultiLoRA adapter with non-zero scales (seeded). */
function trained(seed: number): Adapter {
  const adapter = createAdapter({ n: 2, r: 3, seed }, specs);
  for (const m of adapter.modules.values()) m.scale.set([0.8, -1.2]);
  return adapter;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'multilora-inspect-'));
  await writeAdapterFolder(join(dir, 'trained'), trained(1));
  await writeAdapterFolder(join(dir, 'fresh'), createAdapter({ n: 2, r: 3, seed: 2 }, specs));
  // Dense updates of a second adapter, and base weights, keyed "<module>.weight" [out, in].
  const other = trained(5);
  const delta: Record<string, { shape: number[]; data: Float64Array; dtype: 'F64' }> = {};
  const base: Record<string, { shape: number[]; data: Float64Array; dtype: 'F64' }> = {};
  for (const m of other.modules.values()) {
    delta[`${m.name}.weight`] = { shape: [12, 16], data: referenceDeltaWeight(m), dtype: 'F64' };
    base[`${m.name}.weight`] = { shape: [12, 16], data: Float64Array.from({ length: 192 }, (_, i) => Math.sin(i * 1.7 + m.name.length)), dtype: 'F64' };
  }
  await writeFile(join(dir, 'delta.safetensors'), writeSafetensors(delta));
  await writeFile(join(dir, 'base.safetensors'), writeSafetensors(base));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('multilora inspect', () => {
  it('prints the per-module table and writes report.json, the SVG figures and report.html', async () => {
    const { io, out } = capture();
    const target = join(dir, 'report-a');
    const code = await main(['inspect', join(dir, 'trained'), '--out', target, '--compare', join(dir, 'delta.safetensors'), '--base', join(dir, 'base.safetensors')], io);
    expect(code).toBe(0);
    // inspect registered the wasm kernels: the SVDs' large float64 products run on their gemmF64
    expect(getKernels().name).toBe('wasm-simd');
    expect(getKernels().gemmF64).toBeTypeOf('function');
    const text = out.join('\n');
    expect(text).toMatch(/module\s+n×r\s+‖ΔW‖_F\s+entropy\s+eff\. rank\s+stable rank\s+top-4 energy/);
    expect(text).toMatch(/model\.layers\.0\.self_attn\.q_proj\s+2×3\s/);
    expect(text).toContain('delta.safetensors (dense, 2 modules)');
    expect(text).toContain('subspace similarity (right singular vectors): 2 shared module(s)');
    expect((await readdir(target)).sort()).toEqual(['contributions.svg', 'report.html', 'report.json', 'spectrum-histogram.svg', 'subspace-similarity.svg']);
    const report = JSON.parse(await readFile(join(target, 'report.json'), 'utf8')) as InspectReport;
    expect(report.intruders?.map((r) => r.module)).toEqual(specs.map((s) => s.name));
    // The printed ‖ΔW‖_F is the dense reference's to the 4 digits shown (float64 reference, rounding only).
    const q = trained(1).modules.get(specs[0].name)!;
    const s = svd({ rows: 12, cols: 16, data: referenceDeltaWeight(q) }, { vectors: 'none' }).s;
    const norm = Math.sqrt(s.reduce((a, v) => a + v * v, 0));
    expect(Math.abs(report.updates[0].modules[0].metrics.frobeniusNorm - norm) / norm).toBeLessThan(1e-12);
    expect(text).toContain(String(Number(norm.toPrecision(4))));
  });

  it('a fresh MultiLoRA adapter (all scales 0) reports rank 0 and "—" for entropy and energy', async () => {
    const { io, out } = capture();
    expect(await main(['inspect', join(dir, 'fresh'), '--out', join(dir, 'report-b')], io)).toBe(0);
    expect(out.join('\n')).toMatch(/q_proj\s+2×3\s+0\s+—\s+0\s+0\s+—/);
  });

  it('--help prints the options and exits 0; `multilora` alone prints the command list and exits 2', async () => {
    const help = capture();
    expect(await main(['inspect', '--help'], help.io)).toBe(0);
    expect(help.out.join('\n')).toContain('--base <file>');
    const bare = capture();
    expect(await main([], bare.io)).toBe(2);
    expect(bare.out.join('\n')).toContain('inspect');
  });

  it('bad usage exits 2 with a message that says what to do', async () => {
    const cases: [string[], RegExp][] = [
      [['inspect'], /missing <adapter-dir>/],
      [['inspect', join(dir, 'nope')], /does not exist; pass an adapter folder/],
      [['inspect', join(dir, 'delta.safetensors')], /is a file; expected an adapter folder/],
      [['inspect', join(dir, 'trained'), '--top-k', 'x'], /--top-k is "x"; expected a whole number/],
      [['inspect', join(dir, 'trained'), '--side', 'up'], /--side is "up"/],
      [['inspect', join(dir, 'trained'), '--frobnicate'], /Unknown option '--frobnicate'/],
      [['inspect', join(dir, 'trained'), '--base', join(dir, 'fresh')], /--base .* is a folder/],
      [['inspect', join(dir, 'trained'), '--base', join(dir, 'trained', 'adapter_model.safetensors')], /no weight for any adapted module; expected keys such as "model.layers.0.self_attn.q_proj.weight"/],
    ];
    for (const [args, message] of cases) {
      const { io, err } = capture();
      expect(await main(args, io)).toBe(2);
      expect(err.join('\n')).toMatch(message);
      expect(err.join('\n')).toContain('multilora inspect --help');
    }
    const unknown = capture();
    expect(await main(['frobnicate'], unknown.io)).toBe(2);
    expect(unknown.err.join('\n')).toContain('unknown command "frobnicate". Available: demo, train, inspect, convert, merge');
  });

  it('--base stored [in, out] is transposed under fan_in_fan_out, and named as transposed otherwise', async () => {
    const wide = [{ name: 'h.0.attn.c_attn', inShape: [8], outFeatures: 14 }];
    const gpt2 = createAdapter({ n: 1, r: 2, init: 'lora', seed: 6 }, wide, { fanInFanOut: true });
    for (const m of gpt2.modules.values()) m.b.fill(0.5);
    await writeAdapterFolder(join(dir, 'gpt2'), gpt2);
    const plain = createAdapter({ n: 1, r: 2, init: 'lora', seed: 6 }, wide);
    await writeAdapterFolder(join(dir, 'plain'), plain);
    const w0 = { shape: [8, 14], data: Float64Array.from({ length: 112 }, (_, i) => Math.cos(i)), dtype: 'F64' as const };
    await writeFile(join(dir, 'conv1d.safetensors'), writeSafetensors({ 'h.0.attn.c_attn.weight': w0 }));
    const ok = capture();
    expect(await main(['inspect', join(dir, 'gpt2'), '--base', join(dir, 'conv1d.safetensors'), '--out', join(dir, 'report-d')], ok.io)).toBe(0);
    expect(ok.out.join('\n')).toMatch(/intruder dimensions h\.0\.attn\.c_attn: \d+ of top 8/);
    const bad = capture();
    expect(await main(['inspect', join(dir, 'plain'), '--base', join(dir, 'conv1d.safetensors'), '--out', join(dir, 'report-e')], bad.io)).toBe(2);
    expect(bad.err.join('\n')).toContain('looks transposed ([in, out]): set "fan_in_fan_out": true');
  });

  it('a corrupt adapter file exits 1 with the error code', async () => {
    const broken = join(dir, 'broken');
    await writeAdapterFolder(broken, trained(3));
    await writeFile(join(broken, 'adapter_model.safetensors'), new Uint8Array([1, 2, 3]));
    const { io, err } = capture();
    expect(await main(['inspect', broken, '--out', join(dir, 'report-c')], io)).toBe(1);
    expect(err.join('\n')).toMatch(/error \[SAFETENSORS_[A-Z_]+\]/);
  });
});
