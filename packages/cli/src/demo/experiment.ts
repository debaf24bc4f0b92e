import * as tf from '@tensorflow/tfjs';
import { SeededRandom, deriveSeed, type Adapter, type DenseMatrix } from '@multilora/core';
import type { CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { median, sparseCrossEntropy, trainLoop } from '../training/loop.js';
import { accuracyPerTask, toTensors } from './evaluate.js';
import { adaptedKernels, denseDeltas, exportAdapter, methodLabel, prepareMethod, type MethodName } from './methods.js';
import { buildBaseModel, cloneModel } from './model.js';
import type { DemoSettings } from './settings.js';
import { baseTasks, mixtureTasks, sampleBatch, testSet, type Task } from './tasks.js';

/** What one fine-tuning method achieved. */
export interface MethodResult {
  method: MethodName;
  label: string;
  /** Exact-match accuracy per mixture task, and their mean. */
  accuracy: Record<string, number>;
  meanAccuracy: number;
  /** Accuracy on the base tasks after fine-tuning (what was kept from pretraining). */
  baseAccuracy: Record<string, number>;
  trainable: number;
  total: number;
  /** 100 · trainable / total. */
  trainablePercent: number;
  learningRate: number;
  /** Median step time (ms) and the throughput it implies. */
  stepMs: number;
  stepsPerSecond: number;
  samplesPerSecond: number;
  /** Training loss per step. */
  losses: number[];
  seconds: number;
}

/** A method's result with its update: an adapter, or full fine-tuning's dense ΔW per adapted layer. */
export interface MethodOutcome {
  result: MethodResult;
  adapter?: Adapter;
  deltas?: Map<string, DenseMatrix>;
}

/** The whole experiment: the base model's accuracies and each method's outcome. */
export interface Experiment {
  tasks: Task[];
  baseTasks: Task[];
  /** The pretrained base on the base tasks and (before fine-tuning) on the mixture. */
  base: { baseAccuracy: Record<string, number>; accuracy: Record<string, number>; losses: number[]; seconds: number };
  methods: MethodOutcome[];
  /** The pretrained base model (the caller disposes it). */
  baseModel: tf.LayersModel;
}

const mean = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0) / Math.max(1, Object.keys(r).length);

function batches(tasks: readonly Task[], s: DemoSettings, name: string) {
  return (step: number) => toTensors(sampleBatch(tasks, s.batch, new SeededRandom(deriveSeed(s.seed, `${name}-${step}`))));
}

async function train(io: CliIo, label: string, model: tf.LayersModel, lr: number, steps: number, batch: (step: number) => { x: tf.Tensor; y: tf.Tensor }) {
  const progress = new Progress(io, label, steps);
  const optimizer = tf.train.adam(lr);
  const t0 = performance.now();
  const run = await trainLoop({
    model, optimizer, steps, batch, loss: sparseCrossEntropy,
    onStep: (step, loss) => progress.update(step + 1, `loss ${loss.toFixed(3)}`),
  });
  const seconds = (performance.now() - t0) / 1000;
  progress.finish(`${steps} steps, final loss ${run.losses[run.losses.length - 1]?.toFixed(3) ?? '—'}`);
  optimizer.dispose();
  return { ...run, seconds };
}

/**
 * Runs the miniature experiment: pretrains a base model on the base tasks, then fine-tunes a copy of
 * it on the mixture with full fine-tuning, LoRA (r = n·r) and MultiLoRA (n, r): the same batches, steps
 * and seed for all three. Reports progress on `io`.
 */
export async function runExperiment(s: DemoSettings, io: CliIo): Promise<Experiment> {
  const base = baseTasks();
  const tasks = mixtureTasks(s.seed);
  const tests = testSet(tasks, s.testPerTask, deriveSeed(s.seed, 'test'));
  const baseTests = testSet(base, s.testPerTask, deriveSeed(s.seed, 'base-test'));

  const model = buildBaseModel(s, s.seed);
  const pre = await train(io, 'pretraining base model', model, s.lrPretrain, s.pretrainSteps, batches(base, s, 'pretrain'));
  const baseResult = { baseAccuracy: accuracyPerTask(model, baseTests), accuracy: accuracyPerTask(model, tests), losses: pre.losses, seconds: pre.seconds };
  io.err(`  base model: ${fmtAcc(baseResult.baseAccuracy)}`);
  const w0 = adaptedKernels(model);

  const methods: MethodOutcome[] = [];
  for (const method of ['full', 'lora', 'multilora'] as const) {
    const label = methodLabel(method, s);
    const prepared = prepareMethod(method, cloneModel(model, s, s.seed), s);
    const run = await train(io, label, prepared.model, prepared.learningRate, s.steps, batches(tasks, s, 'finetune'));
    const accuracy = accuracyPerTask(prepared.model, tests);
    const stepMs = median(run.stepMs);
    const result: MethodResult = {
      method, label, accuracy, meanAccuracy: mean(accuracy), baseAccuracy: accuracyPerTask(prepared.model, baseTests),
      trainable: prepared.trainable, total: prepared.total, trainablePercent: (100 * prepared.trainable) / prepared.total,
      learningRate: prepared.learningRate, stepMs, stepsPerSecond: 1000 / stepMs, samplesPerSecond: (1000 * s.batch) / stepMs,
      losses: run.losses, seconds: run.seconds,
    };
    io.err(`  ${label}: ${fmtAcc(accuracy)}`);
    methods.push(method === 'full'
      ? { result, deltas: denseDeltas(adaptedKernels(prepared.model), w0) }
      : { result, adapter: exportAdapter(prepared) });
    prepared.model.dispose();
  }
  return { tasks, baseTasks: base, base: baseResult, methods, baseModel: model };
}

function fmtAcc(acc: Record<string, number>): string {
  return Object.entries(acc).map(([k, v]) => `${k} ${(100 * v).toFixed(1)}%`).join(', ');
}
