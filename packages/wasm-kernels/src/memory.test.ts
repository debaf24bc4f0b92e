import { MultiLoraError, referenceForward, toFusedB } from '@multilora/core';
import { randomFloat32, randomFloat64, randomModule, assertClose, float32Tolerance } from '@multilora/core/testing';
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

  for (const simd of [true, false]) {
    it(`${simd ? 'wasm-simd' : 'wasm-scalar'}: 10^4 gemmF64 calls (strided operands, alpha ±1, beta 1) keep memory.buffer.byteLength constant after the first call, and the JS heap flat (< 2 MB growth)`, () => {
      const kernels = loadWasmKernelsSync({ simd });
      const [m, n, k] = [37, 29, 41];
      // A [m, k] column-major inside a wider array, B [k, n] stored transposed; C [m, n] with ldc = m + 3
      const a = { data: randomFloat64((m + 2) * k, 21), offset: 1, rowStride: 1, colStride: m + 2 };
      const b = { data: randomFloat64(k * (n + 1), 22), offset: 0, rowStride: n + 1, colStride: 1 };
      const ldc = m + 3;
      const c0 = randomFloat64(ldc * n, 23);
      const c = c0.slice();
      kernels.gemmF64(m, n, k, 1, a, b, 1, c, 0, ldc);
      const bytes = kernels.memoryBytes;
      const gc = exposeGc();
      // alpha alternates −1, +1: after an even number of calls C is back to C0 + A·B
      for (let i = 0; i < 100; i++) kernels.gemmF64(m, n, k, i % 2 ? 1 : -1, a, b, 1, c, 0, ldc);
      gc();
      const heapBefore = process.memoryUsage().heapUsed;
      for (let i = 0; i < 10_000; i++) {
        kernels.gemmF64(m, n, k, i % 2 ? 1 : -1, a, b, 1, c, 0, ldc);
        if (kernels.memoryBytes !== bytes) throw new Error(`memory grew at call ${i}: ${kernels.memoryBytes} bytes, was ${bytes}`);
      }
      gc();
      const growth = process.memoryUsage().heapUsed - heapBefore;
      expect(kernels.memoryBytes).toBe(bytes);
      expect(growth).toBeLessThan(2 * 2 ** 20);
      // C = C0 + A·B after the 10^4 + 101 calls, each rounding by ≤ 2^-52 of |C| + |A·B|: 1e-10 relative to Σ|A||B| + |C0|
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < m; i++) {
          let s = 0;
          let scale = 0;
          for (let p = 0; p < k; p++) {
            const t = a.data[1 + i + p * (m + 2)] * b.data[p * (n + 1) + j];
            s += t;
            scale += Math.abs(t);
          }
          const idx = i + j * ldc;
          expect(Math.abs(c[idx] - (c0[idx] + s))).toBeLessThanOrEqual(1e-10 * (scale + Math.abs(c0[idx])));
        }
      }
    });
  }

  it('gemmF64 stages a product whose C exceeds 32 MB in column blocks: memory stays at 64 MiB, results match a float64 triple loop (1e-13 relative to Σ|A||B| + |C0|)', () => {
    const kernels = loadWasmKernelsSync();
    const [m, n, k] = [3000, 3000, 8];
    // staged whole, A, B and C would take 8 · (m·k + k·n + m·n) bytes ≈ 72.4 MB > 64 MiB
    const a = { data: randomFloat64(m * k, 31), offset: 0, rowStride: 1, colStride: m };
    const b = { data: randomFloat64(k * n, 32), offset: 0, rowStride: n, colStride: 1 };
    const ldc = m + 1;
    const c0 = randomFloat64(ldc * n, 33);
    const c = c0.slice();
    kernels.gemmF64(m, n, k, 1, a, b, 1, c, 0, ldc);
    expect(kernels.memoryBytes).toBeLessThanOrEqual(64 * 2 ** 20);
    let worst = 0;
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < m; i++) {
        let s = 0;
        let scale = 0;
        for (let p = 0; p < k; p++) {
          const t = a.data[i + p * m] * b.data[p * n + j];
          s += t;
          scale += Math.abs(t);
        }
        const idx = i + j * ldc;
        worst = Math.max(worst, Math.abs(c[idx] - (c0[idx] + s)) / (scale + Math.abs(c0[idx])));
      }
    }
    expect(worst).toBeLessThanOrEqual(1e-13);
  });

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
