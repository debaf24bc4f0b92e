/**
 * The paper's Figure 3 for @multilora/tfjs: training-step throughput (samples/s) and peak memory (the
 * high-water mark of tf.memory().numBytes during one step) of a small transformer-like tfjs model
 * (2 blocks; per block RMS norms, single-head attention with q, k, v, o projections and a 2-layer MLP,
 * i.e. 6 Dense layers; hidden 256) with
 * a frozen base and no adapter (only the output head trains), LoRA r ∈ {8, 32, 64} and MultiLoRA
 * n×r ∈ {4×8, 8×8, 2×32}, on tfjs's cpu backend (with our fused kernel on core's TypeScript kernels, on
 * @multilora/wasm-kernels, and on tfjs's own cpu ops) and on the wasm backend (XNNPACK ops, and our
 * kernel). Steps are timed round-robin across variants. `--quick`: smaller model and fewer steps;
 * `--backends=cpu` or `--backends=wasm`: only those modes.
 *
 * Run: node --import tsx bench/tfjs-training.bench.ts [--quick] [--backends=cpu,wasm]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { getKernels, registerKernels } from '@multilora/core';
import { loadWasmKernels } from '@multilora/wasm-kernels';
import { applyMultiLoRA, setFastKernel } from '@multilora/tfjs';
import { buildFigure3Model, FIGURE3_SIZES, FIGURE3_VARIANTS as VARIANTS, type Figure3Variant as Variant } from './figure3-model.js';
import { median, printTable, writeResults } from './harness.js';

const QUICK = process.argv.includes('--quick');
const SIZE = FIGURE3_SIZES[QUICK ? 'quick' : 'full'];
const { hidden: HIDDEN, seq: SEQ, batch: BATCH, blocks: BLOCKS, head: HEAD } = SIZE;
const STEPS = QUICK ? 3 : 5;
const WARMUP = 2;

interface Mode {
  name: string;
  backend: 'cpu' | 'wasm';
  /** Our fused kernel on (true) or tfjs's standard ops (false). */
  fast: boolean;
  /** Which implementation of core's kernel interface the fused kernel runs. */
  kernels?: 'ts' | 'wasm-simd';
}

const MODES: Mode[] = [
  { name: 'cpu + fused kernel (wasm-simd)', backend: 'cpu', fast: true, kernels: 'wasm-simd' },
  { name: 'cpu + fused kernel (ts)', backend: 'cpu', fast: true, kernels: 'ts' },
  { name: 'cpu, tfjs ops', backend: 'cpu', fast: false },
  { name: 'wasm, tfjs ops (XNNPACK)', backend: 'wasm', fast: false },
  { name: 'wasm + fused kernel (wasm-simd)', backend: 'wasm', fast: true, kernels: 'wasm-simd' },
  { name: 'wasm + fused kernel (ts)', backend: 'wasm', fast: true, kernels: 'ts' },
];

function bytesOf(weights: tf.LayerVariable[]): number {
  return weights.reduce((p, w) => p + 4 * (w.shape as number[]).reduce((a, d) => a * d, 1), 0);
}

