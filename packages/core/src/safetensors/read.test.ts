import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tensorToFloat32 } from './convert.js';
import { readSafetensors } from './read.js';
import { errorOf } from '../testing.js';
import { PEFT_FIXTURE, rawFile } from './test-files.js';

const entry = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });

describe('readSafetensors on the real PEFT GPT-2 LoRA fixture', () => {
  const bytes = readFileSync(PEFT_FIXTURE);
  const file = readSafetensors(bytes);

  it('reads 72 tensors with the shapes of SOURCE.md and metadata {format: "pt"}', () => {
    expect(file.tensors.size).toBe(72);
    expect(file.metadata).toEqual({ format: 'pt' });
    const shapes = new Map<string, string>();
    for (const [name, t] of file.tensors) {
      expect(t.dtype).toBe('F32');
      const kind = name.replace(/^base_model\.model\.transformer\.h\.\d+\./, '');
      const shape = JSON.stringify(t.shape);
      expect(shapes.get(kind) ?? shape).toBe(shape);
      shapes.set(kind, shape);
    }
    expect(Object.fromEntries(shapes)).toEqual({
      'attn.c_attn.lora_A.weight': '[8,768]',
      'attn.c_attn.lora_B.weight': '[2304,8]',
      'attn.c_proj.lora_A.weight': '[8,768]',
      'attn.c_proj.lora_B.weight': '[768,8]',
      'mlp.c_proj.lora_A.weight': '[8,3072]',
      'mlp.c_proj.lora_B.weight': '[768,8]',
    });
  });

  it('gives every value exactly as an independent DataView decode of the file (tolerance 0), in data order', () => {
    const header = JSON.parse(bytes.subarray(8, 8 + bytes.readUInt32LE(0)).toString('utf8'));
    const dataStart = 8 + bytes.readUInt32LE(0);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let previousBegin = -1;
    let nonzero = 0;
    for (const [name, t] of file.tensors) {
      const [begin, end] = header[name].data_offsets as [number, number];
      expect(begin).toBeGreaterThan(previousBegin);
      previousBegin = begin;
      const values = tensorToFloat32(t);
      expect(values.length).toBe((end - begin) / 4);
      for (let i = 0; i < values.length; i++) {
        const want = view.getFloat32(dataStart + begin + 4 * i, true);
        if (values[i] !== want) expect.fail(`${name}[${i}] = ${values[i]}, file says ${want}`);
        if (want !== 0) nonzero++;
      }
    }
    expect(nonzero).toBeGreaterThan(100_000);
  });

  it('hands out zero-copy views that lie inside the input buffer', () => {
    for (const t of file.tensors.values()) {
      expect(t.bytes.buffer).toBe(bytes.buffer);
      expect(t.bytes.byteOffset).toBeGreaterThanOrEqual(bytes.byteOffset + 8);
      expect(t.bytes.byteOffset + t.bytes.byteLength).toBeLessThanOrEqual(bytes.byteOffset + bytes.byteLength);
    }
  });
});

describe('readSafetensors accepts', () => {
  it('an empty header and no data', () => {
    const file = readSafetensors(rawFile('{}      '));
    expect(file.tensors.size).toBe(0);
    expect(file.metadata).toEqual({});
  });

  it('entries in any header order (returned in data order), scalars, empty tensors, null metadata, extra fields', () => {
    const file = readSafetensors(
      rawFile(
        {
          __metadata__: null,
          z: entry('F32', [2], [4, 12]),
          empty: entry('F16', [3, 0], [12, 12]),
          scalar: { ...entry('F32', [], [0, 4]), note: 'ignored, as by the reference reader' },
          __proto__x: entry('U8', [2], [12, 14]),
        },
        14,
      ),
    );
    expect([...file.tensors.keys()]).toEqual(['scalar', 'z', 'empty', '__proto__x']);
    expect(file.tensors.get('scalar')?.shape).toEqual([]);
    expect(file.tensors.get('empty')?.bytes.byteLength).toBe(0);
    expect(file.metadata).toEqual({});
  });

  it('a key named "__proto__" as an ordinary tensor and metadata key', () => {
    const file = readSafetensors(rawFile('{"__metadata__":{"__proto__":"x"},"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', 1));
    expect(file.tensors.get('__proto__')?.shape).toEqual([1]);
    expect(Object.getOwnPropertyDescriptor(file.metadata, '__proto__')?.value).toBe('x');
  });

  it('a file in shared memory (SharedArrayBuffer)', () => {
    const source = rawFile({ __metadata__: { k: 'é' }, t: entry('U8', [2], [0, 2]) }, new Uint8Array([7, 9]));
    const shared = new Uint8Array(new SharedArrayBuffer(source.length));
    shared.set(source);
    const file = readSafetensors(shared);
    expect(file.metadata).toEqual({ k: 'é' });
    expect(Array.from(file.tensors.get('t')!.bytes)).toEqual([7, 9]);
  });

  it('a Node Buffer that shares a pool (non-zero byteOffset): views stay inside it', () => {
    const source = rawFile({ t: entry('F32', [3], [0, 12]) }, new Uint8Array(new Float32Array([1.5, -2, 3.25]).buffer));
    const pooled = Buffer.from(source);
    const file = readSafetensors(pooled);
    expect(Array.from(tensorToFloat32(file.tensors.get('t')!))).toEqual([1.5, -2, 3.25]);
  });
});

