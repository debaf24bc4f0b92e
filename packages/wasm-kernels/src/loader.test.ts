import { getKernels, MultiLoraError, tsKernels } from '@multilora/core';
import { assertClose, randomFloat32 } from '@multilora/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadWasmKernels, loadWasmKernelsSync, registerWasmKernels, wasmSimdSupported } from './index.js';

afterEach(() => vi.restoreAllMocks());

describe('loading and registration', () => {
  it('picks the SIMD module where WebAssembly.validate accepts it (Node 20 does), the scalar one on request', async () => {
    expect(wasmSimdSupported()).toBe(true);
    expect((await loadWasmKernels()).name).toBe('wasm-simd');
    expect((await loadWasmKernels({ simd: false })).name).toBe('wasm-scalar');
    expect(loadWasmKernelsSync().name).toBe('wasm-simd');
    expect(loadWasmKernelsSync({ simd: false }).name).toBe('wasm-scalar');
  });

  it('falls back to the scalar module when the engine rejects SIMD, and refuses `simd: true` there with KERNEL_UNAVAILABLE', async () => {
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    expect(wasmSimdSupported()).toBe(false);
    expect((await loadWasmKernels()).name).toBe('wasm-scalar');
    expect(loadWasmKernelsSync().name).toBe('wasm-scalar');
    await expect(loadWasmKernels({ simd: true })).rejects.toMatchObject({ code: 'KERNEL_UNAVAILABLE' });
    expect(() => loadWasmKernelsSync({ simd: true })).toThrow(MultiLoraError);
  });

  it('async and sync loads of a module give bit-identical results; SIMD and scalar agree to float32 rounding (1e-5·√200 relative)', async () => {
    const args = { m: 9, n: 13, k: 200, a: randomFloat32(9 * 200, 1), b: randomFloat32(200 * 13, 2), transB: false };
    const simdAsync = (await loadWasmKernels()).gemm(args);
    const simdSync = loadWasmKernelsSync().gemm(args);
    const scalar = loadWasmKernelsSync({ simd: false }).gemm(args);
    expect(simdAsync).toEqual(simdSync);
    expect(scalar).not.toEqual(new Float32Array(scalar.length));
    assertClose(scalar, Float64Array.from(simdSync), { atol: 1e-5 * Math.sqrt(200), rtol: 1e-5 * Math.sqrt(200) }, 'scalar vs SIMD');
  });

  it('registerWasmKernels makes core\'s getKernels() return them until unregistered', async () => {
    expect(getKernels()).toBe(tsKernels);
    const { kernels, unregister } = await registerWasmKernels();
    expect(getKernels()).toBe(kernels);
    expect(getKernels().name).toBe('wasm-simd');
    unregister();
    expect(getKernels()).toBe(tsKernels);
    const low = await registerWasmKernels({ simd: false, priority: -1 });
    expect(getKernels()).toBe(tsKernels); // below core's own priority 0
    low.unregister();
  });

  it('peak() reports the float32 operations of its multiply-add loop: 24 per iteration per lane', () => {
    expect(loadWasmKernelsSync().peak(1000)).toBe(1000 * 24 * 4);
    expect(loadWasmKernelsSync({ simd: false }).peak(1000)).toBe(1000 * 24);
  });
});
