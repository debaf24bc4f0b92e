/**
 * The layout half of the safetensors writer, shared by the in-memory and the file writer: validated
 * tensors in the reference writer's order (dtype descending in its enum order, then name by code point),
 * the header bytes (length field, JSON with `__metadata__` first, space padding to a multiple of 8),
 * and the encoding of each tensor's data.
 */
import { MultiLoraError } from '../errors.js';
import { LITTLE_ENDIAN } from './endian.js';
import { byteLength, METADATA_KEY } from './header.js';
import { numberToBf16, numberToF16 } from './minifloat.js';
import { compareCodePoints } from './order.js';
import { MAX_HEADER_BYTES } from './read.js';
import { DTYPE_SIZES, type FloatDtype, type TensorToWrite } from './types.js';

/** Tensors to write, by name: a plain object or a Map. */
export type TensorsToWrite = Record<string, TensorToWrite> | ReadonlyMap<string, TensorToWrite>;

/** One validated tensor of a plan, with its size in bytes. */
export interface PlannedTensor {
  name: string;
  dtype: FloatDtype;
  shape: readonly number[];
  data: Float32Array | Float64Array;
  nbytes: number;
}

/** Everything but the data: the first `header.length` bytes of the file, then the tensors' data in order. */
export interface SafetensorsPlan {
  /** The 8-byte length field, the header JSON and its padding. */
  header: Uint8Array;
  tensors: PlannedTensor[];
  /** Total bytes of tensor data after the header. */
  dataLength: number;
}

/**
 * Validates the writer's inputs and lays out the file (see `writeSafetensors` for the errors thrown).
 */
export function planSafetensors(tensors: TensorsToWrite, metadata?: Record<string, string>): SafetensorsPlan {
  const list = [...(tensors instanceof Map ? tensors : Object.entries(tensors))].map(([name, t]) => prepare(name, t));
  list.sort((a, b) => DTYPE_RANK[b.dtype] - DTYPE_RANK[a.dtype] || compareCodePoints(a.name, b.name));

  const parts: string[] = [];
  if (metadata !== undefined) parts.push(`${JSON.stringify(METADATA_KEY)}:${metadataJson(metadata)}`);
  let offset = 0;
  for (const t of list) {
    const end = offset + t.nbytes;
    if (!Number.isSafeInteger(end)) invalid(`tensors add up to more than 2^53 bytes at ${JSON.stringify(t.name)}`);
    parts.push(`${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  if (headerLength > MAX_HEADER_BYTES) {
    throw new MultiLoraError(
      'SAFETENSORS_HEADER_TOO_LARGE',
      `the safetensors header would be ${headerLength} bytes, more than the format's limit of ${MAX_HEADER_BYTES}; ` +
        'write fewer tensors or shorter names/metadata per file',
    );
  }
  const header = new Uint8Array(8 + headerLength);
  new DataView(header.buffer).setUint32(0, headerLength, true);
  header.set(json, 8);
  header.fill(0x20, 8 + json.length);
  return { header, tensors: list, dataLength: offset };
}

/**
 * The little-endian bytes of one planned tensor: a zero-copy view of its data when it already is in the
 * stored format on a little-endian platform, else a fresh encoding.
 */
export function tensorBytes(t: PlannedTensor): Uint8Array {
  const { data } = t;
  const stored = t.dtype === 'F32' ? data instanceof Float32Array : t.dtype === 'F64' ? data instanceof Float64Array : false;
  if (stored && LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, t.nbytes);
  const out = new Uint8Array(t.nbytes);
  encodeTensor(t, out, 0);
  return out;
}

/** Rank of each writable dtype in the reference's `Dtype` enum order (F16 < BF16 < F32 < F64). */
const DTYPE_RANK: Record<FloatDtype, number> = { F16: 0, BF16: 1, F32: 2, F64: 3 };

function prepare(name: string, t: TensorToWrite): PlannedTensor {
  const label = `tensor ${JSON.stringify(name)}`;
  if (name === '' || name === METADATA_KEY) {
    invalid(`tensor name ${JSON.stringify(name)} is not allowed: names must be non-empty and not ${METADATA_KEY}`);
  }
  if (hasLoneSurrogate(name)) invalid(`${label}: the name contains an unpaired UTF-16 surrogate and cannot be UTF-8`);
  if (typeof t !== 'object' || t === null) invalid(`${label} must be {shape, data, dtype?}, got ${String(t)}`);
  const dtype = t.dtype ?? 'F32';
  if (!Object.hasOwn(DTYPE_RANK, dtype)) {
    throw new MultiLoraError(
      'SAFETENSORS_UNSUPPORTED_DTYPE',
      `${label} asks for dtype ${String(dtype)}; the writer stores F32 (default), F16, BF16 or F64`,
    );
  }
  const { shape, data } = t;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    invalid(`${label} has shape ${JSON.stringify(shape)}; expected a list of non-negative integers`);
  }
  if (!(data instanceof Float32Array || data instanceof Float64Array)) {
    invalid(`${label} has data of type ${Object.prototype.toString.call(data)}; expected a Float32Array or Float64Array`);
  }
  const nbytes = byteLength(shape, DTYPE_SIZES[dtype]);
  const elements = byteLength(shape, 1);
  if (nbytes === undefined || elements !== data.length) {
    invalid(`${label} has shape [${shape.join(', ')}] (${elements ?? 'over 2^53'} elements) but ${data.length} values; they must agree`);
  }
  return { name, dtype, shape, data, nbytes };
}

function metadataJson(metadata: Record<string, string>): string {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    invalid(`metadata must be an object of strings, got ${JSON.stringify(metadata)}`);
  }
  const parts: string[] = [];
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') {
      invalid(`metadata value of key ${JSON.stringify(key)} is ${typeof value}; metadata values must be strings`);
    }
    if (hasLoneSurrogate(key) || hasLoneSurrogate(value)) {
      invalid(`metadata key or value of ${JSON.stringify(key)} contains an unpaired UTF-16 surrogate and cannot be UTF-8`);
    }
    parts.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * Encodes a planned tensor's data little-endian into `out` at `position`; `out.byteOffset + position`
 * must be a multiple of the element size (the plan's order guarantees it from an 8-aligned data start).
 */
export function encodeTensor({ dtype, data, nbytes }: PlannedTensor, out: Uint8Array, position: number): void {
  if (dtype === 'F16' || dtype === 'BF16') {
    const encode = dtype === 'F16' ? numberToF16 : numberToBf16;
    for (let i = 0, p = position; i < data.length; i++, p += 2) {
      const bits = encode(data[i]);
      out[p] = bits & 0xff;
      out[p + 1] = bits >> 8;
    }
    return;
  }
  const size = dtype === 'F32' ? 4 : 8;
  const at = out.byteOffset + position;
  if (!LITTLE_ENDIAN) {
    const view = new DataView(out.buffer, at, nbytes);
    for (let i = 0; i < data.length; i++) {
      if (size === 4) view.setFloat32(i * 4, data[i], true);
      else view.setFloat64(i * 8, data[i], true);
    }
    return;
  }
  const sameType = size === 4 ? data instanceof Float32Array : data instanceof Float64Array;
  if (sameType) out.set(new Uint8Array(data.buffer, data.byteOffset, nbytes), position);
  else if (size === 4) new Float32Array(out.buffer, at, data.length).set(data);
  else new Float64Array(out.buffer, at, data.length).set(data);
}

function hasLoneSurrogate(s: string): boolean {
  return /\p{Surrogate}/u.test(s);
}

function invalid(message: string): never {
  throw new MultiLoraError('SAFETENSORS_INVALID_ENTRY', message);
}
