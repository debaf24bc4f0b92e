import * as tf from '@tensorflow/tfjs';
import { MultiLoraError } from '@multilora/core';

/**
 * The parts of tfjs-layers' classes this package reads. tfjs exports Dense, Embedding and Conv2D only as
 * factories, so their classes come from tfjs's serialization registry and are typed here.
 */

/** Keyword arguments of `Layer.call`. */
export type Kwargs = Record<string, unknown>;

/** An activation as tfjs-layers holds it. */
export interface Activation {
  apply(x: tf.Tensor): tf.Tensor;
  getClassName(): string;
}

/** Any tfjs layer. */
export type LayerInternals = tf.layers.Layer;

/** A layer's own weight lists (protected in tfjs's typings). */
export function weightLists(layer: LayerInternals): { _trainableWeights: tf.LayerVariable[]; _nonTrainableWeights: tf.LayerVariable[] } {
  return layer as unknown as { _trainableWeights: tf.LayerVariable[]; _nonTrainableWeights: tf.LayerVariable[] };
}

/** A layer's own trainable switch, without the cascade of the `trainable` setter (protected in tfjs's typings). */
export function trainableFlag(layer: LayerInternals): { trainable_: boolean } {
  return layer as unknown as { trainable_: boolean };
}

/** Argument of `tf.customGrad` (tfjs does not export the type by name). */
export type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/** tfjs-layers' Dense. */
export interface DenseLayer extends LayerInternals {
  units: number;
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable | null;
  activation: Activation;
}

/** tfjs-layers' Embedding. */
export interface EmbeddingLayer extends LayerInternals {
  inputDim: number;
  outputDim: number;
  embeddings: tf.LayerVariable;
}

/** tfjs-layers' Conv2D. */
export interface Conv2DLayer extends LayerInternals {
  filters: number;
  kernelSize: number[];
  strides: number[];
  padding: 'valid' | 'same' | 'causal';
  dataFormat: 'channelsFirst' | 'channelsLast';
  dilationRate: number | number[];
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable | null;
  activation: Activation;
}

/** A layer class as the serialization registry holds it. */
export type LayerClass<T> = (new (args: Record<string, unknown>) => T) & { className: string };

/** The class tfjs registered under `className` (e.g. `Dense`). */
export function registeredLayerClass<T>(className: string): LayerClass<T> {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (!entry) {
    throw new MultiLoraError('UNSUPPORTED_LAYER', `tfjs has no registered layer class "${className}"; @multilora/tfjs needs @tensorflow/tfjs >= 4.22.`);
  }
  return entry[0] as unknown as LayerClass<T>;
}
