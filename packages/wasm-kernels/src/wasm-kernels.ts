import {
  checkDeltaWeightArgs,
  checkFusedBackwardArgs,
  checkFusedForwardArgs,
  checkGemmArgs,
  type DeltaWeightArgs,
  type FusedBackwardArgs,
  type FusedForwardArgs,
  type FusedForwardResult,
  type FusedGradients,
  type GemmArgs,
  type Kernels,
} from '@multilora/core';
import { createGemmF64, type GemmF64 } from './gemm-f64.js';
import { LinearMemory } from './linear-memory.js';
import { createRotateVectorsF64, type RotateVectorsF64 } from './rotations-f64.js';
import type { KernelExports, WasmFlavor } from './wasm-module.js';

/** Core's {@link Kernels} on the AssemblyScript module, plus what benchmarks and tests look at. */
export interface WasmKernels extends Kernels {
  /** `wasm-simd` or `wasm-scalar`: which module was loaded. */
  readonly name: 'wasm-simd' | 'wasm-scalar';
  /** Bytes of linear memory this instance holds; constant once calls stop needing more than before. */
  readonly memoryBytes: number;
  /** The float64 GEMM (f64x2 SIMD or scalar) that core's diagnostics run their large products on. */
  gemmF64: GemmF64;
  /** The rotation sweeps (f64x2 SIMD or scalar) that core's SVD applies to its singular vectors. */
  rotateVectorsF64: RotateVectorsF64;
  /**
   * Runs the module's register-only multiply-add loop (`iterations` rounds of 12 independent mul+add,
   * f32x4 or scalar) and returns the float32 operations it performed: time it to measure the peak.
   */
  peak(iterations: number): number;
}

/**
 * Wraps one instance: each call lays its inputs, outputs and workspace out in the instance's linear
 * memory (growing it only past its high-water mark), copies the inputs in, runs one exported kernel
 * and copies the outputs out. Instances are independent of each other.
 */
