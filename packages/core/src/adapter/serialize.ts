import { MultiLoraError } from '../errors.js';
import { readSafetensors } from '../safetensors/read.js';
import type { FloatDtype } from '../safetensors/types.js';
import { writeSafetensors } from '../safetensors/write.js';
import { adapterConfigToJson, parseAdapterConfig, type AdapterFormat } from './config-json.js';
import { toLoraAdapter } from './lora-export.js';
import { nativeModules, nativeTensors } from './native-format.js';
import { loraModules, loraTensors } from './peft-format.js';
import type { Adapter } from './types.js';
import { validateAdapter } from './validate.js';

/** Options of {@link serializeAdapter}. */
export interface SerializeOptions {
  /** `multilora` (default): the native file; `lora`: a PEFT LoRA through the lossless {@link toLoraAdapter}. */
  format?: AdapterFormat;
  /** Storage dtype of A and B (default F32); native scales are always F32. */
  dtype?: FloatDtype;
}

/** The contents of an adapter folder's two files. */
export interface AdapterFileContents {
  /** adapter_config.json, pretty-printed. */
  config: string;
  /** adapter_model.safetensors. */
  weights: Uint8Array;
}

/** The inputs of {@link parseAdapter}: adapter_config.json (text, bytes or parsed) and the safetensors bytes. */
export interface AdapterFileInput {
  config: string | Uint8Array | object;
  weights: Uint8Array;
}

/** PEFT writes `{"format": "pt"}`; loaders of the Hugging Face stack expect it. */
const SAFETENSORS_METADATA = { format: 'pt' };

/**
 * The two files of `adapter` as text and bytes (no file system: works in the browser). Validates the
 * adapter first (see {@link validateAdapter}).
 */
export function serializeAdapter(adapter: Adapter, { format = 'multilora', dtype = 'F32' }: SerializeOptions = {}): AdapterFileContents {
  if (format !== 'multilora' && format !== 'lora') {
    throw new MultiLoraError('INVALID_CONFIG', `format is ${JSON.stringify(format)}; expected "multilora" or "lora".`);
  }
  validateAdapter(adapter);
  const target = format === 'lora' ? toLoraAdapter(adapter) : adapter;
  const tensors = format === 'lora' ? loraTensors(target, dtype) : nativeTensors(target, dtype);
  return {
    config: `${JSON.stringify(adapterConfigToJson(target.config, target.metadata, format), null, 2)}\n`,
    weights: writeSafetensors(tensors, SAFETENSORS_METADATA),
  };
}

/**
 * An adapter from its two files' contents, native (`peft_type` MULTILORA) or PEFT LoRA (`LORA`: n = 1,
 * scale 1, r and γ per module after rank/alpha patterns and rsLoRA; module names without
 * `base_model.model.`). F16, BF16 and F64 weights become float32. Throws INVALID_CONFIG,
 * ADAPTER_MISSING_TENSOR, ADAPTER_SHAPE_MISMATCH, ADAPTER_UNEXPECTED_TENSOR, ADAPTER_NOT_FINITE or a
 * SAFETENSORS_* code, each naming the module, tensor and shapes involved.
 */
export function parseAdapter(files: AdapterFileInput): Adapter {
  const { config, metadata } = parseAdapterConfig(files.config);
  const file = readSafetensors(files.weights);
  const modules = metadata.peftType === 'MULTILORA' ? nativeModules(file, config) : loraModules(file, config);
  if (modules.size === 0) {
    throw new MultiLoraError('ADAPTER_MISSING_TENSOR',
      `adapter_model.safetensors holds no tensors; an adapter file needs A and B for at least one module.`);
  }
  return validateAdapter({ config, modules, metadata });
}
