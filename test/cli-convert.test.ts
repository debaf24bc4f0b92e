// `multilora convert`: MultiLoRA → PEFT LoRA and back, and the real PEFT GPT-2 fixture → MultiLoRA;
// ΔW of the written folder against core's float64 reference of the input (rel 1e-6: one float32 rounding).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom, createAdapter, referenceDeltaWeight, type Adapter } from '@multilora/core';
import { readAdapterFolder, writeAdapterFolder } from '@multilora/core/node';
import { main } from '../packages/cli/src/main.js';
import { capture } from './cli-helpers.js';

const fixture = fileURLToPath(new URL('../../shared/fixtures/peft-gpt2-lora', import.meta.url));

/** The largest relative ‖ΔW_a − ΔW_b‖_F over (the first `limit`) modules, from dense float64 references. */
function relativeError(a: Adapter, b: Adapter, limit = Infinity): number {
  let worst = 0;
  for (const [name, m] of [...a.modules].slice(0, limit)) {
    const x = referenceDeltaWeight(m);
    const y = referenceDeltaWeight(b.modules.get(name)!);
    let num = 0;
    let den = 0;
    for (let i = 0; i < x.length; i++) [num, den] = [num + (x[i] - y[i]) ** 2, den + x[i] ** 2];
    worst = Math.max(worst, Math.sqrt(num / den));
  }
  return worst;
}

let dir: string;
let multi: Adapter;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'multilora-convert-'));
  multi = createAdapter({ n: 3, r: 2, loraAlpha: 5, seed: 4, targetModules: ['q', 'v'] }, [
    { name: 'layer.q', inShape: [10], outFeatures: 7 }, { name: 'layer.v', inShape: [10], outFeatures: 9 },
  ]);
  const rng = new SeededRandom(9);
  for (const m of multi.modules.values()) for (let i = 0; i < m.scale.length; i++) m.scale[i] = rng.uniform(-1.5, 1.5);
  await writeAdapterFolder(join(dir, 'multi'), multi);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('multilora convert', () => {
  it('MultiLoRA → PEFT LoRA of rank n·r with the same ΔW (rel 1e-6), and back to MultiLoRA (n = 1)', async () => {
    const run = capture();
    expect(await main(['convert', join(dir, 'multi'), join(dir, 'lora')], run.io), run.errors()).toBe(0);
    expect(run.text()).toContain('(PEFT LoRA, n = 1, r = 6, F32)');
    const config = JSON.parse(await readFile(join(dir, 'lora', 'adapter_config.json'), 'utf8'));
    expect(config.peft_type).toBe('LORA');
    const lora = await readAdapterFolder(join(dir, 'lora'));
    expect(relativeError(multi, lora)).toBeLessThan(1e-6);
    const back = capture();
    expect(await main(['convert', join(dir, 'lora'), join(dir, 'native')], back.io)).toBe(0);
    const native = await readAdapterFolder(join(dir, 'native'));
    expect(native.metadata.peftType).toBe('MULTILORA');
    expect([...native.modules.values()].map((m) => [m.n, m.r])).toEqual([[1, 6], [1, 6]]);
    expect(relativeError(multi, native)).toBeLessThan(1e-6);
  });

  it('the real PEFT GPT-2 LoRA fixture → MultiLoRA n = 1 with the same ΔW (rel 1e-6; dense check on 4 of 36 modules)', async () => {
    const run = capture();
    expect(await main(['convert', fixture, join(dir, 'gpt2')], run.io), run.errors()).toBe(0);
    const printed = Number(/largest relative ΔW difference over modules (\S+)/.exec(run.text())?.[1]);
    expect(printed).toBeLessThan(1e-6);
    const source = await readAdapterFolder(fixture);
    const converted = await readAdapterFolder(join(dir, 'gpt2'));
    expect(converted.modules.size).toBe(36);
    expect(converted.metadata.peftType).toBe('MULTILORA');
    expect(relativeError(source, converted, 4)).toBeLessThan(1e-6);
  });

  it('bad usage exits 2 and says what to do; a missing folder exits 1 with the error code', async () => {
    const cases: [string[], RegExp][] = [
      [['convert', join(dir, 'multi')], /expected <adapter-dir> <out-dir>, got 1 argument/],
      [['convert', join(dir, 'multi'), join(dir, 'multi')], /write the converted adapter to another folder/],
      [['convert', join(dir, 'multi'), join(dir, 'x'), '--to', 'onnx'], /--to is "onnx"; expected "lora" or "multilora"/],
      [['convert', join(dir, 'multi'), join(dir, 'x'), '--dtype', 'f8'], /--dtype is "f8"/],
    ];
    for (const [args, message] of cases) {
      const run = capture();
      expect(await main(args, run.io)).toBe(2);
      expect(run.errors()).toMatch(message);
    }
    const missing = capture();
    expect(await main(['convert', join(dir, 'nope'), join(dir, 'x')], missing.io)).toBe(1);
    expect(missing.errors()).toContain('error [ADAPTER_MISSING_FILE]');
  });
});
