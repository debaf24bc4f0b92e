import * as tf from '@tensorflow/tfjs';
import { registerCliKernels } from './kernels.js';

/**
 * Prepares tfjs for training in Node: production mode (no per-op NaN checks, no console banner), the
 * `cpu` backend, and @multilora/wasm-kernels registered with core so that the adapters' fused kernel
 * runs SIMD WebAssembly. Returns what runs, for reports.
 */
export async function prepareBackend(): Promise<{ backend: string; kernels: string }> {
  tf.enableProdMode();
  await tf.setBackend('cpu');
  await tf.ready();
  const kernels = await registerCliKernels();
  return { backend: tf.getBackend(), kernels };
}
