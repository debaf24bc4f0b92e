/**
 * @multilora/core: what MultiLoRA is, independent of any framework. Config and validation, seeded
 * Kaiming-uniform init, the float64 reference math, the kernel interface with a plain-TypeScript
 * implementation, safetensors adapter files (native and PEFT LoRA), and SVD diagnostics.
 */
export * from './errors.js';
export * from './config.js';
export * from './targets.js';
export * from './rng.js';
export * from './init.js';
export * from './adapter/types.js';
export * from './adapter/layout.js';
export * from './kernels/types.js';
export * from './kernels/registry.js';
export * from './safetensors/types.js';
export type { RealArray, ReferenceModule, ReferenceBase } from './math/reference-module.js';
export { checkReferenceInputs, moduleScale, referenceEffectiveB } from './math/reference-module.js';
export * from './math/forward.js';
export * from './math/backward.js';
export * from './math/delta.js';
export * from './kernels/validate.js';
export * from './kernels/ts-kernels.js';
export * from './safetensors/read.js';
export * from './safetensors/write.js';
export * from './safetensors/convert.js';
export { bf16ToNumber, f16ToNumber, numberToBf16, numberToF16 } from './safetensors/minifloat.js';
export { createAdapter } from './adapter/create.js';
export { parseAdapterConfig, adapterConfigToJson } from './adapter/config-json.js';
export type { AdapterFormat, ParsedAdapterConfig } from './adapter/config-json.js';
export { serializeAdapter, parseAdapter } from './adapter/serialize.js';
export type { SerializeOptions, AdapterFileContents, AdapterFileInput } from './adapter/serialize.js';
export { toLoraAdapter } from './adapter/lora-export.js';
export { validateAdapter } from './adapter/validate.js';
export { readAdapterFiles, ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from './adapter/folder.js';
export type { NamedFile } from './adapter/folder.js';
export { summarizeAdapter } from './adapter/summary.js';
export type { AdapterSummary, ModuleSummary } from './adapter/summary.js';
export * from './diagnostics/index.js';
