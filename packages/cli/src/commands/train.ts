import * as tf from '@tensorflow/tfjs';
import { resolve } from 'node:path';
import { resolveConfig, type MultiLoraConfig } from '@multilora/core';
import { applyMultiLoRA } from '@multilora/tfjs';
import { prepareBackend } from '../backend.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { loadModelFiles } from '../tfjs-files.js';
import { loadCheckpoint, saveCheckpoint, type CheckpointState } from '../training/checkpoint.js';
import { DATASET_FORMAT, fitRows, readDataset, type Row, type RowError } from '../training/dataset.js';
import { trainLoop } from '../training/loop.js';
import { planLoss, type LossKind } from '../training/loss.js';
import { batchRows } from '../training/schedule.js';
import { parseCommandArgs, type Command } from './command.js';

const HELP = `Usage: multilora train <model> <dataset> [options]

Trains a MultiLoRA (or LoRA) adapter on a TensorFlow.js layers model and writes an adapter folder.
<model> is a model.json saved by tfjs (model.save), or the folder holding it, with its weight files.
The base weights stay frozen; only the adapters train (Adam). The output folder is also a
checkpoint: checkpoint.json (steps done, settings) and optimizer.safetensors (Adam's state) beside
adapter_config.json and adapter_model.safetensors; --resume continues from it exactly, since the
batch order is a function of the seed and the step.

Dataset formats:
  ${DATASET_FORMAT.split('\n').join('\n  ')}
  Loss (--loss auto): cross-entropy when every target is a whole-number class index and the model's
  last output axis has the classes (output [C]: one index per row; output [T, C]: T indices); the
  model may output logits or end in softmax. Otherwise mean squared error against the flattened output.

Malformed rows: every one is reported with its line number and what was expected. By default the run
stops with that list before training; --skip-bad-rows trains on the valid rows and lists the others.

Options:
  --out <dir>            adapter / checkpoint folder (default ./multilora-adapter)
  --n <int>, --r <int>   parallel modules and rank (default 4, 4); --n 1 --init lora is plain LoRA
  --alpha <num>          lora_alpha (default r: γ = 1)
  --init <multilora|lora> initialisation (default multilora: scales 0, Kaiming A and B)
  --targets <a,b,…>      layer names to adapt (default: every Dense/Embedding/Conv2D but the output layer)
  --steps <int>          total training steps (default 500)
  --batch <int>          batch size (default 32)
  --lr <num>             Adam learning rate (default 0.003)
  --loss <auto|ce|mse>   see above (default auto)
  --seed <int>           adapter init and data order (default 42)
  --checkpoint-every <int>  steps between checkpoints (default 100; the last step always writes one)
  --resume               continue the run whose checkpoint is in --out (same settings required)
  --skip-bad-rows        train on the valid rows when some are malformed
  -h, --help             this help`;

