import { checkGemmF64Args, type Kernels, type StridedF64 } from '@multilora/core';
import type { LinearMemory } from './linear-memory.js';
import type { KernelExports } from './wasm-module.js';

/** The float64 GEMM of core's kernel interface (`Kernels.gemmF64`). */
export type GemmF64 = NonNullable<Kernels['gemmF64']>;

/**
 * Copies the [rows, cols] operand `x` into `heap` from index `dst` in a compact layout and returns that
 * layout's [rowStride, colStride]: column by column when its columns are contiguous, row by row when its
 * rows are (one `set` per column or row, one in all when they follow each other), element by element
 * into column-major otherwise.
 */
function stage(x: StridedF64, rows: number, cols: number, heap: Float64Array, dst: number): [number, number] {
  const { data, offset, rowStride: rs, colStride: cs } = x;
  if (rs === 1 || cs === 1) {
    // lines: the contiguous runs (columns when rs = 1, else rows), `len` elements each, `step` apart
    const [lines, len, step] = rs === 1 ? [cols, rows, cs] : [rows, cols, rs];
    if (step === len || lines === 1) heap.set(data.subarray(offset, offset + lines * len), dst);
    else for (let l = 0; l < lines; l++) heap.set(data.subarray(offset + l * step, offset + l * step + len), dst + l * len);
    return rs === 1 ? [1, rows] : [cols, 1];
  }
  for (let j = 0; j < cols; j++) {
    const to = dst + j * rows;
    for (let i = 0, from = offset + j * cs; i < rows; i++, from += rs) heap[to + i] = data[from];
  }
  return [1, rows];
}

/**
 * Bytes of linear memory one call stages B and C in at most: wider products run in blocks of C's
 * columns (A staged once), so that a large diagnostic (a dense SVD at 4096² has 128 MB trailing updates)
 * leaves the instance at tens of MB, not hundreds. Blocks of ≥ 4 columns cost one re-packing of A each,
 * which is 1/(2·columns) of their flops.
 */
const STAGE_BYTES = 32 * 2 ** 20;

/**
 * The wasm module's float64 GEMM behind core's `gemmF64` contract: A and B are copied compactly into
 * the instance's linear memory (see {@link stage}), C too when beta ≠ 0, the module computes C column-major
 * with leading dimension m, and C is copied back column by column; C's columns go in blocks of at most
 * {@link STAGE_BYTES} of B and C. Memory follows the instance's high-water mark (no growth once a call of
 * this size has run).
 */
export function createGemmF64(exports: KernelExports, mem: LinearMemory): GemmF64 {
  return (m, n, k, alpha, a, b, beta, c, co, ldc) => {
    checkGemmF64Args(m, n, k, alpha, a, b, beta, c, co, ldc);
    if (m === 0 || n === 0) return;
    const block = Math.min(n, Math.max(4, Math.floor(STAGE_BYTES / (8 * (k + m)))));
    mem.begin();
    const pa = mem.allocF64(m * k);
    const pb = mem.allocF64(k * block);
    const pc = mem.allocF64(m * block);
    mem.commit();
    const heap = mem.f64;
    const [rsA, csA] = stage(a, m, k, heap, pa >>> 3);
    const c0 = pc >>> 3;
    for (let j0 = 0; j0 < n; j0 += block) {
      const nb = Math.min(block, n - j0);
      const [rsB, csB] = stage({ ...b, offset: b.offset + j0 * b.colStride }, k, nb, heap, pb >>> 3);
      const cj = co + j0 * ldc;
      const whole = ldc === m || nb === 1;
      if (beta !== 0) {
        if (whole) heap.set(c.subarray(cj, cj + m * nb), c0);
        else for (let j = 0; j < nb; j++) heap.set(c.subarray(cj + j * ldc, cj + j * ldc + m), c0 + j * m);
      }
      exports.gemmF64(m, nb, k, pa, rsA, csA, pb, rsB, csB, pc, m, alpha, beta);
      if (whole) c.set(heap.subarray(c0, c0 + m * nb), cj);
      else for (let j = 0; j < nb; j++) c.set(heap.subarray(c0 + j * m, c0 + (j + 1) * m), cj + j * ldc);
    }
  };
}
