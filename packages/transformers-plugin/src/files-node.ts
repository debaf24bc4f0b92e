/**
 * File system access in Node (reached through files.ts): the .onnx files of a model folder, an
 * adapter folder, and the model folder saveMerged writes. Node's modules are imported on first use,
 * so loading the plugin reads no module it does not need.
 */
import type { Adapter } from '@multilora/core';
import type { FolderFile, FolderListing, ModelFolderOptions } from './files.js';

/** The bytes of the file at `path` (an .onnx file given in `files`, or one found in the model folder). */
export async function readModelFile(path: string): Promise<Uint8Array> {
  const { readFile } = await import('node:fs/promises');
  const buf = await readFile(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** The entries of `<modelPath>/<subfolder>`; none when the folder does not exist. */
export async function listModelFolder(modelPath: string, subfolder: string): Promise<FolderListing> {
  const { readdir } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const dir = join(modelPath, subfolder);
  const names = await readdir(dir).catch(() => [] as string[]);
  return { dir, entries: names.map((name) => ({ name, path: join(dir, name) })) };
}

/** The adapter in the folder at `path` (adapter_config.json + adapter_model.safetensors; core's reader). */
export async function readAdapterPath(path: string): Promise<Adapter> {
  const { readAdapterFolder } = await import('@multilora/core/node');
  return readAdapterFolder(path);
}

/**
 * Writes a model folder that transformers.js loads with no plugin: `<dir>/<subfolder>/<file>.onnx`
 * for every file (same file names as the source, so the same `dtype` / `quantized` option loads it),
 * plus the source folder's top-level files (config.json, tokenizer.json, tokenizer_config.json,
 * generation_config.json, …), or a config.json from `config` when no folder is known. All graphs
 * are built before any file is written.
 */
export async function writeModelFolder(dir: string, files: FolderFile[], { modelPath, subfolder = 'onnx', config }: ModelFolderOptions): Promise<void> {
  const { copyFile, mkdir, readdir, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const graphs = files.map((f) => ({ name: f.fileName, data: f.bytes() }));
  await mkdir(join(dir, subfolder), { recursive: true });
  for (const g of graphs) await writeFile(join(dir, subfolder, g.name), g.data);
  if (modelPath) {
    for (const entry of await readdir(modelPath, { withFileTypes: true })) {
      if (entry.isFile()) await copyFile(join(modelPath, entry.name), join(dir, entry.name));
    }
  } else if (config) {
    const json = JSON.stringify(config, (k, v) => (k === 'normalized_config' ? undefined : v), 2);
    await writeFile(join(dir, 'config.json'), `${json}\n`);
  }
}
