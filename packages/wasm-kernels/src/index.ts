/**
 * @multilora/wasm-kernels: MultiLoRA's hot operations (GEMM, fused forward, fused backward, ΔW) and the
 * float64 GEMM of core's diagnostics (`gemmF64`: QR and SVD) as AssemblyScript WebAssembly, f32x4 / f64x2
 * SIMD where the engine has it and scalar elsewhere, behind core's {@link Kernels} interface. Both
 * modules are embedded in this bundle: no .wasm file to serve, no bundler configuration, the same code in
 * Node and the browser.
 */
import { registerKernels } from '@multilora/core';
import { createWasmKernels, type WasmKernels } from './wasm-kernels.js';
import { chooseFlavor, instantiate, instantiateSync } from './wasm-module.js';

export type { WasmKernels } from './wasm-kernels.js';
export { wasmSimdSupported, type WasmFlavor } from './wasm-module.js';

/** Options of {@link loadWasmKernels}. */
export interface LoadWasmKernelsOptions {
  /**
   * `undefined` (default): SIMD where `WebAssembly.validate` accepts the SIMD module, else scalar.
   * `true`: SIMD or throw `KERNEL_UNAVAILABLE`. `false`: the scalar module.
   */
  simd?: boolean;
}

/**
 * Compiles and instantiates the kernel module asynchronously (works on a browser's main thread) and
 * returns core's {@link Kernels} on it; `kernels.name` says which module: `wasm-simd` or `wasm-scalar`.
 * Each call returns an independent instance with its own linear memory.
 */
export async function loadWasmKernels(options: LoadWasmKernelsOptions = {}): Promise<WasmKernels> {
  const flavor = chooseFlavor(options.simd);
  return createWasmKernels(await instantiate(flavor), flavor);
}

/**
 * {@link loadWasmKernels} without the promise: for Node and Web Workers. Browsers refuse synchronous
 * compilation of modules over 4 KB on the main thread (the SIMD module is about 8 KB): use the async load there.
 */
export function loadWasmKernelsSync(options: LoadWasmKernelsOptions = {}): WasmKernels {
  const flavor = chooseFlavor(options.simd);
  return createWasmKernels(instantiateSync(flavor), flavor);
}

/** Options of {@link registerWasmKernels}. */
export interface RegisterWasmKernelsOptions extends LoadWasmKernelsOptions {
  /** Priority in core's registry; core's TypeScript kernels have 0. Default 10. */
  priority?: number;
}

/** What {@link registerWasmKernels} registered, and how to take it back. */
export interface RegisteredWasmKernels {
  kernels: WasmKernels;
  /** Removes the registration; `getKernels()` then returns the next best kernels. */
  unregister: () => void;
}

/**
 * Loads the kernels and registers them with core (`registerKernels`), so every package that asks core's
 * `getKernels()` runs on them.
 */
export async function registerWasmKernels(options: RegisterWasmKernelsOptions = {}): Promise<RegisteredWasmKernels> {
  const kernels = await loadWasmKernels(options);
  return { kernels, unregister: registerKernels(kernels, options.priority ?? 10) };
}