export function createWasmKernels(exports: KernelExports, flavor: WasmFlavor): WasmKernels {
  const mem = new LinearMemory(exports.memory, exports.hostBase());

  function gemm(args: GemmArgs): Float32Array {
    checkGemmArgs(args);
    const { m, n, k } = args;
    // without `c` the previous content is zeros, so beta does not matter
    const beta = args.c ? args.beta ?? 0 : 0;
    mem.begin();
    const a = mem.alloc(m * k);
    const b = mem.alloc(k * n);
    const c = mem.alloc(m * n);
    mem.commit();
    mem.write(a, args.a);
    mem.write(b, args.b);
    if (beta !== 0 && args.c) mem.write(c, args.c);
    // op(A)[i, p] = a[i·rsA + p·csA], op(B)[p, j] = b[p·rsB + j·csB]
    const [rsA, csA] = args.transA ? [1, m] : [k, 1];
    const [rsB, csB] = args.transB ? [1, k] : [n, 1];
    exports.gemm(m, n, k, a, rsA, csA, b, rsB, csB, c, n, args.alpha ?? 1, beta);
    return mem.read(c, m * n, args.c);
  }

  /** Allocates the adapter's weights in this call's layout; `fill()` copies them in after `commit()`. */
  function allocWeights(args: FusedForwardArgs | FusedBackwardArgs | DeltaWeightArgs) {
    const nr = args.n * args.r;
    const a = mem.alloc(nr * args.inFeatures);
    const b = mem.alloc(args.outFeatures * nr);
    const s = mem.alloc(args.scale.length);
    return {
      a, b, s,
      fill() {
        mem.write(a, args.a);
        mem.write(b, args.b);
        mem.write(s, args.scale);
      },
    };
  }

  function fusedForward(args: FusedForwardArgs): FusedForwardResult {
    checkFusedForwardArgs(args);
    const { tokens: t, inFeatures: inF, outFeatures: out, n, r } = args;
    const nr = n * r;
    const channel = args.scaleMode === 'channel';
    mem.begin();
    const wts = allocWeights(args);
    const x = mem.alloc(t * inF);
    const w = args.weight ? mem.alloc(out * inF) : 0;
    const bias = args.bias ? mem.alloc(out) : 0;
    const y = mem.alloc(t * out);
    const z = mem.alloc(t * nr);
    const work = mem.alloc(channel ? out * nr : t * nr);
    mem.commit();
    wts.fill();
    mem.write(x, args.x);
    if (args.weight) mem.write(w, args.weight);
    if (args.bias) mem.write(bias, args.bias);
    exports.fusedForward(
      t, inF, out, n, r, channel ? 1 : 0, args.gamma,
      x, wts.a, wts.b, wts.s, w, args.weightInOut ? 1 : 0, bias, y, z, work,
    );
    return { y: mem.read(y, t * out, args.y), z: mem.read(z, t * nr) };
  }

  function fusedBackward(args: FusedBackwardArgs): FusedGradients {
    checkFusedBackwardArgs(args);
    const { tokens: t, inFeatures: inF, outFeatures: out, n, r } = args;
    const nr = n * r;
    const channel = args.scaleMode === 'channel';
    mem.begin();
    const wts = allocWeights(args);
    const x = mem.alloc(t * inF);
    const dy = mem.alloc(t * out);
    const w = args.weight ? mem.alloc(out * inF) : 0;
    const z = mem.alloc(t * nr);
    const work = mem.alloc(channel ? 2 * out * nr : t * nr);
    const dz = mem.alloc(t * nr);
    const dx = mem.alloc(t * inF);
    const da = mem.alloc(nr * inF);
    const db = mem.alloc(out * nr);
    const ds = mem.alloc(args.scale.length);
    mem.commit();
    wts.fill();
    mem.write(x, args.x);
    mem.write(dy, args.dy);
    if (args.weight) mem.write(w, args.weight);
    if (args.z) mem.write(z, args.z);
    exports.fusedBackward(
      t, inF, out, n, r, channel ? 1 : 0, args.gamma,
      x, wts.a, wts.b, wts.s, w, args.weightInOut ? 1 : 0, dy, z, args.z ? 1 : 0,
      work, dz, dx, da, db, ds,
    );
    return {
      dx: mem.read(dx, t * inF),
      da: mem.read(da, nr * inF),
      db: mem.read(db, out * nr),
      ds: mem.read(ds, args.scale.length),
    };
  }

  function deltaWeight(args: DeltaWeightArgs): Float32Array {
    checkDeltaWeightArgs(args);
    const { inFeatures: inF, outFeatures: out, n, r } = args;
    const accumulate = !!(args.accumulate && args.out);
    mem.begin();
    const wts = allocWeights(args);
    const beff = mem.alloc(out * n * r);
    const dst = mem.alloc(out * inF);
    mem.commit();
    wts.fill();
    if (accumulate && args.out) mem.write(dst, args.out);
    exports.deltaWeight(
      inF, out, n, r, args.scaleMode === 'channel' ? 1 : 0,
      wts.a, wts.b, wts.s, beff, dst, args.inOut ? 1 : 0, args.gamma * (args.sign ?? 1), accumulate ? 1 : 0,
    );
    return mem.read(dst, out * inF, args.out);
  }

  return {
    name: flavor === 'simd' ? 'wasm-simd' : 'wasm-scalar',
    get memoryBytes() {
      return mem.byteLength;
    },
    peak(iterations: number): number {
      exports.peak(iterations, 0.999999, 1e-6);
      return iterations * 12 * 2 * exports.peakLanes();
    },
    gemm,
    fusedForward,
    fusedBackward,
    deltaWeight,
    gemmF64: createGemmF64(exports, mem),
    rotateVectorsF64: createRotateVectorsF64(exports, mem),
  };
}
