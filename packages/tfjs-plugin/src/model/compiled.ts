import type * as tf from '@tensorflow/tfjs';
import { MultiLoraError } from '@multilora/core';

interface CompiledInternals {
  collectedTrainableWeights?: tf.LayerVariable[] | null;
  optimizer_?: object | null;
  trainableWeights: tf.LayerVariable[];
  /** A Sequential compiles and fits through an inner LayersModel. */
  model?: CompiledInternals;
}

function compiledModels(model: tf.LayersModel): CompiledInternals[] {
  const m = model as unknown as CompiledInternals;
  return m.model ? [m, m.model] : [m];
}

/**
 * Whether the model's optimizer already keeps per-variable state (Adam's moments, RMSProp's averages,
 * momentum): tfjs optimizers index that state by the position of each trained variable, so it would be
 * applied to the wrong variables once the set of trainable weights changes.
 */
function optimizerHasSlots(model: tf.LayersModel): boolean {
  const optimizer = compiledModels(model).map((m) => m.optimizer_).find((o) => o != null);
  if (!optimizer) return false;
  return Object.values(optimizer).some((v) => Array.isArray(v) && v.length > 0 && v.every((e) => e != null && typeof e === 'object' && 'variable' in e));
}

/**
 * Throws INVALID_STATE, before anything changes, when `model` was compiled and its optimizer has
 * already trained: its per-variable state cannot carry over to the adapter's weights.
 */
export function checkCompiledOptimizer(model: tf.LayersModel): void {
  if (optimizerHasSlots(model)) {
    throw new MultiLoraError('INVALID_STATE',
      'the model was compiled and its optimizer has already trained (it keeps per-variable state such as Adam\'s moments), ' +
      'which cannot be carried over to the adapter\'s weights. Apply MultiLoRA first and compile the model afterwards, ' +
      'or compile it again with a new optimizer before applying.');
  }
}

/**
 * A Sequential rebuilds its inner model on every `compile`, and that build sets every weight's trainable
 * flag to the model's own (undoing a freeze). This wraps the instance's `compile` so that `afterCompile`
 * runs after each; returns the function that takes the wrapper off again. Other models are left alone.
 */
export function guardSequentialCompile(model: tf.LayersModel, afterCompile: () => void): () => void {
  if (model.getClassName() !== 'Sequential') return () => {};
  const target = model as unknown as { compile: (args: tf.ModelCompileArgs) => void };
  const original = Object.getPrototypeOf(model).compile as (args: tf.ModelCompileArgs) => void;
  target.compile = (args) => {
    original.call(model, args);
    afterCompile();
  };
  return () => {
    delete (target as { compile?: unknown }).compile;
  };
}

/**
 * Recompiles a compiled model for a new set of trainable weights: `model.fit` trains the weights collected
 * at compile time, so they are collected again (what `model.compile` does). Uncompiled models are left alone.
 */
export function refreshCompiled(model: tf.LayersModel): void {
  for (const m of compiledModels(model)) {
    if (m.collectedTrainableWeights != null) m.collectedTrainableWeights = m.trainableWeights;
  }
}
