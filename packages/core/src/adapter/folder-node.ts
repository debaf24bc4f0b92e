import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MultiLoraError } from '../errors.js';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, missingFileMessage } from './folder.js';
import { parseAdapter, serializeAdapter, type SerializeOptions } from './serialize.js';
import type { Adapter } from './types.js';

async function readIn(dir: string, file: string): Promise<Buffer> {
  try {
    return await readFile(join(dir, file));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    const present = (await readdir(dir)).sort();
    throw new MultiLoraError('ADAPTER_MISSING_FILE', missingFileMessage(file, `folder "${dir}"`, present));
  }
}

/**
 * Reads the adapter folder `dir` (adapter_config.json + adapter_model.safetensors, native or PEFT LoRA).
 * Throws ADAPTER_MISSING_FILE naming the missing file and the folder and listing what is there, and
 * whatever {@link parseAdapter} throws for the contents.
 */
export async function readAdapterFolder(dir: string): Promise<Adapter> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new MultiLoraError('ADAPTER_MISSING_FILE', `"${dir}" ${info ? 'is a file' : 'does not exist'}; expected a folder with ` +
      `${ADAPTER_CONFIG_FILE} and ${ADAPTER_WEIGHTS_FILE}.`);
  }
  const [config, weights] = [await readIn(dir, ADAPTER_CONFIG_FILE), await readIn(dir, ADAPTER_WEIGHTS_FILE)];
  return parseAdapter({ config: new Uint8Array(config.buffer, config.byteOffset, config.byteLength), weights: new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength) });
}

/**
 * Writes `adapter` to the folder `dir` (created if needed) as adapter_config.json (pretty-printed) and
 * adapter_model.safetensors, in `options.format` (default native `multilora`; `lora` for PEFT). The
 * adapter is serialised before anything is written, and both files go to temporary names first and
 * are renamed into place, so a failure leaves existing files untouched.
 */
export async function writeAdapterFolder(dir: string, adapter: Adapter, options: SerializeOptions = {}): Promise<void> {
  const { config, weights } = serializeAdapter(adapter, options);
  await mkdir(dir, { recursive: true });
  const tag = `.tmp-${process.pid}-${Date.now().toString(36)}`;
  const files = [[ADAPTER_WEIGHTS_FILE, weights], [ADAPTER_CONFIG_FILE, config]] as const;
  try {
    for (const [name, data] of files) await writeFile(join(dir, name + tag), data);
    for (const [name] of files) await rename(join(dir, name + tag), join(dir, name));
  } catch (e) {
    await Promise.all(files.map(([name]) => rm(join(dir, name + tag), { force: true })));
    throw e;
  }
}
