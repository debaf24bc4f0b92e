import * as tf from '@tensorflow/tfjs';
import { getKernels, type ScaleMode } from '@multilora/core';

/** Kernel name of the fused forward: inputs x, a, b, s (+ w [in, out], bias); outputs [y, z]. */
export const FUSED_FORWARD = 'MultiLoraFusedForward';
/** Kernel name of the fused backward: inputs x, a, b, s, z, dy (+ w); outputs [dx, da, db, ds]. */
export const FUSED_BACKWARD = 'MultiLoraFusedBackward';

/** How a backend's kernel reads an input's float32 values and makes an output from float32 values. */
interface BackendAccess {
  read(backend: unknown, t: tf.TensorInfo): Float32Array;
  write(backend: unknown, shape: number[], values: Float32Array): tf.TensorInfo;
}

interface CpuBackendLike {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

interface WasmBackendLike {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

/** tfjs-backend-cpu keeps each tensor's values as a plain TypedArray in `backend.data`. */
const cpuAccess: BackendAccess = {
  read: (backend, t) => (backend as CpuBackendLike).data.get(t.dataId).values,
  write: (backend, shape, values) => (backend as CpuBackendLike).makeTensorInfo(shape, 'float32', values),
};

/**
 * tfjs-backend-wasm keeps tensors in its WebAssembly heap. Inputs are read through heap views, and
 * outputs are allocated only after the computation (allocation may grow the heap and detach views).
 */
const wasmAccess: BackendAccess = {
  read: (backend, t) => (backend as WasmBackendLike).typedArrayFromHeap(t),
  write: (backend, shape, values) => {
    const info = (backend as WasmBackendLike).makeOutput(shape, 'float32');
    (backend as WasmBackendLike).typedArrayFromHeap(info).set(values);
    return info;
  },
};

function attrsOf(attrs: tf.NamedAttrMap) {
  return { n: attrs.n as number, r: attrs.r as number, gamma: attrs.gamma as number, scaleMode: attrs.scaleMode as ScaleMode };
}

function forwardKernel(access: BackendAccess): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, a, b, s, w, bias } = inputs as Record<string, tf.TensorInfo | undefined> as Record<'x' | 'a' | 'b' | 's', tf.TensorInfo> & { w?: tf.TensorInfo; bias?: tf.TensorInfo };
    const { n, r, gamma, scaleMode } = attrsOf(attrs as tf.NamedAttrMap);
    const [tokens, inFeatures] = x.shape;
    const outFeatures = b.shape[0];
    const read = (t: tf.TensorInfo) => access.read(backend, t);
    const { y, z } = getKernels().fusedForward({
      tokens, inFeatures, outFeatures, n, r, scaleMode, gamma,
      x: read(x), a: read(a), b: read(b), scale: read(s),
      weight: w && read(w), weightInOut: true, bias: bias && read(bias),
    });
    return [access.write(backend, [tokens, outFeatures], y), access.write(backend, [tokens, n * r], z)];
  };
}

function backwardKernel(access: BackendAccess): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, a, b, s, z, dy, w } = inputs as Record<'x' | 'a' | 'b' | 's' | 'z' | 'dy', tf.TensorInfo> & { w?: tf.TensorInfo };
    const { n, r, gamma, scaleMode } = attrsOf(attrs as tf.NamedAttrMap);
    const [tokens, inFeatures] = x.shape;
    const outFeatures = b.shape[0];
    const read = (t: tf.TensorInfo) => access.read(backend, t);
    const g = getKernels().fusedBackward({
      tokens, inFeatures, outFeatures, n, r, scaleMode, gamma,
      x: read(x), a: read(a), b: read(b), scale: read(s), z: read(z), dy: read(dy),
      weight: w && read(w), weightInOut: true,
    });
    return [
      access.write(backend, x.shape, g.dx),
      access.write(backend, a.shape, g.da),
      access.write(backend, b.shape, g.db),
      access.write(backend, s.shape, g.ds),
    ];
  };
}

const ACCESS: Record<string, BackendAccess> = { cpu: cpuAccess, wasm: wasmAccess };

/** When the fused kernel runs on a backend: always, never, or `auto` (see {@link setFastKernel}). */
export type FastKernelMode = boolean | 'auto';

/**
 * Defaults measured with bench/tfjs-training.bench.ts. `cpu`: on (faster than tfjs's cpu ops with core's
 * TypeScript kernels, several times faster with @multilora/wasm-kernels). `wasm`: `auto`, on only when
 * compiled kernels are registered with core (they beat XNNPACK's ops; the TypeScript kernels do not).
 */
const enabled: Record<string, FastKernelMode> = { cpu: true, wasm: 'auto' };

for (const backendName of Object.keys(ACCESS)) {
  tf.registerKernel({ kernelName: FUSED_FORWARD, backendName, kernelFunc: forwardKernel(ACCESS[backendName]) });
  tf.registerKernel({ kernelName: FUSED_BACKWARD, backendName, kernelFunc: backwardKernel(ACCESS[backendName]) });
}

/**
 * Turns the fused kernel (core's `getKernels()` on the raw Float32Arrays) on or off for `backend`
 * (`cpu` or `wasm`); off, that backend runs tfjs's standard ops like every other backend. `auto`: on
 * when the registered kernels are compiled ones (not core's TypeScript fallback `ts`).
 */
export function setFastKernel(backend: 'cpu' | 'wasm', mode: FastKernelMode): void {
  enabled[backend] = mode;
}

/** Whether the current tfjs backend runs the adapter through the fused kernel. */
export function fastKernelActive(): boolean {
  // tfjs picks its backend lazily on the first op; reading `engine().backend` makes it choose now.
  const backend = tf.getBackend() ?? (tf.engine().backend && tf.getBackend());
  const mode = enabled[backend];
  const on = mode === 'auto' ? getKernels().name !== 'ts' : mode === true;
  return on && tf.getKernel(FUSED_FORWARD, backend) !== undefined;
}
