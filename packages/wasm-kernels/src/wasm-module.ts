import { MultiLoraError } from '@multilora/core';
import { scalarWasmBase64, simdWasmBase64 } from './generated/wasm-bytes.js';

/** Which build of the kernel module: f32x4 SIMD, or scalar for engines without WebAssembly SIMD. */
export type WasmFlavor = 'simd' | 'scalar';

/** A GEMM export: C = alpha·A·B + beta·C on strided operands (float32 `gemm`, float64 `gemmF64`). */
type GemmExport = (
  m: number, n: number, k: number,
  a: number, rsA: number, csA: number,
  b: number, rsB: number, csB: number,
  c: number, ldc: number, alpha: number, beta: number,
) => void;

/** The exports of assembly/index.ts (pointers are byte addresses in `memory`; booleans are 0/1). */
export interface KernelExports {
  memory: WebAssembly.Memory;
  hostBase(): number;
  gemm: GemmExport;
  gemmF64: GemmExport;
  rotateVectorsF64(
    sweeps: number, first: number, count: number, forward: number, c: number, s: number,
    vectors: number, vectorCount: number, block: number, blocks: number,
  ): void;
  fusedForward(
    tokens: number, inF: number, out: number, n: number, r: number, channel: number, gamma: number,
    x: number, a: number, b: number, s: number, w: number, wInOut: number, bias: number,
    y: number, z: number, work: number,
  ): void;
  fusedBackward(
    tokens: number, inF: number, out: number, n: number, r: number, channel: number, gamma: number,
    x: number, a: number, b: number, s: number, w: number, wInOut: number, dy: number, z: number, hasZ: number,
    work: number, dz: number,
    dx: number, da: number, db: number, ds: number,
  ): void;
  deltaWeight(
    inF: number, out: number, n: number, r: number, channel: number,
    a: number, b: number, s: number, beff: number,
    dst: number, inOut: number, alpha: number, beta: number,
  ): void;
  peak(iterations: number, m: number, c: number): number;
  peakLanes(): number;
}

const bytesCache = new Map<WasmFlavor, Uint8Array<ArrayBuffer>>();
const moduleCache = new Map<WasmFlavor, WebAssembly.Module>();

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The embedded binary of one flavour. */
export function wasmBytes(flavor: WasmFlavor): Uint8Array<ArrayBuffer> {
  let bytes = bytesCache.get(flavor);
  if (!bytes) {
    bytes = decodeBase64(flavor === 'simd' ? simdWasmBase64 : scalarWasmBase64);
    bytesCache.set(flavor, bytes);
  }
  return bytes;
}

/** Whether this engine accepts the SIMD module (`WebAssembly.validate` on the module itself). */
export function wasmSimdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(wasmBytes('simd'));
}

/**
 * The flavour to load: SIMD where the engine validates it, else scalar; `simd: true` insists on SIMD
 * (throws `KERNEL_UNAVAILABLE` without it), `simd: false` forces scalar.
 */
export function chooseFlavor(simd?: boolean): WasmFlavor {
  if (typeof WebAssembly !== 'object') {
    throw new MultiLoraError('KERNEL_UNAVAILABLE', 'WebAssembly is not available in this JavaScript engine; use core\'s TypeScript kernels (getKernels() falls back to them).');
  }
  if (simd === false) return 'scalar';
  const supported = wasmSimdSupported();
  if (simd === true && !supported) {
    throw new MultiLoraError('KERNEL_UNAVAILABLE', 'loadWasmKernels({ simd: true }): this engine does not validate WebAssembly SIMD; omit `simd` to fall back to the scalar module.');
  }
  return supported ? 'simd' : 'scalar';
}

function instanceExports(instance: WebAssembly.Instance): KernelExports {
  return instance.exports as unknown as KernelExports;
}

/**
 * Compiles (once per flavour, cached) and instantiates synchronously. Fine in Node and in workers;
 * browsers refuse synchronous compilation of modules over 4 KB on the main thread.
 */
export function instantiateSync(flavor: WasmFlavor): KernelExports {
  let module = moduleCache.get(flavor);
  if (!module) {
    module = new WebAssembly.Module(wasmBytes(flavor));
    moduleCache.set(flavor, module);
  }
  return instanceExports(new WebAssembly.Instance(module, {}));
}

/** Compiles (once per flavour, cached) and instantiates asynchronously; works everywhere. */
export async function instantiate(flavor: WasmFlavor): Promise<KernelExports> {
  let module = moduleCache.get(flavor);
  if (!module) {
    module = await WebAssembly.compile(wasmBytes(flavor));
    moduleCache.set(flavor, module);
  }
  return instanceExports(await WebAssembly.instantiate(module, {}));
}
