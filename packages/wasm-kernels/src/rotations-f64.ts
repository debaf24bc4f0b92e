import { checkRotateVectorsF64Args, type Kernels } from '@multilora/core';
import type { LinearMemory } from './linear-memory.js';
import type { KernelExports } from './wasm-module.js';

/** The rotation sweeps of core's kernel interface (`Kernels.rotateVectorsF64`). */
export type RotateVectorsF64 = NonNullable<Kernels['rotateVectorsF64']>;

/**
 * Elements of each vector per block (even): the module runs every sweep over one block of all vectors
 * before the next. Measured on svd(1024², vectors 'both') with the SIMD module (AMD EPYC, Node 20):
 * 1.73 s with blocks of 64, 1.76 s with 32, 1.79 s with 128, 1.82 s with 256.
 */
const BLOCK = 64;

/**
 * The wasm module's rotation sweeps behind core's `rotateVectorsF64` contract: the touched vectors are
 * copied in once per call, block by block (see assembly/rotations-f64.ts; the last block padded with
 * zeros), with the sweeps' metadata (first vectors shifted to the copied range), cosines and sines; the
 * module applies every sweep to every block, and the vectors are copied back. Memory follows the
 * instance's high-water mark.
 */
export function createRotateVectorsF64(exports: KernelExports, mem: LinearMemory): RotateVectorsF64 {
  return (batch, vectors, len) => {
    checkRotateVectorsF64Args(batch, vectors, len);
    const { sweeps, first, count, forward } = batch;
    if (sweeps === 0) return;
    let lo = first[0];
    let hi = first[0] + count[0];
    let total = 0;
    for (let k = 0; k < sweeps; k++) {
      lo = Math.min(lo, first[k]);
      hi = Math.max(hi, first[k] + count[k]);
      total += count[k];
    }
    const touched = hi - lo + 1;
    const block = Math.min(BLOCK, len + (len & 1));
    const blocks = Math.ceil(len / block);
    mem.begin();
    const pFirst = mem.alloc(sweeps);
    const pCount = mem.alloc(sweeps);
    const pForward = mem.alloc(Math.ceil(sweeps / 4));
    const pc = mem.allocF64(total);
    const ps = mem.allocF64(total);
    const pv = mem.allocF64(touched * block * blocks);
    mem.commit();
    const buffer = exports.memory.buffer;
    const firstIn = new Int32Array(buffer, pFirst, sweeps);
    for (let k = 0; k < sweeps; k++) firstIn[k] = first[k] - lo;
    new Int32Array(buffer, pCount, sweeps).set(count.subarray(0, sweeps));
    new Uint8Array(buffer, pForward, sweeps).set(forward.subarray(0, sweeps));
    const heap = mem.f64;
    heap.set(batch.c.subarray(0, total), pc >>> 3);
    heap.set(batch.s.subarray(0, total), ps >>> 3);
    const v0 = pv >>> 3;
    for (let b = 0, i0 = 0; b < blocks; b++, i0 += block) {
      const bl = Math.min(block, len - i0);
      for (let q = 0; q < touched; q++) {
        const from = (lo + q) * len + i0;
        const to = v0 + (b * touched + q) * block;
        heap.set(vectors.subarray(from, from + bl), to);
        if (bl < block) heap.fill(0, to + bl, to + block);
      }
    }
    exports.rotateVectorsF64(sweeps, pFirst, pCount, pForward, pc, ps, pv, touched, block, blocks);
    for (let b = 0, i0 = 0; b < blocks; b++, i0 += block) {
      const bl = Math.min(block, len - i0);
      for (let q = 0; q < touched; q++) {
        const from = v0 + (b * touched + q) * block;
        vectors.set(heap.subarray(from, from + bl), (lo + q) * len + i0);
      }
    }
  };
}
