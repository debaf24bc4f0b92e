/**
 * @multilora/tfjs: MultiLoRA adapters on TensorFlow.js layers models. `applyMultiLoRA(model, config)`
 * patches Dense, Embedding and Conv2D layers in place and returns a handle (train, merge, export, remove);
 * the layer classes are registered for `model.save` / `tf.loadLayersModel`; the adapter branch is one
 * fused op with its own gradient, run by a fast kernel on the cpu backend and by tfjs's ops elsewhere.
 */
export { applyMultiLoRA, getMultiLoRA } from './apply.js';
export { MultiLoraModel, type ParameterCounts } from './handle.js';
export { MultiLoraDense } from './layers/dense.js';
export { MultiLoraEmbedding } from './layers/embedding.js';
export { MultiLoraConv2D } from './layers/conv2d.js';
export { multiLoraLinear, type LinearBase } from './ops/linear.js';
export { multiLoraEmbedding } from './ops/embedding.js';
export { multiLoraConv2d, type ConvGeometry } from './ops/conv2d.js';
export type { BranchAttrs } from './ops/branch-tf.js';
export { FUSED_BACKWARD, FUSED_FORWARD, fastKernelActive, setFastKernel, type FastKernelMode } from './ops/fast-kernel.js';

/** The package version. */
export const version = '0.1.0';