/** Expects `bytes` to be rejected with `code` and a message containing every string of `named`. */
function rejects(bytes: Uint8Array, code: string, ...named: string[]) {
  const error = errorOf(() => readSafetensors(bytes));
  expect(error.code).toBe(code);
  for (const part of named) expect(error.message).toContain(part);
}

describe('readSafetensors rejects, with a specific code and a message naming the problem,', () => {
  it('a file shorter than 8 bytes', () => {
    rejects(new Uint8Array(0), 'SAFETENSORS_TRUNCATED', '0 bytes');
    rejects(new Uint8Array(7), 'SAFETENSORS_TRUNCATED', '7 bytes', 'fewer than the 8-byte');
  });

  it('a header length over 100,000,000', () => {
    rejects(rawFile('{}', 0, 100_000_001n), 'SAFETENSORS_HEADER_TOO_LARGE', '100000001', '100000000');
  });

  it('header lengths 2^53 and 2^64 − 1 quickly, without allocating (< 50 ms each)', () => {
    for (const n of [2n ** 53n, 2n ** 64n - 1n, 2n ** 32n]) {
      const t0 = performance.now();
      rejects(rawFile('{}', 0, n), 'SAFETENSORS_HEADER_TOO_LARGE', String(n));
      expect(performance.now() - t0).toBeLessThan(50);
    }
  });

  it('a header longer than the file', () => {
    rejects(rawFile('{}', 4, 1000n), 'SAFETENSORS_TRUNCATED', 'says 1000 bytes', 'only 6 bytes follow');
  });

  it('a header that is not UTF-8', () => {
    const bytes = rawFile('{"a\u00e9":1}');
    bytes[11] = 0xff; // first byte of "é"
    rejects(bytes, 'SAFETENSORS_INVALID_UTF8', 'not valid UTF-8');
  });

  it('a header with a UTF-8 byte-order mark (as the reference does)', () => {
    rejects(rawFile('\ufeff{}'), 'SAFETENSORS_INVALID_JSON', 'character 0');
  });

  it('a header that is not JSON', () => {
    rejects(rawFile('{"t": {"dtype": "F32",}}'), 'SAFETENSORS_INVALID_JSON', 'not valid JSON', 'character 22');
  });

  it('a header that is JSON but not an object', () => {
    rejects(rawFile('[]'), 'SAFETENSORS_INVALID_JSON', 'must be a JSON object', 'an array');
    rejects(rawFile('null'), 'SAFETENSORS_INVALID_JSON', 'null');
    rejects(rawFile('"x"'), 'SAFETENSORS_INVALID_JSON', 'a string');
  });

  it('a tensor name that appears twice', () => {
    const text = '{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}';
    rejects(rawFile(text, 2), 'SAFETENSORS_DUPLICATE_NAME', '"w" twice');
  });

  it('a duplicate key inside an entry or the metadata', () => {
    rejects(rawFile('{"w":{"dtype":"U8","shape":[1],"shape":[1],"data_offsets":[0,1]}}', 1), 'SAFETENSORS_DUPLICATE_NAME', '"shape" twice inside "w"');
    rejects(rawFile('{"__metadata__":{"a":"1","a":"2"}}'), 'SAFETENSORS_DUPLICATE_NAME', '"a" twice inside "__metadata__"');
  });

  it('an unknown dtype', () => {
    rejects(rawFile({ w: entry('F31', [1], [0, 4]) }, 4), 'SAFETENSORS_UNKNOWN_DTYPE', '"w"', '"F31"', 'known dtypes: BOOL');
    rejects(rawFile({ w: entry('f32', [1], [0, 4]) }, 4), 'SAFETENSORS_UNKNOWN_DTYPE', '"f32"');
  });

  it('a sub-byte dtype of the reference (F4) as unsupported', () => {
    rejects(rawFile({ w: entry('F4', [2], [0, 1]) }, 1), 'SAFETENSORS_UNSUPPORTED_DTYPE', '"w"', 'F4');
  });

  it('an entry that is not an object, or lacks a field', () => {
    rejects(rawFile({ w: [1, 2] }), 'SAFETENSORS_INVALID_ENTRY', 'tensor "w" must be an object', '[1, 2]');
    rejects(rawFile({ w: { dtype: 'F32', shape: [1] } }, 4), 'SAFETENSORS_INVALID_ENTRY', 'tensor "w" has no "data_offsets"');
    rejects(rawFile({ w: { dtype: 'F32', data_offsets: [0, 4] } }, 4), 'SAFETENSORS_INVALID_ENTRY', 'has no "shape"');
    rejects(rawFile({ w: { shape: [1], data_offsets: [0, 4] } }, 4), 'SAFETENSORS_INVALID_ENTRY', 'has no "dtype"');
  });

  it('a dtype that is not a string', () => {
    rejects(rawFile({ w: entry(4 as never, [1], [0, 4]) }, 4), 'SAFETENSORS_INVALID_ENTRY', 'dtype 4');
  });

  it.each([
    ['a number', '4'],
    ['negative', '[2,-1]'],
    ['fractional', '[2,1.5]'],
    ['an integer written as 1.0', '[2,1.0]'],
    ['an exponent', '[2e0]'],
    ['negative zero', '[-0]'],
    ['above 2^53', '[9007199254740993]'],
    ['a string', '["2"]'],
  ])('a shape that is %s', (_what, shape) => {
    rejects(rawFile(`{"w":{"dtype":"U8","shape":${shape},"data_offsets":[0,2]}}`, 2), 'SAFETENSORS_INVALID_ENTRY', 'tensor "w" has shape', 'non-negative integers');
  });

  it.each([
    ['one number', '[0]'],
    ['three numbers', '[0,2,4]'],
    ['not a list', '"0-2"'],
    ['negative', '[-2,0]'],
    ['fractional', '[0,2.0]'],
  ])('data_offsets that are %s', (_what, offsets) => {
    rejects(rawFile(`{"w":{"dtype":"U8","shape":[2],"data_offsets":${offsets}}}`, 2), 'SAFETENSORS_INVALID_ENTRY', 'tensor "w" has data_offsets', '[begin, end]');
  });

  it('data_offsets with begin > end', () => {
    rejects(rawFile({ w: entry('U8', [2], [4, 2]) }, 4), 'SAFETENSORS_INVALID_ENTRY', 'data_offsets [4, 2] with begin > end');
  });

  it('metadata that is not an object of strings', () => {
    rejects(rawFile({ __metadata__: ['pt'] }), 'SAFETENSORS_INVALID_ENTRY', '__metadata__ must be an object');
    rejects(rawFile({ __metadata__: { format: 'pt', version: 2 } }), 'SAFETENSORS_INVALID_ENTRY', 'key "version" is 2', 'must be strings');
  });

  it('offsets that disagree with shape × dtype size', () => {
    rejects(
      rawFile({ x: entry('F32', [2, 2], [0, 12]) }, 12),
      'SAFETENSORS_BAD_OFFSETS',
      'tensor "x" has data_offsets [0, 12] (12 bytes) but shape [2, 2] of F32 needs 16 bytes',
    );
  });

  it('a shape whose byte size overflows 2^53 (no wrap-around)', () => {
    rejects(rawFile({ x: entry('F64', [2 ** 26, 2 ** 26, 2], [0, 16]) }, 16), 'SAFETENSORS_BAD_OFFSETS', 'needs more than 2^53 bytes');
    // 2^25 · 2^25 · 8 = 2^53, one past the largest safe integer.
    rejects(rawFile({ x: entry('F64', [2 ** 25, 2 ** 25], [0, 8]) }, 8), 'SAFETENSORS_BAD_OFFSETS', 'more than 2^53');
  });

  it('overlapping tensors', () => {
    rejects(
      rawFile({ a: entry('U8', [8], [0, 8]), b: entry('U8', [8], [4, 12]) }, 12),
      'SAFETENSORS_BAD_OFFSETS',
      'tensor "b" has data_offsets [4, 12] but tensor "a" ends at 8',
      'overlaps',
    );
  });

  it('a gap between tensors', () => {
    rejects(rawFile({ a: entry('U8', [8], [0, 8]), b: entry('U8', [4], [12, 16]) }, 16), 'SAFETENSORS_BAD_OFFSETS', 'leaves bytes [8, 12) unused');
  });

  it('a first tensor that does not start at 0', () => {
    rejects(rawFile({ a: entry('U8', [4], [4, 8]) }, 8), 'SAFETENSORS_BAD_OFFSETS', 'data buffer starts at 0', 'leaves bytes [0, 4) unused');
  });

  it('offsets beyond the end of the file (truncated data)', () => {
    rejects(rawFile({ a: entry('U8', [4], [0, 4]), b: entry('F32', [4], [4, 20]) }, 12), 'SAFETENSORS_TRUNCATED', '"b"', 'ends at data offset 20', '12 data');
  });

  it('bytes after the last tensor (file length ≠ 8 + N + last end)', () => {
    rejects(rawFile({ a: entry('U8', [4], [0, 4]) }, 7), 'SAFETENSORS_BAD_OFFSETS', '"a"', '3 more bytes follow');
    rejects(rawFile({}, 5), 'SAFETENSORS_BAD_OFFSETS', 'no tensors', '5 more bytes');
  });
});
