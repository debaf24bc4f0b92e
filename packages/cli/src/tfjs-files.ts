import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './errors.js';

/**
 * Loads a tfjs layers model from `model.json` and its weight files on disk (tfjs-node's `file://`
 * handler without tfjs-node): the weights manifest's paths are resolved next to model.json.
 */
export async function loadModelFiles(path: string): Promise<tf.LayersModel> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new UsageError(`model "${path}" does not exist; pass a tfjs model.json (or the folder holding it).`);
  const file = info.isDirectory() ? join(path, 'model.json') : path;
  const text = await readFile(file, 'utf8').catch(() => {
    throw new UsageError(`"${path}" has no model.json; pass a tfjs layers model saved with model.save().`);
  });
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(text) as tf.io.ModelJSON;
  } catch (e) {
    throw new UsageError(`"${file}" is not valid JSON (${(e as Error).message}); expected a tfjs model.json.`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new UsageError(`"${file}" lacks modelTopology or weightsManifest; expected a tfjs layers model.json (a graph model cannot train).`);
  }
  const dir = dirname(resolve(file));
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) buffers.push(await readFile(join(dir, p)));
  }
  const weightData = new Uint8Array(buffers.reduce((n, b) => n + b.byteLength, 0));
  let offset = 0;
  for (const b of buffers) {
    weightData.set(b, offset);
    offset += b.byteLength;
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: weightData.buffer,
    ...(json.format ? { format: json.format } : {}),
    ...(json.generatedBy ? { generatedBy: json.generatedBy } : {}),
    ...(json.convertedBy !== undefined ? { convertedBy: json.convertedBy } : {}),
  };
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}

/** Saves `model` as `dir/model.json` + `dir/weights.bin` (what {@link loadModelFiles} and tfjs-node read). */
export async function saveModelFiles(model: tf.LayersModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const data = artifacts.weightData as ArrayBuffer;
    const json = {
      modelTopology: artifacts.modelTopology,
      format: 'layers-model',
      generatedBy: artifacts.generatedBy,
      convertedBy: null,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
    };
    await writeFile(join(dir, 'weights.bin'), new Uint8Array(data));
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: data.byteLength } };
  }));
}
