/**
 * The dtypes of the safetensors format that this reader knows, with their sizes in bytes (every
 * whole-byte dtype of the reference implementation; the sub-byte F4 and F6 types are refused).
 */
export const DTYPE_SIZES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  F8_E8M0: 1,
  F8_E4M3FNUZ: 1,
  F8_E5M2FNUZ: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  C64: 8,
  I64: 8,
  U64: 8,
  F64: 8,
} as const;

/** A dtype name of the safetensors format. */
export type SafetensorsDtype = keyof typeof DTYPE_SIZES;

/** The floating-point dtypes this library converts from and (F32, F16, BF16, F64) writes. */
export type FloatDtype = 'F32' | 'F16' | 'BF16' | 'F64';

/** One tensor of a parsed file: validated header entry and its raw little-endian bytes (a view, maybe unaligned). */
export interface SafetensorsTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** The tensor's bytes inside the file buffer; not copied, not necessarily aligned. */
  bytes: Uint8Array;
}

/** A parsed, fully validated safetensors file. */
export interface SafetensorsFile {
  /** The optional `__metadata__` map (string → string); empty when absent. */
  metadata: Record<string, string>;
  /** Tensors by name, in the file's data order. */
  tensors: Map<string, SafetensorsTensor>;
}

/** A tensor to write: float data in row-major order with its shape; stored as `dtype` (default F32). */
export interface TensorToWrite {
  shape: readonly number[];
  data: Float32Array | Float64Array;
  dtype?: FloatDtype;
}
