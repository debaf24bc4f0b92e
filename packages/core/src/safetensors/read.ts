/**
 * The safetensors reader: validates a whole file in one place before any byte of it is trusted (the
 * checks of the reference reader, huggingface/safetensors, plus duplicate keys), then hands out
 * zero-copy views of each tensor's bytes.
 */
import { MultiLoraError } from '../errors.js';
import { validateHeader } from './header.js';
import { parseStrictJson } from './json.js';
import type { SafetensorsFile, SafetensorsTensor } from './types.js';

/** The largest header the format allows, in bytes (the reference reader's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

/**
 * Parses and fully validates a safetensors file. Tensor `bytes` are views into `bytes` (no copy, not
 * necessarily aligned); convert them with `tensorToFloat32` / `tensorToFloat64`.
 *
 * Throws MultiLoraError whose message names the problem and the numbers:
 * `SAFETENSORS_TRUNCATED` (shorter than 8 bytes, header or tensor data past the end of the file),
 * `SAFETENSORS_HEADER_TOO_LARGE` (header length over 100,000,000), `SAFETENSORS_INVALID_UTF8`,
 * `SAFETENSORS_INVALID_JSON` (also: header not an object), `SAFETENSORS_DUPLICATE_NAME` (a key twice at
 * any level), `SAFETENSORS_INVALID_ENTRY` (missing or malformed dtype, shape, data_offsets or metadata),
 * `SAFETENSORS_UNKNOWN_DTYPE`, `SAFETENSORS_UNSUPPORTED_DTYPE` (sub-byte F4/F6 dtypes) and
 * `SAFETENSORS_BAD_OFFSETS` (size disagrees with shape × dtype, gaps, overlaps, bytes after the last tensor).
 */
export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.byteLength < 8) {
    throw new MultiLoraError(
      'SAFETENSORS_TRUNCATED',
      `safetensors file has ${bytes.byteLength} bytes, fewer than the 8-byte header length field; it is empty or truncated`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  if (high !== 0 || low > MAX_HEADER_BYTES) {
    throw new MultiLoraError(
      'SAFETENSORS_HEADER_TOO_LARGE',
      `safetensors header length field says ${view.getBigUint64(0, true)} bytes, more than the format's limit of ` +
        `${MAX_HEADER_BYTES}; this is not a safetensors file or its first 8 bytes are damaged`,
    );
  }
  const headerLength = low;
  const dataStart = 8 + headerLength;
  if (dataStart > bytes.byteLength) {
    throw new MultiLoraError(
      'SAFETENSORS_TRUNCATED',
      `safetensors header length field says ${headerLength} bytes but only ${bytes.byteLength - 8} bytes follow it ` +
        `(file of ${bytes.byteLength} bytes); the file is truncated or not safetensors`,
    );
  }
  let text: string;
  try {
    const headerBytes = bytes.subarray(8, dataStart);
    // TextDecoder refuses views of shared memory: decode a copy of the (small) header then.
    text = utf8.decode(isShared(headerBytes) ? headerBytes.slice() : headerBytes);
  } catch {
    throw new MultiLoraError(
      'SAFETENSORS_INVALID_UTF8',
      `safetensors header (bytes 8 to ${dataStart} of the file) is not valid UTF-8; the file is damaged`,
    );
  }
  const header = parseStrictJson(text);
  if (!(header instanceof Map)) {
    const kind = header === null ? 'null' : Array.isArray(header) ? 'an array' : `a ${typeof header}`;
    throw new MultiLoraError(
      'SAFETENSORS_INVALID_JSON',
      `safetensors header must be a JSON object of tensor entries, but it is ${kind}`,
    );
  }
  const { metadata, entries, dataEnd } = validateHeader(header);
  const dataLength = bytes.byteLength - dataStart;
  if (dataEnd !== dataLength) {
    const last = entries[entries.length - 1];
    const lastText = last
      ? `the last tensor, ${JSON.stringify(last.name)}, ends at data offset ${dataEnd}`
      : 'the header has no tensors';
    const sizes = `file of ${bytes.byteLength} bytes = 8 + ${headerLength} header + ${dataLength} data; expected ${dataStart + dataEnd} bytes`;
    if (dataEnd > dataLength) {
      throw new MultiLoraError(
        'SAFETENSORS_TRUNCATED',
        `${lastText}, beyond the end of the data buffer (${sizes}); the file is truncated or its offsets are out of bounds`,
      );
    }
    throw new MultiLoraError(
      'SAFETENSORS_BAD_OFFSETS',
      `${lastText} but ${dataLength - dataEnd} more bytes follow (${sizes}); ` +
        'bytes that belong to no tensor are not allowed',
    );
  }
  const tensors = new Map<string, SafetensorsTensor>();
  for (const { name, dtype, shape, begin, end } of entries) {
    tensors.set(name, { name, dtype, shape, bytes: bytes.subarray(dataStart + begin, dataStart + end) });
  }
  return { metadata, tensors };
}

function isShared(view: Uint8Array): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && view.buffer instanceof SharedArrayBuffer;
}

/** Strict decoder: invalid UTF-8 throws; a byte-order mark is kept (and then rejected as JSON), as in the reference. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
