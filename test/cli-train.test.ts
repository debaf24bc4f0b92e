// `multilora train` on a small tfjs model saved to disk: JSONL and CSV data, every malformed row
// reported with its line, and a resumed run that equals an uninterrupted one (max |Δ| ≤ 1e-6).
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom, referenceDeltaWeight } from '@multilora/core';
import { readAdapterFolder } from '@multilora/core/node';
import { main } from '../packages/cli/src/main.js';
import { saveModelFiles } from '../packages/cli/src/tfjs-files.js';
import { capture } from './cli-helpers.js';

let dir: string;
const rows: { input: number[]; target: number }[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'multilora-train-'));
  tf.enableProdMode(); // as the command does: no tfjs-node banner
  const input = tf.input({ shape: [4] });
  const hidden = tf.layers.dense({ units: 16, activation: 'relu', name: 'hidden', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input);
  const out = tf.layers.dense({ units: 3, activation: 'softmax', name: 'out', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(hidden) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  await saveModelFiles(model, join(dir, 'model'));
  model.dispose();
  // Class = the index of the largest of the first three features.
  const rng = new SeededRandom(3);
  for (let i = 0; i < 120; i++) {
    const x = Array.from({ length: 4 }, () => rng.uniform(-1, 1));
    rows.push({ input: x, target: x.slice(0, 3).indexOf(Math.max(...x.slice(0, 3))) });
  }
  await writeFile(join(dir, 'data.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await writeFile(join(dir, 'data.csv'), `x0,x1,x2,x3,target\n${rows.map((r) => [...r.input, r.target].join(',')).join('\n')}\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = (out: string, extra: string[] = []) => ['train', join(dir, 'model'), join(dir, 'data.jsonl'), '--out', join(dir, out), '--batch', '16', '--lr', '0.02', ...extra];

describe('multilora train', () => {
  it('trains a MultiLoRA adapter on JSONL rows (cross-entropy on a softmax model); the loss falls below ln 3', async () => {
    const run = capture();
    expect(await main(base('a', ['--steps', '60']), run.io), run.errors()).toBe(0);
    expect(run.errors()).toContain('120 rows (jsonl), loss ce, 1 adapted layer(s) (hidden)');
    const adapter = await readAdapterFolder(join(dir, 'a'));
    expect([...adapter.modules.keys()]).toEqual(['hidden']);
    const m = adapter.modules.get('hidden')!;
    expect([m.n, m.r]).toEqual([4, 4]);
    expect(referenceDeltaWeight(m).some((v) => v !== 0)).toBe(true);
    const state = JSON.parse(await readFile(join(dir, 'a', 'checkpoint.json'), 'utf8'));
    expect(state.step).toBe(60);
    expect(state.loss).toBeLessThan(Math.log(3));
  });

  it('--resume continues exactly: 10 steps + resume to 20 equals 20 steps straight (max |Δ| ≤ 1e-6)', async () => {
    expect(await main(base('straight', ['--steps', '20', '--checkpoint-every', '10']), capture().io)).toBe(0);
    expect(await main(base('resumed', ['--steps', '10']), capture().io)).toBe(0);
    const resumed = capture();
    expect(await main(base('resumed', ['--steps', '20', '--resume']), resumed.io), resumed.errors()).toBe(0);
    expect(resumed.errors()).toContain('resuming at step 10');
    const a = (await readAdapterFolder(join(dir, 'straight'))).modules.get('hidden')!;
    const b = (await readAdapterFolder(join(dir, 'resumed'))).modules.get('hidden')!;
    for (const key of ['a', 'b', 'scale'] as const) {
      let worst = 0;
      for (let i = 0; i < a[key].length; i++) worst = Math.max(worst, Math.abs(a[key][i] - b[key][i]));
      expect(worst, key).toBeLessThanOrEqual(1e-6);
    }
    const changed = capture();
    expect(await main(base('resumed', ['--steps', '30', '--resume', '--r', '2']), changed.io)).toBe(2);
    expect(changed.errors()).toContain('--resume with different settings: --r 2 (checkpoint: 4)');
  });

  it('reads CSV (header, target column) and trains LoRA with --n 1 --init lora', async () => {
    const run = capture();
    expect(await main(['train', join(dir, 'model', 'model.json'), join(dir, 'data.csv'), '--out', join(dir, 'csv'), '--steps', '5', '--n', '1', '--r', '8', '--init', 'lora'], run.io), run.errors()).toBe(0);
    const m = (await readAdapterFolder(join(dir, 'csv'))).modules.get('hidden')!;
    expect([m.n, m.r]).toEqual([1, 8]);
  });

  it('reports every malformed row with its line; stops by default, trains on the valid rows with --skip-bad-rows', async () => {
    const lines = [
      JSON.stringify(rows[0]),
      '{"input": [1, 2, 3], "target": 0}',
      'not json',
      '',
      '{"input": [1, 2, 3, 4]}',
      '{"input": [1, 2, 3, 4], "target": 7}',
      '{"input": [1, "x", 3, 4], "target": 1}',
      ...rows.slice(1, 20).map((r) => JSON.stringify(r)),
    ];
    await writeFile(join(dir, 'bad.jsonl'), lines.join('\n'));
    const args = ['train', join(dir, 'model'), join(dir, 'bad.jsonl'), '--out', join(dir, 'bad'), '--steps', '3'];
    const stop = capture();
    expect(await main(args, stop.io)).toBe(2);
    const text = stop.errors();
    expect(text).toContain('5 malformed row(s)');
    expect(text).toContain('20 valid');
    expect(text).toContain('line 2: input has 3 number(s); expected 4 for the model\'s input [4]');
    expect(text).toMatch(/line 3: not valid JSON/);
    expect(text).toContain('line 5: missing "target"');
    expect(text).toContain('line 6: target has 1 value(s) [7]; expected one class index (whole numbers 0–2)');
    expect(text).toContain('line 7: "input" is [1,"x",3,4]');
    expect(text).toContain('--skip-bad-rows');
    const skip = capture();
    expect(await main([...args, '--skip-bad-rows'], skip.io), skip.errors()).toBe(0);
    expect(skip.errors()).toContain('warning: skipping 5 malformed row(s)');
    expect(skip.errors()).toContain('20 rows (jsonl)');
  });

  it('--help documents the dataset format; bad input files exit 2 with what is expected', async () => {
    const help = capture();
    expect(await main(['train', '--help'], help.io)).toBe(0);
    expect(help.text()).toContain('{"input": [numbers], "target": number | [numbers]}');
    const cases: [string[], RegExp][] = [
      [['train', join(dir, 'model')], /expected <model> <dataset>, got 1/],
      [['train', join(dir, 'nope'), join(dir, 'data.jsonl')], /model ".*nope" does not exist/],
      [['train', join(dir, 'model'), join(dir, 'data.txt')], /expected \.jsonl \(or \.ndjson\) or \.csv/],
      [['train', join(dir, 'model'), join(dir, 'data.jsonl'), '--out', join(dir, 'fresh'), '--resume'], /has no checkpoint\.json; start a new run without --resume/],
    ];
    for (const [args, message] of cases) {
      const run = capture();
      expect(await main(args, run.io)).toBe(2);
      expect(run.errors()).toMatch(message);
    }
  });
});
