import * as tf from '@tensorflow/tfjs';
import { multiLoraEmbedding } from '../ops/embedding.js';
import {
  branchActive, branchAttrs, inOutDeltaWeight,
  type MultiLoraLayer,
} from './adapter-state.js';
import { withAdapter } from './adapted-layer.js';
import type { LayerKind } from './layer-kind.js';
import { registeredLayerClass, type EmbeddingLayer, type Kwargs } from './tfjs-internals.js';

const Embedding = registeredLayerClass<EmbeddingLayer>('Embedding');

/**
 * An Embedding layer with a MultiLoRA adapter (PEFT's `lora_embedding_A/B`): E[t] + γ (A_cat[:, t] ⊙ s)
 * B_catᵀ for token id t, with A_cat [n·r, vocab], B_cat [out, n·r]; the table E is frozen. Like PEFT,
 * no dropout on token ids. Registered for `model.save` / `tf.loadLayersModel`.
 */
export class MultiLoraEmbedding extends withAdapter(Embedding, 'embedding', (layer, nr) => ({ aShape: [nr, layer.inputDim], out: layer.outputDim })) implements MultiLoraLayer {
  static className = 'MultiLoraEmbedding';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const state = this.multilora;
    if (!branchActive(state)) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const base = super.call(inputs, kwargs) as tf.Tensor;
      const ids = Array.isArray(inputs) ? inputs[0] : inputs;
      const tokens = tf.reshape(ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32'), [ids.size]) as tf.Tensor1D;
      const [a, b, s] = [state.a.read() as tf.Tensor2D, state.b.read() as tf.Tensor2D, state.scale.read()];
      const branch = multiLoraEmbedding(tokens, a, b, s, branchAttrs(state));
      return tf.add(base, tf.reshape(branch, base.shape));
    });
  }

  /** The embedding table [vocab, out]. */
  baseWeight(): tf.LayerVariable {
    return this.embeddings;
  }
}
tf.serialization.registerClass(MultiLoraEmbedding as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

/** Embedding: A_cat [n·r, vocab] is the file's [n, r, vocab] as it is; ΔW is [vocab, out] like the table. */
export const embeddingKind: LayerKind = {
  kind: 'embedding',
  baseClassName: 'Embedding',
  adapterClass: MultiLoraEmbedding,
  dims(layer) {
    const table = (layer as EmbeddingLayer).embeddings;
    if (!table) return 'it is not built yet (call the model once or give it an inputShape)';
    const [vocab, out] = table.shape as number[];
    return { inShape: [vocab], outFeatures: out };
  },
  aShape: (layer, nr) => [nr, (layer as EmbeddingLayer).inputDim],
  aFromFile: (a) => a,
  aToFile: (a) => a,
  deltaWeight: inOutDeltaWeight,
};
