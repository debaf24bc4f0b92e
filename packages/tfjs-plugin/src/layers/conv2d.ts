import * as tf from '@tensorflow/tfjs';
import { scaleOfB } from '../ops/branch-tf.js';
import { multiLoraConv2d, type ConvGeometry } from '../ops/conv2d.js';
import {
  branchActive, branchAttrs, branchInput,
  type MultiLoraLayer,
} from './adapter-state.js';
import { withAdapter } from './adapted-layer.js';
import type { LayerKind } from './layer-kind.js';
import { registeredLayerClass, type Conv2DLayer, type Kwargs } from './tfjs-internals.js';

const Conv2D = registeredLayerClass<Conv2DLayer>('Conv2D');

function dilationIsOne(layer: Conv2DLayer): boolean {
  const d = layer.dilationRate;
  return (Array.isArray(d) ? d : [d]).every((v) => v === 1);
}

/**
 * A Conv2D layer with a MultiLoRA adapter (PEFT's form): act(conv(X, W0) + bias + γ ((conv(X, A) ⊙ s)
 * ·B_catᵀ)), A a convolution [kh, kw, inC, n·r] with the base's stride and padding, B_cat [out, n·r] a 1×1
 * convolution; W0 and bias frozen. Registered for `model.save` / `tf.loadLayersModel`.
 */
export class MultiLoraConv2D extends withAdapter(Conv2D, 'conv', (layer, nr) => ({ aShape: conv2dKind.aShape(layer, nr), out: layer.filters })) implements MultiLoraLayer {
  static className = 'MultiLoraConv2D';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const state = this.multilora;
    if (!branchActive(state)) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const input = Array.isArray(inputs) ? inputs[0] : inputs;
      const channelsFirst = this.dataFormat === 'channelsFirst';
      const x = (channelsFirst ? tf.transpose(input, [0, 2, 3, 1]) : input) as tf.Tensor4D;
      const geometry: ConvGeometry = { strides: [this.strides[0], this.strides[1]], pad: this.padding as 'valid' | 'same' };
      let y: tf.Tensor = tf.conv2d(x, this.kernel.read() as tf.Tensor4D, geometry.strides, geometry.pad);
      if (this.bias) y = tf.add(y, this.bias.read());
      const [a, b, s] = [state.a.read() as tf.Tensor4D, state.b.read() as tf.Tensor2D, state.scale.read()];
      y = tf.add(y, multiLoraConv2d(branchInput(x, state, kwargs) as tf.Tensor4D, a, b, s, branchAttrs(state), geometry));
      return this.activation.apply(channelsFirst ? tf.transpose(y, [0, 3, 1, 2]) : y);
    });
  }

  /** The convolution kernel [kh, kw, inC, out]. */
  baseWeight(): tf.LayerVariable {
    return this.kernel;
  }
}
tf.serialization.registerClass(MultiLoraConv2D as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

/**
 * Moves a Conv2D adapter's A between the file's [n·r, inC, kh, kw] and tfjs's kernel layout
 * [kh, kw, inC, n·r] (`shape` is the latter); `toFile` picks the direction.
 */
export function permuteConvA(a: Float32Array, [kh, kw, inC, nr]: number[], toFile: boolean): Float32Array {
  const out = new Float32Array(a.length);
  for (let k = 0; k < nr; k++) {
    for (let c = 0; c < inC; c++) {
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const file = ((k * inC + c) * kh + i) * kw + j;
          const layer = ((i * kw + j) * inC + c) * nr + k;
          if (toFile) out[file] = a[layer];
          else out[layer] = a[file];
        }
      }
    }
  }
  return out;
}

/** Conv2D: A is [kh, kw, inC, n·r] in the layer and [n, r, inC, kh, kw] in the file; ΔW is [kh, kw, inC, out]. */
export const conv2dKind: LayerKind = {
  kind: 'conv',
  baseClassName: 'Conv2D',
  adapterClass: MultiLoraConv2D,
  dims(layer) {
    const conv = layer as Conv2DLayer;
    if (!conv.kernel) return 'it is not built yet (call the model once or give it an inputShape)';
    if (!dilationIsOne(conv)) return `its dilationRate is ${JSON.stringify(conv.dilationRate)} (tfjs has no gradient for dilated convolutions; only 1 is supported)`;
    const [kh, kw, inC, out] = conv.kernel.shape as number[];
    return { inShape: [inC, kh, kw], outFeatures: out };
  },
  aShape(layer, nr) {
    const [kh, kw, inC] = (layer as Conv2DLayer).kernel.shape as number[];
    return [kh, kw, inC, nr];
  },
  aFromFile: (a, layer, nr) => permuteConvA(a, conv2dKind.aShape(layer, nr), false),
  aToFile: (a, layer) => permuteConvA(a, layer.multilora.a.shape as number[], true),
  deltaWeight(layer) {
    const s = layer.multilora;
    const a = s.a.read();
    const [kh, kw, inC, nr] = a.shape;
    const b = s.b.read() as tf.Tensor2D;
    const bEff = tf.mul(b, scaleOfB(s.scale.read(), branchAttrs(s), b.shape[0])) as tf.Tensor2D;
    const delta = tf.mul(tf.matMul(tf.reshape(a, [kh * kw * inC, nr]) as tf.Tensor2D, bEff, false, true), s.gamma);
    return tf.reshape(delta, [kh, kw, inC, b.shape[0]]);
  },
};
