import { MultiLoraError } from '../errors.js';
import type { Adapter } from './types.js';
import { parseAdapter } from './serialize.js';

/** File name of an adapter folder's config (PEFT's name). */
export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
/** File name of an adapter folder's weights (PEFT's name). */
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';

/** A file as a browser gives it (`File` from an input or a drop) or anything with a name and its bytes. */
export interface NamedFile {
  /** The file's name; a path is allowed, only its last segment counts. */
  name: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** The message of a missing adapter file: which file, where, and what is there instead. */
export function missingFileMessage(file: string, where: string, present: readonly string[]): string {
  const hint = file === ADAPTER_WEIGHTS_FILE && present.includes('adapter_model.bin')
    ? ' It has adapter_model.bin (a PyTorch pickle), which this library does not read: re-save the adapter with PEFT\'s ' +
      'save_pretrained(..., safe_serialization=True).'
    : '';
  const listing = present.length > 0 ? present.map((p) => JSON.stringify(p)).join(', ') : 'nothing';
  return `No ${file} in ${where}; an adapter folder needs ${ADAPTER_CONFIG_FILE} and ${ADAPTER_WEIGHTS_FILE}. ` +
    `It contains: ${listing}.${hint}`;
}

/**
 * An adapter from the files of an adapter folder as the browser sees them (e.g. the `FileList` of an
 * `<input type="file" webkitdirectory>`); picks adapter_config.json and adapter_model.safetensors by
 * name. Throws ADAPTER_MISSING_FILE naming the missing file and listing the files given.
 */
export async function readAdapterFiles(files: Iterable<NamedFile> | ArrayLike<NamedFile>): Promise<Adapter> {
  const list = Array.from(files as ArrayLike<NamedFile>);
  const base = (f: NamedFile) => f.name.split(/[\\/]/).pop() ?? f.name;
  const find = (name: string) => {
    const file = list.find((f) => base(f) === name);
    if (!file) throw new MultiLoraError('ADAPTER_MISSING_FILE', missingFileMessage(name, 'the selected files', list.map(base)));
    return file;
  };
  const configFile = find(ADAPTER_CONFIG_FILE);
  const weightsFile = find(ADAPTER_WEIGHTS_FILE);
  const [config, weights] = await Promise.all([configFile.arrayBuffer(), weightsFile.arrayBuffer()]);
  return parseAdapter({ config: new Uint8Array(config), weights: new Uint8Array(weights) });
}
