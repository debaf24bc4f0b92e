/**
 * Record-then-apply for the singular vectors of the bidiagonal QR iteration. The rotations that bdsqr
 * applies to U and V never feed back into the iteration on (d, e), so it records each sweep's rotations
 * in a {@link RotationLog} and applies them in batches: all recorded sweeps to one block of every
 * vector's elements before the next block (the block stays in cache), on the registered kernels'
 * `rotateVectorsF64` when the batch is deep enough to pay for copying the vectors, else in TypeScript.
 * Each element goes through exactly the operations of the per-sweep path, so the results are the same
 * bits. Internal to diagnostics.
 */
import { getKernels } from '../../kernels/registry.js';
import type { RotationBatchF64 } from '../../kernels/types.js';
import { applyRotations } from './rotations.js';
import { scratch } from './workspace.js';

/**
 * Rotations a log holds before it applies them: 2^20 (16 MiB of cosines and sines), about one batch
 * per vector set for a 1024 × 1024 SVD, several for larger ones.
 */
export const DEFAULT_BATCH_ROTATIONS = 2 ** 20;

/**
 * Elements of each vector per block of the TypeScript applier (a block of 1024 vectors: 512 KiB).
 * Measured on svd(1024², vectors 'both') with core alone (AMD EPYC, 2 cores, Node 20, ±5% noise):
 * blocks of 32: 4.1 s; 64, 128 and 1024 (one block): 3.7–3.8 s. The TypeScript loop is compute-bound,
 * so blocking gains little there; the wasm kernels' f64x2 loop is where it pays.
 */
const TS_BLOCK = 64;

/**
 * The registered kernels' `rotateVectorsF64` runs batches with at least this many rotations per vector
 * they touch; below, copying the vectors in and out costs about what it saves. Measured against the
 * TypeScript applier on full-length sweeps over 64–1024 vectors of 256–1024 elements: the SIMD module
 * is 1.5–2.7× faster from one rotation per vector on, the scalar one breaks even at one and is 1.2–1.4×
 * faster at two. The bdsqr batches hold hundreds per vector.
 */
const KERNEL_MIN_DEPTH = 2;

/**
 * Applies `batch` to the vectors of length `len` in `vectors` (vector q at q·len) in TypeScript: the
 * touched vectors' elements [i0, i0 + blockLen) are copied into a compact block (vector after vector,
 * so that no two of them alias in the cache), all sweeps run on it, and it is copied back.
 */
export function applyRotationBatch(batch: RotationBatchF64, vectors: Float64Array, len: number, blockLen = TS_BLOCK): void {
  const { sweeps, first, count, forward, c, s } = batch;
  if (sweeps === 0) return;
  let lo = first[0];
  let hi = first[0] + count[0];
  for (let k = 1; k < sweeps; k++) {
    lo = Math.min(lo, first[k]);
    hi = Math.max(hi, first[k] + count[k]);
  }
  const touched = hi - lo + 1;
  const block = scratch('svd.rotation-block', touched * Math.min(blockLen, len));
  for (let i0 = 0; i0 < len; i0 += blockLen) {
    const bl = Math.min(blockLen, len - i0);
    for (let q = 0; q < touched; q++) {
      const from = (lo + q) * len + i0;
      block.set(vectors.subarray(from, from + bl), q * bl);
    }
    for (let k = 0, o = 0; k < sweeps; o += count[k], k++) {
      applyRotations(block, bl, first[k] - lo, count[k], c, s, forward[k] === 1, o);
    }
    for (let q = 0; q < touched; q++) {
      const to = (lo + q) * len + i0;
      vectors.set(block.subarray(q * bl, (q + 1) * bl), to);
    }
  }
}

/**
 * The sweeps recorded for one vector set (vector q at q·len of `vectors`), applied when `capacity`
 * rotations are held and on {@link flush}. Cosines and sines live in the scratch slots `name`.c/.s.
 */
export class RotationLog {
  private sweeps = 0;
  private rotations = 0;
  private lo = Infinity;
  private hi = -1;
  private first: Int32Array = new Int32Array(256);
  private count: Int32Array = new Int32Array(256);
  private forward: Uint8Array = new Uint8Array(256);
  private c: Float64Array = new Float64Array(0);
  private s: Float64Array = new Float64Array(0);

  constructor(
    private readonly vectors: Float64Array,
    private readonly len: number,
    private readonly name: string,
    private readonly capacity = DEFAULT_BATCH_ROTATIONS,
  ) {}

  /** Records the sweep that rotates pairs (first + j, first + j + 1) by (c[j], s[j]), j < count (see applyRotations). */
  record(first: number, count: number, c: Float64Array, s: Float64Array, forward: boolean): void {
    const at = this.reserve(first, count, forward);
    this.c.set(c.subarray(0, count), at);
    this.s.set(s.subarray(0, count), at);
  }

  /** Records x ← c·x + s·y, y ← c·y − s·x on vectors (p, p + 1) (BLAS drot): a sweep of one rotation. */
  recordPair(p: number, c: number, s: number): void {
    const at = this.reserve(p, 1, true);
    this.c[at] = c;
    this.s[at] = s;
  }

  /**
   * Applies and forgets everything recorded. Batches with at least {@link KERNEL_MIN_DEPTH} rotations
   * per touched vector go to the registered kernels' `rotateVectorsF64` where there is one.
   */
  flush(): void {
    if (this.sweeps === 0) return;
    const batch: RotationBatchF64 = {
      sweeps: this.sweeps, first: this.first, count: this.count, forward: this.forward, c: this.c, s: this.s,
    };
    const deep = this.rotations >= KERNEL_MIN_DEPTH * (this.hi - this.lo + 1);
    const kernels = deep ? getKernels() : undefined;
    if (kernels?.rotateVectorsF64) kernels.rotateVectorsF64(batch, this.vectors, this.len);
    else applyRotationBatch(batch, this.vectors, this.len);
    this.sweeps = 0;
    this.rotations = 0;
    this.lo = Infinity;
    this.hi = -1;
  }

  /** Makes room for one sweep (flushing when full), records its metadata; returns where its c, s go. */
  private reserve(first: number, count: number, forward: boolean): number {
    if (this.rotations + count > this.capacity) this.flush();
    const need = this.rotations + count;
    if (need > this.c.length) {
      const size = Math.max(need, Math.min(this.capacity, Math.max(4096, 2 * this.c.length)));
      const [c, s] = [scratch(`${this.name}.c`, size), scratch(`${this.name}.s`, size)];
      c.set(this.c.subarray(0, this.rotations));
      s.set(this.s.subarray(0, this.rotations));
      [this.c, this.s] = [c, s];
    }
    if (this.sweeps === this.first.length) {
      const grow = <T extends Int32Array | Uint8Array>(a: T, b: T): T => (b.set(a), b);
      this.first = grow(this.first, new Int32Array(2 * this.sweeps));
      this.count = grow(this.count, new Int32Array(2 * this.sweeps));
      this.forward = grow(this.forward, new Uint8Array(2 * this.sweeps));
    }
    const k = this.sweeps++;
    this.first[k] = first;
    this.count[k] = count;
    this.forward[k] = forward ? 1 : 0;
    this.lo = Math.min(this.lo, first);
    this.hi = Math.max(this.hi, first + count);
    const at = this.rotations;
    this.rotations = need;
    return at;
  }
}
