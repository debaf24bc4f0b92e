/**
 * Tensor bytes → float arrays. F32, F16, BF16 and F64 convert; every other dtype is refused with
 * `SAFETENSORS_UNSUPPORTED_DTYPE`. F16 and BF16 convert exactly (both are subsets of float32).
 */
import { MultiLoraError } from '../errors.js';
import { LITTLE_ENDIAN } from './endian.js';
import { f16DecodeTable } from './minifloat.js';
import type { SafetensorsTensor } from './types.js';

/** Options of {@link tensorToFloat32} and {@link tensorToFloat64}. */
export interface ConvertOptions {
  /**
   * Always return a fresh array. Default `false`: when the stored dtype already is the requested one and
   * its bytes are suitably aligned (on a little-endian platform), the result is a zero-copy view that
   * aliases the file buffer, so writing to it changes the buffer (and the buffer must stay alive).
   */
  copy?: boolean;
}

/**
 * The tensor's values as a Float32Array in row-major order. F32 data that is 4-byte aligned is returned
 * as a zero-copy view into the file buffer unless `copy` is set (see {@link ConvertOptions}); unaligned
 * data is copied. F16 and BF16 convert exactly; F64 rounds to the nearest float32.
 */
export function tensorToFloat32(tensor: SafetensorsTensor, { copy = false }: ConvertOptions = {}): Float32Array {
  const { bytes } = tensor;
  switch (tensor.dtype) {
    case 'F32': {
      const n = bytes.byteLength / 4;
      if (!LITTLE_ENDIAN) return readWithDataView(bytes, new Float32Array(n), 4);
      if (!copy && bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, n);
      const out = new Float32Array(n);
      new Uint8Array(out.buffer).set(bytes);
      return out;
    }
    case 'F16': {
      const table = f16DecodeTable();
      const out = new Float32Array(bytes.byteLength / 2);
      for (let i = 0, j = 0; i < out.length; i++, j += 2) out[i] = table[bytes[j] | (bytes[j + 1] << 8)];
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(bytes.byteLength / 2);
      // A BF16 pattern is the upper half of the float32 pattern: write the bits, read the floats.
      const bits = new Uint32Array(out.buffer);
      for (let i = 0, j = 0; i < out.length; i++, j += 2) bits[i] = ((bytes[j] | (bytes[j + 1] << 8)) << 16) >>> 0;
      return out;
    }
    case 'F64': {
      const out = new Float32Array(bytes.byteLength / 8);
      out.set(float64Of(bytes, false));
      return out;
    }
    default:
      throw unsupported(tensor, 'Float32Array');
  }
}

/**
 * The tensor's values as a Float64Array in row-major order. F64 data that is 8-byte aligned is returned
 * as a zero-copy view into the file buffer unless `copy` is set (see {@link ConvertOptions}); every
 * other case is a fresh array. F32, F16 and BF16 convert exactly.
 */
export function tensorToFloat64(tensor: SafetensorsTensor, { copy = false }: ConvertOptions = {}): Float64Array {
  if (tensor.dtype === 'F64') return float64Of(tensor.bytes, copy);
  if (tensor.dtype === 'F32' || tensor.dtype === 'F16' || tensor.dtype === 'BF16') {
    const values = tensorToFloat32(tensor);
    const out = new Float64Array(values.length);
    out.set(values);
    return out;
  }
  throw unsupported(tensor, 'Float64Array');
}

function float64Of(bytes: Uint8Array, copy: boolean): Float64Array {
  const n = bytes.byteLength / 8;
  if (!LITTLE_ENDIAN) return readWithDataView(bytes, new Float64Array(n), 8);
  if (!copy && bytes.byteOffset % 8 === 0) return new Float64Array(bytes.buffer, bytes.byteOffset, n);
  const out = new Float64Array(n);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Big-endian platforms: read little-endian floats one by one. */
function readWithDataView<T extends Float32Array | Float64Array>(bytes: Uint8Array, out: T, size: 4 | 8): T {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) {
    out[i] = size === 4 ? view.getFloat32(i * 4, true) : view.getFloat64(i * 8, true);
  }
  return out;
}

function unsupported(tensor: SafetensorsTensor, target: string): MultiLoraError {
  return new MultiLoraError(
    'SAFETENSORS_UNSUPPORTED_DTYPE',
    `tensor ${JSON.stringify(tensor.name)} has dtype ${tensor.dtype}, which cannot be converted to a ${target}; ` +
      'only F32, F16, BF16 and F64 tensors convert (read its raw `bytes` instead)',
  );
}