const OPTIONS = {
  out: { type: 'string' },
  n: { type: 'string' },
  r: { type: 'string' },
  alpha: { type: 'string' },
  init: { type: 'string' },
  targets: { type: 'string' },
  steps: { type: 'string' },
  batch: { type: 'string' },
  lr: { type: 'string' },
  loss: { type: 'string' },
  seed: { type: 'string' },
  'checkpoint-every': { type: 'string' },
  resume: { type: 'boolean' },
  'skip-bad-rows': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function num(flag: string, value: string | undefined, fallback: number, kind: 'int' | 'positive' | 'seed'): number {
  if (value === undefined) return fallback;
  const v = Number(value);
  const ok = kind === 'int' ? Number.isInteger(v) && v >= 1 : kind === 'seed' ? Number.isInteger(v) : Number.isFinite(v) && v > 0;
  if (!ok) throw new UsageError(`--${flag} is "${value}"; expected ${kind === 'int' ? 'a whole number ≥ 1' : kind === 'seed' ? 'an integer' : 'a positive number'}.`);
  return v;
}

function listErrors(errors: readonly RowError[], max = 20): string {
  const shown = errors.slice(0, max).map((e) => `  line ${e.line}: ${e.message}`);
  return [...shown, ...(errors.length > max ? [`  … and ${errors.length - max} more`] : [])].join('\n');
}

function inputShape(model: tf.LayersModel): number[] {
  const shape = model.inputs[0].shape.slice(1);
  if (model.inputs.length !== 1 || shape.some((d) => d === null)) {
    throw new UsageError(`the model has ${model.inputs.length} input(s) of shape [${model.inputs.map((i) => i.shape.join(', ')).join('], [')}]; train needs one input of fixed size.`);
  }
  return shape as number[];
}

function outputShape(model: tf.LayersModel): number[] {
  const shape = model.outputs[0].shape.slice(1);
  if (model.outputs.length !== 1 || shape.some((d) => d === null)) throw new UsageError('train needs a model with one output of fixed size.');
  return shape as number[];
}

function endsInSoftmax(model: tf.LayersModel): boolean {
  const last = model.layers[model.layers.length - 1];
  const config = last.getConfig() as { activation?: string };
  return config.activation === 'softmax' || last.getClassName() === 'Softmax';
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parseCommandArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  if (v.help) {
    io.out(HELP);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(`expected <model> <dataset>, got ${positionals.length} argument(s)${positionals.length ? `: ${positionals.join(' ')}` : ''}.`);
  const [modelPath, dataPath] = positionals;
  const out = resolve(v.out ?? 'multilora-adapter');
  const n = num('n', v.n, 4, 'int');
  const r = num('r', v.r, 4, 'int');
  const init = v.init ?? 'multilora';
  if (init !== 'multilora' && init !== 'lora') throw new UsageError(`--init is "${init}"; expected multilora or lora.`);
  const lossKind = v.loss ?? 'auto';
  if (!['auto', 'ce', 'mse'].includes(lossKind)) throw new UsageError(`--loss is "${lossKind}"; expected auto, ce or mse.`);
  const settings = {
    n, r, alpha: num('alpha', v.alpha, r, 'positive'), init, targets: v.targets ?? '',
    steps: num('steps', v.steps, 500, 'int'), batch: num('batch', v.batch, 32, 'int'), lr: num('lr', v.lr, 0.003, 'positive'),
    loss: lossKind, seed: num('seed', v.seed, 42, 'seed'),
  };
  const every = num('checkpoint-every', v['checkpoint-every'], 100, 'int');
  const resumed = v.resume ? await loadCheckpoint(out) : undefined;
  if (resumed) {
    const changed = Object.entries(settings).filter(([k, x]) => k !== 'steps' && resumed.state.settings[k] !== x).map(([k, x]) => `--${k} ${x} (checkpoint: ${resumed.state.settings[k]})`);
    if (changed.length) throw new UsageError(`--resume with different settings: ${changed.join(', ')}. Use the checkpoint's settings, or train into a new --out.`);
  }

  const runtime = await prepareBackend();
  const dataset = await readDataset(dataPath);
  const model = await loadModelFiles(modelPath);
  const input = inputShape(model);
  const output = outputShape(model);
  const inputSize = input.reduce((a, b) => a * b, 1);
  const loss = planLoss(lossKind as LossKind | 'auto', output, dataset.rows, endsInSoftmax(model));
  const { rows, errors } = fitRows(dataset, (row: Row) =>
    row.input.length !== inputSize ? `input has ${row.input.length} number(s); expected ${inputSize} for the model's input [${input.join(', ')}]` : loss.check(row));
  if (errors.length > 0) {
    const summary = `${errors.length} malformed row(s) in ${dataPath}, ${rows.length} valid:\n${listErrors(errors)}`;
    if (!v['skip-bad-rows']) throw new UsageError(`${summary}\nFix them, or pass --skip-bad-rows to train on the ${rows.length} valid rows.`);
    io.err(`warning: skipping ${summary}`);
  }
  if (rows.length === 0) throw new UsageError(`no valid rows in ${dataPath}.\n${DATASET_FORMAT}`);
  if (resumed && resumed.state.rows !== rows.length) {
    throw new UsageError(`--resume: the checkpoint trained on ${resumed.state.rows} rows, the dataset now has ${rows.length} valid rows; the data order would differ. Train into a new --out.`);
  }

  const config: Partial<MultiLoraConfig> = {
    n, r, loraAlpha: settings.alpha, init, seed: settings.seed,
    ...(settings.targets ? { targetModules: settings.targets.split(',').map((t) => t.trim()) } : {}),
  };
  resolveConfig(config);
  const handle = applyMultiLoRA(model, resumed ? resumed.adapter : config);
  const optimizer = tf.train.adam(settings.lr);
  const start = resumed?.state.step ?? 0;
  if (resumed) await optimizer.setWeights(resumed.optimizerWeights);
  const counts = handle.parameterCounts();
  io.err(`multilora train: ${rows.length} rows (${dataset.format}), loss ${loss.kind}, ${handle.moduleNames.length} adapted layer(s) ` +
    `(${handle.moduleNames.join(', ')}), ${counts.trainable.toLocaleString('en')} trainable of ${counts.total.toLocaleString('en')} ` +
    `(${counts.percent.toFixed(2)}%); ${runtime.backend} backend, ${runtime.kernels} kernels${resumed ? `; resuming at step ${start}` : ''}`);

  const xs = Float32Array.from(rows.flatMap((row) => row.input));
  const ys = Float32Array.from(rows.flatMap((row) => row.target));
  const targetSize = rows[0].target.length;
  const isInt = model.inputs[0].dtype === 'int32';
  const batch = (step: number) => {
    const idx = batchRows(settings.seed, step, settings.batch, rows.length);
    const x = new Float32Array(idx.length * inputSize);
    const y = new Float32Array(idx.length * targetSize);
    idx.forEach((row, k) => {
      x.set(xs.subarray(row * inputSize, (row + 1) * inputSize), k * inputSize);
      y.set(ys.subarray(row * targetSize, (row + 1) * targetSize), k * targetSize);
    });
    return { x: tf.tensor(x, [idx.length, ...input], isInt ? 'int32' : 'float32'), y: tf.tensor(y, [idx.length, ...loss.targetShape]) };
  };
  const state = (step: number, last: number | null): CheckpointState =>
    ({ format: 'multilora-train-checkpoint', version: 1, step, settings, rows: rows.length, loss: last });
  const progress = new Progress(io, 'training', settings.steps);
  let last: number | null = resumed?.state.loss ?? null;
  await trainLoop({
    model, optimizer, steps: settings.steps, startStep: start, batch, loss: loss.fn,
    onStep: async (step, value) => {
      last = value;
      progress.update(step + 1, `loss ${value.toFixed(4)}`);
      if ((step + 1) % every === 0 && step + 1 < settings.steps) await saveCheckpoint(out, handle.exportAdapter(), optimizer, state(step + 1, value));
    },
  });
  await saveCheckpoint(out, handle.exportAdapter(), optimizer, state(Math.max(start, settings.steps), last));
  progress.finish(`${Math.max(0, settings.steps - start)} step(s), loss ${last === null ? '—' : (last as number).toFixed(4)}`);
  optimizer.dispose();
  model.dispose();
  io.out(`wrote adapter ${out} (adapter_config.json, adapter_model.safetensors; checkpoint.json at step ${Math.max(start, settings.steps)}; ` +
    `continue with --resume --steps <more>)`);
  return 0;
}

/** `multilora train`: a MultiLoRA adapter on a tfjs model from a JSONL/CSV dataset, resumable. */
export const trainCommand: Command = {
  name: 'train',
  help: HELP,
  run,
};