/** A model of one variant with its optimizer and one training step (the step reads the loss to finish). */
function prepare(variant: Variant, x: tf.Tensor, y: tf.Tensor) {
  const model = buildFigure3Model(SIZE);
  let adapterBytes = 0;
  if (variant.config) {
    adapterBytes = bytesOf(applyMultiLoRA(model, { seed: 1, ...variant.config }).adapterWeights);
  } else {
    for (const w of model.weights) w.trainable = w.originalName.startsWith('head/');
  }
  const optimizer = tf.train.adam(1e-3);
  const step = () => {
    const loss = optimizer.minimize(() => tf.losses.meanSquaredError(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true);
    loss!.dataSync();
    loss!.dispose();
  };
  const trainable = model.trainableWeights.reduce((p, w) => p + (w.shape as number[]).reduce((a, d) => a * d, 1), 0);
  return { variant, step, adapterBytes, trainable, times: [] as number[], dispose: () => { optimizer.dispose(); model.dispose(); } };
}

/**
 * Step times of every variant under the current backend and kernel mode, measured round-robin (one step
 * of each variant in turn) so that a change in the machine's load hits all variants alike; then, one
 * variant alive at a time, the peak memory of a step: tf.profile's high-water mark of numBytes minus the
 * bytes held before the model was built (so: weights, optimizer state and the step's activations).
 */
async function measureAll() {
  const x = tf.randomUniform([BATCH, SEQ, HIDDEN], -1, 1, 'float32', 1);
  const y = tf.randomUniform([BATCH, SEQ, HEAD], -1, 1, 'float32', 2);
  const runs = VARIANTS.map((v) => prepare(v, x, y));
  for (let i = 0; i < WARMUP; i++) for (const run of runs) run.step();
  for (let i = 0; i < STEPS; i++) {
    for (const run of runs) {
      const t0 = performance.now();
      run.step();
      run.times.push(performance.now() - t0);
    }
  }
  for (const run of runs) run.dispose();
  const measured = [];
  for (const run of runs) {
    const before = tf.memory().numBytes;
    const alone = prepare(run.variant, x, y);
    alone.step();
    const profile = await tf.profile(alone.step);
    alone.dispose();
    const stepMs = median(run.times);
    measured.push({ ...run, stepMs, minMs: Math.min(...run.times), samplesPerSec: (1000 * BATCH) / stepMs, peakBytes: profile.peakBytes - before });
  }
  tf.dispose([x, y]);
  return measured;
}

const wasmKernels = await loadWasmKernels();
let unregister: (() => void) | undefined;
function useKernels(kind: Mode['kernels']) {
  unregister?.();
  unregister = kind === 'wasm-simd' ? registerKernels(wasmKernels, 10) : undefined;
}

const results: Record<string, string | number>[] = [];
const wanted = process.argv.find((a) => a.startsWith('--backends='))?.slice('--backends='.length).split(',');
for (const mode of MODES.filter((m) => !wanted || wanted.includes(m.backend))) {
  await tf.setBackend(mode.backend);
  await tf.ready();
  setFastKernel(mode.backend, mode.fast);
  useKernels(mode.kernels);
  for (const r of await measureAll()) {
    results.push({
      mode: mode.name,
      variant: r.variant.name,
      kernels: mode.fast ? getKernels().name : 'tfjs',
      'step ms': r.stepMs,
      'min ms': r.minMs,
      'samples/s': r.samplesPerSec,
      'peak MiB': r.peakBytes / 2 ** 20,
      'adapter KiB': r.adapterBytes / 1024,
      trainable: r.trainable,
    });
    console.log(`${mode.name} | ${r.variant.name}: ${r.stepMs.toFixed(1)} ms/step, ${r.samplesPerSec.toFixed(1)} samples/s, peak ${(r.peakBytes / 2 ** 20).toFixed(2)} MiB`);
  }
}

const find = (mode: string, variant: string) => results.find((r) => r.mode === mode && r.variant === variant) as Record<string, number> | undefined;
const perMode: Record<string, string | number>[] = [];
for (const mode of new Set(results.map((r) => r.mode as string))) {
  const [l8, l32, m4, m8] = ['LoRA r=8', 'LoRA r=32', 'MultiLoRA 4×8', 'MultiLoRA 8×8'].map((v) => find(mode, v));
  if (!l8 || !l32 || !m4 || !m8) continue;
  perMode.push({
    mode,
    'MultiLoRA 4×8 / LoRA r=32 samples/s (target ≥ 0.95)': m4['samples/s'] / l32['samples/s'],
    'same, by min step time': l32['min ms'] / m4['min ms'],
    'adapter KiB per module, n = 1→4 | 4→8 (r = 8)': `${((m4['adapter KiB'] - l8['adapter KiB']) / 3).toFixed(1)} | ${((m8['adapter KiB'] - m4['adapter KiB']) / 4).toFixed(1)}`,
    'peak MiB per module, n = 1→4 | 4→8 (linear: equal)': `${((m4['peak MiB'] - l8['peak MiB']) / 3).toFixed(3)} | ${((m8['peak MiB'] - m4['peak MiB']) / 4).toFixed(3)}`,
  });
}
const speedups: Record<string, string | number>[] = [];
for (const variant of VARIANTS.filter((v) => v.config)) {
  const plain = find('cpu, tfjs ops', variant.name);
  const wasmPlain = find('wasm, tfjs ops (XNNPACK)', variant.name);
  const ratio = (mode: string, base?: Record<string, number>) => {
    const r = find(mode, variant.name);
    return r && base ? r['samples/s'] / base['samples/s'] : 'n/a';
  };
  speedups.push({
    variant: variant.name,
    'cpu: fused (wasm-simd) / tfjs ops (target ≥ 3)': ratio('cpu + fused kernel (wasm-simd)', plain),
    'cpu: fused (ts) / tfjs ops': ratio('cpu + fused kernel (ts)', plain),
    'wasm: fused (wasm-simd) / XNNPACK ops': ratio('wasm + fused kernel (wasm-simd)', wasmPlain),
    'wasm: fused (ts) / XNNPACK ops': ratio('wasm + fused kernel (ts)', wasmPlain),
  });
}

console.log(`\nTraining step, batch ${BATCH} × seq ${SEQ}, hidden ${HIDDEN}, ${BLOCKS} blocks × 6 Dense${QUICK ? ' (quick)' : ''}:`);
printTable(results);
console.log('');
printTable(perMode);
console.log('');
printTable(speedups);
const path = writeResults('tfjs-training', {
  quick: QUICK,
  model: { hidden: HIDDEN, seq: SEQ, batch: BATCH, blocks: BLOCKS, densePerBlock: 6, head: HEAD },
  steps: STEPS,
  results,
  perMode,
  speedups,
});
console.log(`\nwrote ${path}`);
