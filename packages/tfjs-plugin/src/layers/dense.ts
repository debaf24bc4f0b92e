import * as tf from '@tensorflow/tfjs';
import { multiLoraLinear } from '../ops/linear.js';
import {
  branchActive, branchAttrs, inOutDeltaWeight, branchInput,
  type MultiLoraLayer,
} from './adapter-state.js';
import { withAdapter } from './adapted-layer.js';
import type { LayerKind } from './layer-kind.js';
import { registeredLayerClass, type DenseLayer, type Kwargs } from './tfjs-internals.js';

const Dense = registeredLayerClass<DenseLayer>('Dense');

/**
 * A Dense layer with a MultiLoRA adapter: act(X W0 + bias + γ (X A_catᵀ ⊙ s) B_catᵀ), W0 and bias
 * frozen. A_cat is [n·r, in] and B_cat [out, n·r]. Registered for `model.save` / `tf.loadLayersModel`.
 */
export class MultiLoraDense extends withAdapter(Dense, 'linear', (layer, nr) => ({ aShape: [nr, layer.kernel.shape[0] as number], out: layer.units })) implements MultiLoraLayer {
  static className = 'MultiLoraDense';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const state = this.multilora;
    if (!branchActive(state)) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const x2 = tf.reshape(x, [-1, x.shape[x.shape.length - 1]]) as tf.Tensor2D;
      const xb = branchInput(x2, state, kwargs) as tf.Tensor2D;
      const [a, b, s] = [state.a.read() as tf.Tensor2D, state.b.read() as tf.Tensor2D, state.scale.read()];
      const kernel = this.kernel.read() as tf.Tensor2D;
      const bias = this.bias ? (this.bias.read() as tf.Tensor1D) : undefined;
      const trainable = this.kernel.trainable || this.bias?.trainable === true;
      let y: tf.Tensor2D;
      if (xb === x2) {
        y = multiLoraLinear(x2, a, b, s, branchAttrs(state), { kernel, bias, trainable });
      } else {
        const base = tf.matMul(x2, kernel);
        y = tf.add(bias ? tf.add(base, bias) : base, multiLoraLinear(xb, a, b, s, branchAttrs(state)));
      }
      return this.activation.apply(tf.reshape(y, [...x.shape.slice(0, -1), this.units]));
    });
  }

  /** The Dense kernel [in, out]. */
  baseWeight(): tf.LayerVariable {
    return this.kernel;
  }
}
tf.serialization.registerClass(MultiLoraDense as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

/** Dense: A_cat [n·r, in] is the file's [n, r, in] as it is; ΔW is [in, out] like the kernel. */
export const denseKind: LayerKind = {
  kind: 'linear',
  baseClassName: 'Dense',
  adapterClass: MultiLoraDense,
  dims(layer) {
    const kernel = (layer as DenseLayer).kernel;
    if (!kernel) return 'it is not built yet (call the model once or give it an inputShape)';
    const [inF, out] = kernel.shape as number[];
    return { inShape: [inF], outFeatures: out };
  },
  aShape: (layer, nr) => [nr, (layer as DenseLayer).kernel.shape[0] as number],
  aFromFile: (a) => a,
  aToFile: (a) => a,
  deltaWeight: inOutDeltaWeight,
};
