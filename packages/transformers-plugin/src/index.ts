/**
 * @multilora/transformers: MultiLoRA and PEFT LoRA adapters on transformers.js (ONNX) models, in
 * `@huggingface/transformers` 3.x/4.x and `@xenova/transformers` 2.x. The plugin maps adapter module
 * names (PyTorch's) to the ONNX graph's nodes (Optimum's names), rewrites the graphs with onnx-proto
 * and swaps the model's ONNX Runtime sessions: `merge` (weights), `branch` (a graph branch, exact on
 * q8 / q4 bases) or `dynamic` (adapters switched and mixed per call without rebuilding a session).
 */
export { applyMultiLoRA } from './apply.js';
export type { ApplyOptions, MultiLoraHandle, SaveMergedOptions } from './apply.js';
export type { AdapterInput } from './adapters.js';
export type { Mode, ModulePlan } from './build.js';
export type { ModelSource } from './source.js';
export { DTYPE_SUFFIX } from './source.js';
export { moduleScope, LINEAR_OPS } from './mapping.js';
export type { SiteKind } from './locate.js';

/** The package version. */
export const version = '0.1.0';
