import { MultiLoraError, randomFloat32, randomModule, referenceForward, toFusedB, assertClose, float32Tolerance } from '@multilora/core';
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { loadWasmKernelsSync } from './index.js';
import { LinearMemory } from './linear-memory.js';

/** A garbage collector to call, for heap measurements that do not depend on when V8 chooses to collect. */
function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

function smallLayer(tokens: number, inFeatures: number, outFeatures: number, seed: number) {
  const m = randomModule({ n: 2, r: 3, inFeatures, outFeatures, scaleMode: 'module', gamma: 0.5 }, seed);
  const fused = { tokens, inFeatures, outFeatures, n: 2, r: 3, scaleMode: 'module' as const, gamma: m.gamma, a: m.a, b: toFusedB(m.b, 2, outFeatures, 3), scale: m.scale };
  return { m, fused, x: randomFloat32(tokens * inFeatures, seed + 1) };
}

describe('linear memory management', () => {
  for (const simd of [true, false]) {
    it(`${simd ? 'wasm-simd' : 'wasm-scalar'}: 10^5 small fused forwards keep memory.buffer.byteLength constant after the first call, and the JS heap flat (< 2 MB growth)`, () => {
      const kernels = loadWasmKernelsSync({ simd });
      const { m, fused, x } = smallLayer(3, 16, 12, 5);
      const y = new Float32Array(3 * 12);
      kernels.fusedForward({ ...fused, x, y });
      const bytes = kernels.memoryBytes;
      const gc = exposeGc();
      for (let i = 0; i < 1000; i++) kernels.fusedForward({ ...fused, x, y });
      gc();
      const heapBefore = process.memoryUsage().heapUsed;
      for (let i = 0; i < 100_000; i++) {
        kernels.fusedForward({ ...fused, x, y });
        if (kernels.memoryBytes !== bytes) throw new Error(`memory grew at call ${i}: ${kernels.memoryBytes} bytes, was ${bytes}`);
      }
      gc();
      const growth = process.memoryUsage().heapUsed - heapBefore;
      expect(kernels.memoryBytes).toBe(bytes);
      expect(growth).toBeLessThan(2 * 2 ** 20);
      // the last call still computes the right thing (tolerance 1e-5·√22 relative)
      assertClose(y, referenceForward(m, x, 3, undefined), float32Tolerance(22), 'y after 10^5 calls');
    });
  }

  it('grows only past the high-water mark, to a power-of-two number of pages, and never shrinks', () => {
    const kernels = loadWasmKernelsSync();
    const small = smallLayer(2, 8, 8, 11);
    kernels.fusedForward({ ...small.fused, x: small.x });
    const initial = kernels.memoryBytes;
    const big = smallLayer(300, 700, 500, 12); // needs ≈ 3 MB of inputs and outputs
    kernels.fusedForward({ ...big.fused, x: big.x });
    const grown = kernels.memoryBytes;
    expect(grown).toBeGreaterThan(initial);
    expect(Number.isInteger(Math.log2(grown / 65536))).toBe(true);
    for (let i = 0; i < 3; i++) kernels.fusedForward({ ...big.fused, x: big.x });
    kernels.fusedForward({ ...small.fused, x: small.x });
    expect(kernels.memoryBytes).toBe(grown);
  });

  it('each loaded instance has its own memory', () => {
    const a = loadWasmKernelsSync();
    const b = loadWasmKernelsSync();
    const big = smallLayer(300, 700, 500, 13);
    const before = b.memoryBytes;
    a.fusedForward({ ...big.fused, x: big.x });
    expect(a.memoryBytes).toBeGreaterThan(before);
    expect(b.memoryBytes).toBe(before);
  });

  it('throws KERNEL_OUT_OF_MEMORY, naming the bytes needed, when the memory cannot grow', () => {
    const mem = new LinearMemory(new WebAssembly.Memory({ initial: 1, maximum: 2 }), 1024);
    mem.begin();
    mem.alloc(3 * 16384);
    try {
      mem.commit();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MultiLoraError);
      expect((e as MultiLoraError).code).toBe('KERNEL_OUT_OF_MEMORY');
      expect((e as Error).message).toMatch(/need 197632 bytes/);
    }
  });

  it('copies inputs in and outputs out: results do not alias wasm memory and inputs are untouched', () => {
    const kernels = loadWasmKernelsSync();
    const { fused, x } = smallLayer(4, 9, 7, 14);
    const xCopy = x.slice();
    const first = kernels.fusedForward({ ...fused, x });
    const saved = first.y.slice();
    kernels.fusedForward({ ...fused, x: randomFloat32(x.length, 15) });
    expect(first.y).toEqual(saved);
    expect(x).toEqual(xCopy);
    expect(first.y.buffer.byteLength).toBe(first.y.byteLength);
  });
});
