// Block sizes of the GEMMs and the fixed scratch area that holds their packed panels.
//
// Memory map of the linear memory (the host owns everything above `hostBase()`):
//   [0, __heap_base)           static data of this module (none but the runtime stub's)
//   [scratch, scratch + SCRATCH_BYTES)   packed A block, packed B block, one edge tile (shared by the
//                                        float32 and the float64 GEMM: one runs at a time)
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

/** Float64 GEMM (gemm-f64.ts): rows and columns of its register tile (two f64x2 per column in the SIMD build). */
export const MR64: i32 = 4;
export const NR64: i32 = 4;
/** Float64 GEMM: panel depth as for float32; half the rows and columns per block, so that its packed blocks fill the same bytes. */
export const KC64: i32 = KC;
export const MC64: i32 = MC >> 1;
export const NC64: i32 = NC >> 1;

// float32: MC·KC·4 = MC64·KC64·8 bytes, KC·NC·4 = KC64·NC64·8, MR·NR·4 = MR64·NR64·8
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
