import { MultiLoraError } from '@multilora/core';

const PAGE = 65536;
const MAX_PAGES = 65536;
const ALIGN = 64;

/**
 * The host's view of one module instance's linear memory: a per-call bump layout above the module's
 * scratch area, and growth only when a call needs more bytes than any call before (the memory then
 * grows to the next power-of-two number of pages, so a workload that varies in size settles after a
 * few calls and steady state never grows or reallocates).
 */
export class LinearMemory {
  private readonly memory: WebAssembly.Memory;
  private readonly base: number;
  private cursor: number;
  private view: Float32Array;
  private view64: Float64Array;

  /** @param base the first byte the host may use (the module's `hostBase()`). */
  constructor(memory: WebAssembly.Memory, base: number) {
    this.memory = memory;
    this.base = base;
    this.cursor = base;
    this.view = new Float32Array(memory.buffer);
    this.view64 = new Float64Array(memory.buffer);
    this.commit();
  }

  /** Bytes the memory holds now. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** Starts the layout of a new call: the previous call's buffers are released. */
  begin(): void {
    this.cursor = this.base;
  }

  /** Reserves `floats` float32 slots in this call's layout (64-byte aligned); returns the byte address. */
  alloc(floats: number): number {
    const ptr = this.cursor;
    this.cursor += Math.ceil((floats * 4) / ALIGN) * ALIGN;
    return ptr;
  }

  /** Reserves `doubles` float64 slots in this call's layout (64-byte aligned); returns the byte address. */
  allocF64(doubles: number): number {
    return this.alloc(2 * doubles);
  }

  /** The whole memory as float64 (index = byte address / 8); valid until the next `commit()`. */
  get f64(): Float64Array {
    return this.view64;
  }

  /** Makes the memory big enough for everything allocated since `begin()`; grows only past the high-water mark. */
  commit(): void {
    const needed = Math.ceil(this.cursor / PAGE);
    const have = this.memory.buffer.byteLength / PAGE;
    if (needed > have) {
      let target = 1;
      while (target < needed) target *= 2;
      target = Math.min(target, MAX_PAGES);
      try {
        if (needed > MAX_PAGES) throw new RangeError('beyond 4 GiB');
        this.memory.grow(target - have);
      } catch (err) {
        throw new MultiLoraError(
          'KERNEL_OUT_OF_MEMORY',
          `wasm kernels need ${this.cursor} bytes of linear memory for this call but could not grow from ${have * PAGE} bytes (${(err as Error).message}). Split the call into smaller token batches, or use core's TypeScript kernels.`,
        );
      }
    }
    if (this.view.buffer !== this.memory.buffer) {
      this.view = new Float32Array(this.memory.buffer);
      this.view64 = new Float64Array(this.memory.buffer);
    }
  }

  /** Copies `src` into the memory at byte address `ptr`. */
  write(ptr: number, src: Float32Array): void {
    this.view.set(src, ptr >>> 2);
  }

  /** Copies `length` floats at byte address `ptr` out into `dst` (allocated when absent) and returns it. */
  read(ptr: number, length: number, dst?: Float32Array): Float32Array {
    const src = this.view.subarray(ptr >>> 2, (ptr >>> 2) + length);
    const out = dst ?? new Float32Array(length);
    out.set(src);
    return out;
  }
}
