/**
 * Writes a model folder that transformers.js loads with no plugin: `<dir>/<subfolder>/<file>.onnx`
 * for every session (same file names as the source, so the same `dtype` / `quantized` option loads
 * it), plus the source folder's top-level files (config.json, tokenizer.json, tokenizer_config.json,
 * generation_config.json, …), or a config.json from the loaded config when no folder is known.
 */
/** One ONNX file to write, built on demand. */
export interface FolderFile {
  fileName: string;
  bytes: () => Uint8Array;
}

/** Writes the folder (see the file comment); files are written after all graphs are built. */
export async function saveModelFolder(dir: string, files: FolderFile[],
  { modelPath, subfolder = 'onnx', config }: { modelPath?: string; subfolder?: string; config?: object }): Promise<void> {
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
