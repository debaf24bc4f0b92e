/**
 * Training-step throughput of the Figure-3 model on each browser backend (driven by
 * bench/browser-training.bench.ts through `window.multilora.benchmark`): a frozen base without adapter,
 * LoRA r ∈ {8, 32, 64} and MultiLoRA n×r ∈ {4×8, 8×8, 2×32}, timed round-robin like the Node benchmark.
 */
import * as tf from '@tensorflow/tfjs';
import { applyMultiLoRA } from '@multilora/tfjs';
import { useBackend, backendLabel, type BackendName } from './backends.js';
import { buildFigure3Model, FIGURE3_SIZES, FIGURE3_VARIANTS as VARIANTS } from '../../../bench/figure3-model.js';
import { median } from '../../../bench/stats.js';

/** Options of {@link runBenchmark}. */
export interface BenchmarkOptions {
  backends: BackendName[];
  size?: 'full' | 'quick';
  steps?: number;
  warmup?: number;
  /** Names of the variants to run (default all). */
  variants?: string[];
}

/** One measured variant on one backend. */
export interface BenchmarkRow {
  backend: string;
  variant: string;
  stepMs: number;
  minMs: number;
  samplesPerSec: number;
  trainable: number;
}

/** Runs the benchmark; `onProgress` gets a line per measured variant. */
export async function runBenchmark(options: BenchmarkOptions, onProgress: (line: string) => void = () => {}): Promise<BenchmarkRow[]> {
  const size = FIGURE3_SIZES[options.size ?? 'full'];
  const steps = options.steps ?? 5;
  const warmup = options.warmup ?? 2;
  const variants = VARIANTS.filter((v) => !options.variants || options.variants.includes(v.name));
  const rows: BenchmarkRow[] = [];
  for (const backend of options.backends) {
    await useBackend(backend);
    const x = tf.randomUniform([size.batch, size.seq, size.hidden], -1, 1, 'float32', 1);
    const y = tf.randomUniform([size.batch, size.seq, size.head], -1, 1, 'float32', 2);
    const runs = variants.map((variant) => {
      const model = buildFigure3Model(size);
      if (variant.config) applyMultiLoRA(model, { seed: 1, ...variant.config });
      else for (const w of model.weights) w.trainable = w.originalName.startsWith('head/');
      const optimizer = tf.train.adam(1e-3);
      const step = async () => {
        const loss = optimizer.minimize(() => tf.losses.meanSquaredError(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true)!;
        await loss.data();
        loss.dispose();
      };
      const trainable = model.trainableWeights.reduce((p, w) => p + (w.shape as number[]).reduce((a, d) => a * d, 1), 0);
      return { variant, step, trainable, times: [] as number[], dispose: () => { optimizer.dispose(); model.dispose(); } };
    });
    for (let i = 0; i < warmup; i++) for (const run of runs) await run.step();
    for (let i = 0; i < steps; i++) {
      for (const run of runs) {
        const t0 = performance.now();
        await run.step();
        run.times.push(performance.now() - t0);
      }
    }
    for (const run of runs) {
      run.dispose();
      const stepMs = median(run.times);
      const row = { backend: backendLabel(), variant: run.variant.name, stepMs, minMs: Math.min(...run.times), samplesPerSec: (1000 * size.batch) / stepMs, trainable: run.trainable };
      rows.push(row);
      onProgress(`${row.backend} | ${row.variant}: ${stepMs.toFixed(1)} ms/step, ${row.samplesPerSec.toFixed(1)} samples/s`);
    }
    tf.dispose([x, y]);
  }
  return rows;
}
