/**
 * The safetensors writer, byte-compatible with the reference writer (huggingface/safetensors `serialize`):
 * tensors sorted by dtype (descending, in the reference's enum order) then by name, `__metadata__` first,
 * header padded with spaces to a multiple of 8, data in the same order as the header entries.
 */
import { encodeTensor, planSafetensors, type TensorsToWrite } from './plan.js';

export type { TensorsToWrite } from './plan.js';

/**
 * Serialises `tensors` (stored as F32 unless a tensor asks for F16, BF16 or F64) and optional string
 * metadata into the bytes of a safetensors file. F16 and BF16 round to nearest, ties to even; NaN and
 * ±Infinity are stored as such (NaN payloads are not kept). With the same tensors and metadata (one
 * metadata key, or keys in the reference's order) the output is byte-identical to the reference writer's.
 *
 * Throws MultiLoraError `SAFETENSORS_INVALID_ENTRY` for an empty or reserved name, a shape that is not a
 * list of non-negative integers, a shape whose product differs from the data length, data that is not a
 * Float32Array/Float64Array or metadata that is not string → string; `SAFETENSORS_UNSUPPORTED_DTYPE` for
 * another dtype; `SAFETENSORS_HEADER_TOO_LARGE` when the header would exceed 100,000,000 bytes.
 */
export function writeSafetensors(tensors: TensorsToWrite, metadata?: Record<string, string>): Uint8Array {
  const { header, tensors: planned, dataLength } = planSafetensors(tensors, metadata);
  const out = new Uint8Array(header.length + dataLength);
  out.set(header);
  // Descending dtype size keeps every tensor aligned to its element size (the header length is a multiple of 8).
  let position = header.length;
  for (const t of planned) {
    encodeTensor(t, out, position);
    position += t.nbytes;
  }
  return out;
}
