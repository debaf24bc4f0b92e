/**
 * Validation of a parsed safetensors header: every entry's fields, its size against shape × dtype,
 * and the layout of all entries in the data buffer (sorted by offset: starting at 0, no gap, no overlap).
 */
import { MultiLoraError, type MultiLoraErrorCode } from '../errors.js';
import { JsonNonInteger, type JsonObject, type JsonValue } from './json.js';
import { DTYPE_SIZES, type SafetensorsDtype } from './types.js';

/** The key of the optional string → string map in a header. */
export const METADATA_KEY = '__metadata__';

/** One validated tensor entry of a header; `begin` and `end` are relative to the data buffer. */
export interface HeaderEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

/** A validated header: its metadata, its entries in data order, and where the last tensor ends. */
export interface ValidatedHeader {
  metadata: Record<string, string>;
  entries: HeaderEntry[];
  /** Bytes of data the entries cover: the data buffer must be exactly this long. */
  dataEnd: number;
}

/** Sub-byte dtypes of the reference implementation, which this reader does not support. */
const SUB_BYTE_DTYPES = new Set(['F4', 'F6_E2M3', 'F6_E3M2']);

/**
 * Checks every entry of `header` (the top-level object of the JSON) and the layout of their data;
 * throws MultiLoraError with a `SAFETENSORS_*` code naming the tensor and the numbers on the first problem.
 */
export function validateHeader(header: JsonObject): ValidatedHeader {
  let metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, value] of header) {
    if (name === METADATA_KEY) metadata = validateMetadata(value);
    else entries.push(validateEntry(name, value));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (let i = 0; i < entries.length; i++) {
    const { name, begin, end } = entries[i];
    if (begin !== expected) {
      const previous = i > 0 ? `tensor ${JSON.stringify(entries[i - 1].name)} ends at ${expected}` : 'the data buffer starts at 0';
      const problem = begin < expected ? 'overlaps the tensor before it' : `leaves bytes [${expected}, ${begin}) unused`;
      fail(
        'SAFETENSORS_BAD_OFFSETS',
        `tensor ${JSON.stringify(name)} has data_offsets [${begin}, ${end}] but ${previous}: it ${problem}; ` +
          'tensors must tile the data buffer without gaps or overlaps',
      );
    }
    expected = end;
  }
  return { metadata, entries, dataEnd: expected };
}

function validateMetadata(value: JsonValue): Record<string, string> {
  if (value === null) return {};
  if (!(value instanceof Map)) {
    fail('SAFETENSORS_INVALID_ENTRY', `${METADATA_KEY} must be an object of strings, got ${show(value)}`);
  }
  for (const [key, v] of value) {
    if (typeof v !== 'string') {
      fail(
        'SAFETENSORS_INVALID_ENTRY',
        `${METADATA_KEY} value of key ${JSON.stringify(key)} is ${show(v)}; metadata values must be strings`,
      );
    }
  }
  // fromEntries defines own properties, so a key such as "__proto__" stays an ordinary key.
  return Object.fromEntries(value as Map<string, string>);
}

function validateEntry(name: string, value: JsonValue): HeaderEntry {
  const tensor = `tensor ${JSON.stringify(name)}`;
  if (!(value instanceof Map)) {
    fail('SAFETENSORS_INVALID_ENTRY', `${tensor} must be an object {dtype, shape, data_offsets}, got ${show(value)}`);
  }
  const field = (key: string): JsonValue => {
    const v = value.get(key);
    if (v === undefined) {
      fail('SAFETENSORS_INVALID_ENTRY', `${tensor} has no "${key}"; each entry needs dtype, shape and data_offsets`);
    }
    return v;
  };
  const dtype = field('dtype');
  if (typeof dtype !== 'string') fail('SAFETENSORS_INVALID_ENTRY', `${tensor} has dtype ${show(dtype)}, expected a string`);
  if (SUB_BYTE_DTYPES.has(dtype)) {
    fail('SAFETENSORS_UNSUPPORTED_DTYPE', `${tensor} has the sub-byte dtype ${dtype}, which this reader does not support`);
  }
  if (!Object.hasOwn(DTYPE_SIZES, dtype)) {
    fail(
      'SAFETENSORS_UNKNOWN_DTYPE',
      `${tensor} has unknown dtype ${JSON.stringify(dtype)}; known dtypes: ${Object.keys(DTYPE_SIZES).join(', ')}`,
    );
  }
  const shapeValue = field('shape');
  if (!Array.isArray(shapeValue) || !shapeValue.every(isCount)) {
    fail('SAFETENSORS_INVALID_ENTRY', `${tensor} has shape ${show(shapeValue)}; expected a list of non-negative integers`);
  }
  const offsets = field('data_offsets');
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    fail('SAFETENSORS_INVALID_ENTRY', `${tensor} has data_offsets ${show(offsets)}; expected [begin, end], two non-negative integers`);
  }
  const shape = shapeValue as number[];
  const [begin, end] = offsets as number[];
  if (begin > end) fail('SAFETENSORS_INVALID_ENTRY', `${tensor} has data_offsets [${begin}, ${end}] with begin > end`);
  const size = DTYPE_SIZES[dtype as SafetensorsDtype];
  const needed = byteLength(shape, size);
  if (needed !== end - begin) {
    const need = needed === undefined ? 'more than 2^53 bytes' : `${needed} bytes`;
    fail(
      'SAFETENSORS_BAD_OFFSETS',
      `${tensor} has data_offsets [${begin}, ${end}] (${end - begin} bytes) but shape [${shape.join(', ')}] of ${dtype} needs ${need}`,
    );
  }
  return { name, dtype: dtype as SafetensorsDtype, shape, begin, end };
}

/**
 * The byte size of a tensor of `shape` with elements of `elementSize` bytes, or undefined when it exceeds
 * Number.MAX_SAFE_INTEGER (such a tensor cannot be addressed, so it cannot be valid).
 */
export function byteLength(shape: readonly number[], elementSize: number): number | undefined {
  if (shape.includes(0)) return 0;
  let n = elementSize;
  for (const d of shape) {
    if (n > Number.MAX_SAFE_INTEGER / d) return undefined;
    n *= d;
  }
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A non-negative safe integer written as an integer (not `1.0`, not `-0`). */
function isCount(v: JsonValue): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && !Object.is(v, -0);
}

/** A short rendering of a JSON value for messages (numbers as written, cut after ~80 characters). */
function show(v: JsonValue): string {
  const limit = 80;
  let out = '';
  const put = (x: JsonValue): void => {
    if (out.length > limit) return;
    if (x instanceof JsonNonInteger) out += x.text;
    else if (Array.isArray(x)) {
      out += '[';
      x.forEach((item, i) => {
        if (i) out += ', ';
        put(item);
      });
      out += ']';
    } else if (x instanceof Map) {
      out += '{';
      let first = true;
      for (const [key, item] of x) {
        out += `${first ? '' : ', '}${JSON.stringify(key)}: `;
        first = false;
        put(item);
      }
      out += '}';
    } else out += JSON.stringify(x);
  };
  put(v);
  return out.length > limit ? `${out.slice(0, limit - 3)}...` : out;
}

function fail(code: MultiLoraErrorCode, message: string): never {
  throw new MultiLoraError(code, message);
}
