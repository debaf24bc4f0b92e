import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensors, tensorToFloat32, writeSafetensors, type Adapter } from '@multilora/core';
import { readAdapterFolder, writeAdapterFolder } from '@multilora/core/node';
import { UsageError } from '../errors.js';

/** checkpoint.json: where a `train` run stands, so that `--resume` continues it exactly. */
export interface CheckpointState {
  format: 'multilora-train-checkpoint';
  version: 1;
  /** Steps done (the next step to run). */
  step: number;
  /** The run's settings: a resumed run must match them (what decides the data order and the adapter). */
  settings: Record<string, string | number | boolean>;
  /** Rows trained on, and the loss of the last step. */
  rows: number;
  loss: number | null;
}

const STATE = 'checkpoint.json';
const OPTIMIZER = 'optimizer.safetensors';

/**
 * Writes a checkpoint into `dir`: the adapter folder files, the optimizer's state (Adam's moments, by
 * position) in optimizer.safetensors, and checkpoint.json last (renamed into place), so that an
 * interrupted write leaves the previous checkpoint.json pointing at complete files or at none.
 * The data order is a function of (seed, step), so the step is the whole random state.
 */
export async function saveCheckpoint(dir: string, adapter: Adapter, optimizer: tf.Optimizer, state: CheckpointState): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeAdapterFolder(dir, adapter);
  const weights = await optimizer.getWeights();
  const tensors: Record<string, { shape: number[]; data: Float32Array; dtype: 'F32' }> = {};
  for (const [i, w] of weights.entries()) {
    tensors[`${String(i).padStart(5, '0')}:${w.name}`] = { shape: [...w.tensor.shape], data: Float32Array.from(await w.tensor.data()), dtype: 'F32' };
  }
  await writeFile(join(dir, OPTIMIZER), writeSafetensors(tensors));
  const tmp = join(dir, `${STATE}.tmp-${process.pid}`);
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, join(dir, STATE));
}

/** A checkpoint read back: its state, adapter and the optimizer weights to pass to `optimizer.setWeights`. */
export interface Checkpoint {
  state: CheckpointState;
  adapter: Adapter;
  optimizerWeights: { name: string; tensor: tf.Tensor }[];
}

/** Reads the checkpoint in `dir`; a missing or foreign checkpoint.json is a usage error that says what to do. */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const text = await readFile(join(dir, STATE), 'utf8').catch(() => {
    throw new UsageError(`--resume: "${dir}" has no ${STATE}; start a new run without --resume, or point --out at the folder of an earlier run.`);
  });
  const state = JSON.parse(text) as CheckpointState;
  if (state.format !== 'multilora-train-checkpoint' || !Number.isInteger(state.step)) {
    throw new UsageError(`--resume: "${join(dir, STATE)}" is not a multilora train checkpoint.`);
  }
  const adapter = await readAdapterFolder(dir);
  const bytes = await readFile(join(dir, OPTIMIZER));
  const file = readSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const optimizerWeights = [...file.tensors].sort(([a], [b]) => a.localeCompare(b)).map(([key, t]) => ({
    name: key.slice(key.indexOf(':') + 1),
    tensor: tf.tensor(Float32Array.from(tensorToFloat32(t)), t.shape),
  }));
  return { state, adapter, optimizerWeights };
}
