// Block sizes of the GEMM and the fixed scratch area that holds its packed panels.
//
// Memory map of the linear memory (the host owns everything above `hostBase()`):
//   [0, __heap_base)           static data of this module (none but the runtime stub's)
//   [scratch, scratch + SCRATCH_BYTES)   packed A block, packed B block, one edge tile
//   [hostBase(), memory end)   the host's inputs, outputs and per-call workspace

/** Rows of the register tile. */
export const MR: i32 = 4;
/** Columns of the register tile (two f32x4 per row in the SIMD build). */
export const NR: i32 = 8;
/** Depth of a packed panel: the k extent that one pass of the micro-kernel sweeps. */
export const KC: i32 = 256;
/** Rows of op(A) packed at once (the A block stays in L2). */
export const MC: i32 = 128;
/** Columns of op(B) packed at once (a multiple of NR; the B block stays in L2/L3). */
export const NC: i32 = 512;

const PACK_A_BYTES: usize = <usize>(MC * KC) << 2;
const PACK_B_BYTES: usize = <usize>(KC * NC) << 2;
const TILE_BYTES: usize = <usize>(MR * NR) << 2;
const ALIGN: usize = 64;

/** Rounds `p` up to a multiple of 64 bytes. */
// @ts-ignore: decorator
@inline
export function align64(p: usize): usize {
  return (p + ALIGN - 1) & ~(ALIGN - 1);
}

/** Start of the packed-A buffer ([MC/MR][KC][MR] floats). */
// @ts-ignore: decorator
@inline
export function packABuffer(): usize {
  return align64(__heap_base);
}

/** Start of the packed-B buffer ([NC/NR][KC][NR] floats). */
// @ts-ignore: decorator
@inline
export function packBBuffer(): usize {
  return packABuffer() + PACK_A_BYTES;
}

/** Start of the MR×NR edge tile. */
// @ts-ignore: decorator
@inline
export function tileBuffer(): usize {
  return packBBuffer() + PACK_B_BYTES;
}

/** The first byte the host may use; the memory must reach at least this far before any kernel runs. */
export function hostBase(): usize {
  return align64(tileBuffer() + TILE_BYTES);
}
