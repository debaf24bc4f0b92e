import { getKernels } from '@multilora/core';
import { registerWasmKernels } from '@multilora/wasm-kernels';

let registered: Promise<unknown> | undefined;

/**
 * Registers @multilora/wasm-kernels with core once per process (later calls reuse the registration), so
 * that core's kernels, the adapters' fused ops and the diagnostics' float64 GEMM run SIMD WebAssembly.
 * Returns the name of the kernels core now runs.
 */
export async function registerCliKernels(): Promise<string> {
  registered ??= registerWasmKernels();
  await registered;
  return getKernels().name;
}
