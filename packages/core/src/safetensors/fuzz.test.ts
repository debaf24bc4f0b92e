/**
 * Property-based fuzzing of the reader: valid random files, then random mutations of their bytes, header
 * length field and JSON. Every outcome must be a clean parse (whose tensors lie inside the input) or a
 * MultiLoraError with a SAFETENSORS_* code: never another exception, never a hang.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MultiLoraError } from '../errors.js';
import { tensorToFloat32 } from './convert.js';
import { readSafetensors } from './read.js';
import { DTYPE_SIZES, type SafetensorsDtype } from './types.js';

const DTYPES = Object.keys(DTYPE_SIZES) as SafetensorsDtype[];

interface Spec {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
}

/** A valid file: random tensors of every dtype, random metadata, random header key order and padding. */
const validFile = (minTensors: number) => fc
  .record({
    specs: fc.uniqueArray(
      fc.record({
        name: fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).filter((n) => n !== '__metadata__'),
        dtype: fc.constantFrom(...DTYPES),
        shape: fc.array(fc.nat(5), { maxLength: 3 }),
      }),
      { selector: (s) => s.name, minLength: minTensors, maxLength: 6 },
    ),
    metadata: fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 8 }), { maxKeys: 3 })),
    headerOrder: fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
    padding: fc.nat(9),
    seed: fc.nat(),
  })
  .map(({ specs, metadata, headerOrder, padding, seed }) => buildFile(specs, metadata, headerOrder, padding, seed));

function buildFile(specs: Spec[], metadata: Record<string, string> | null, order: number[], padding: number, seed: number): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  const entries = specs.map((s) => {
    const size = s.shape.reduce((a, b) => a * b, 1) * DTYPE_SIZES[s.dtype];
    const entry = { dtype: s.dtype, shape: s.shape, data_offsets: [offset, offset + size] };
    offset += size;
    return [s.name, entry] as const;
  });
  // Header key order is independent of data order.
  const shuffled = entries.map((e, i) => ({ e, k: order[i] })).sort((a, b) => a.k - b.k);
  for (const { e } of shuffled) Object.defineProperty(header, e[0], { value: e[1], enumerable: true });
  const json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(padding));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  for (let i = 8 + json.length, x = seed; i < out.length; i++) out[i] = x = (x * 1103515245 + 12345) & 0xff;
  return out;
}

/** Where in a file a byte mutation lands: anywhere, in the length field, in the header, or in the data. */
const position = (bytes: Uint8Array, r: number) => Math.floor(r * bytes.length);

type Mutation = (bytes: Uint8Array) => Uint8Array;

/** Hostile replacement values for each field a JSON edit may touch ('delete' and 'duplicate' take none). */
const HOSTILE = {
  dtype: ['F32', 'U8', 'F4', 'F6_E2M3', 'X', 'f16', 'I128', '', 1, null],
  shape: [-1, [], [0], [1.5], [2 ** 53], [2 ** 30, 2 ** 30, 2 ** 30], [3, 2], [1, 1, 1, 1], 'x', [[1]], [-0]],
  data_offsets: [[0], [0, 1e20], [3, 2], [-1, 4], [0, 2 ** 53], [1, 2, 3], [0, 0], [0, 8], 'x', null],
  __metadata__: [null, {}, { a: 1 }, [], 'x', { a: 'b' }, { a: { b: 'c' } }],
  extra: [1, 'x', null, { deep: [1, 2] }],
  delete: [null],
  duplicate: [null],
} as const;

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // flip bytes: mostly inside the header, where the structure is
  { weight: 3, arbitrary: fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 1, max: 255 }), fc.boolean()).map(
    ([r, xor, inHeader]): Mutation =>
      (b) => {
        if (b.length === 0) return b;
        const headerEnd = b.length >= 8 ? Math.min(b.length, 8 + new DataView(b.buffer, b.byteOffset).getUint32(0, true)) : 0;
        const at = inHeader && headerEnd > 8 ? 8 + Math.floor(r * (headerEnd - 8)) : position(b, r);
        const out = b.slice();
        if (at < out.length) out[at] ^= xor;
        return out;
      },
  ) },
  // truncate
  fc.double({ min: 0, max: 1, noNaN: true }).map((r): Mutation => (b) => b.slice(0, position(b, r))),
  // extend
  fc.uint8Array({ minLength: 1, maxLength: 16 }).map((extra): Mutation => (b) => concat(b, extra)),
  // splice: delete a range and insert bytes
  fc
    .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(12), fc.uint8Array({ maxLength: 12 }))
    .map(([r, remove, insert]): Mutation => (b) => concat(b.slice(0, position(b, r)), insert, b.slice(position(b, r) + remove))),
  // rewrite the header length field: small shifts or arbitrary 64-bit values
  fc
    .oneof(
      fc.integer({ min: -16, max: 16 }).map((d) => ({ delta: d })),
      fc.integer({ min: 99_999_000, max: 100_000_100 }).map((v) => ({ value: BigInt(v) })),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => ({ value: v })),
    )
    .map(
      (change): Mutation =>
        (b) => {
          if (b.length < 8) return b;
          const out = b.slice();
          const view = new DataView(out.buffer);
          const old = view.getBigUint64(0, true);
          const next = 'value' in change ? change.value : old + BigInt(change.delta);
          view.setBigUint64(0, BigInt.asUintN(64, next), true);
          return out;
        },
    ),
  // edit the JSON: replace one field of one entry (or the metadata) with a hostile value
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.nat(), fc.constantFrom(...(Object.keys(HOSTILE) as (keyof typeof HOSTILE)[])), fc.nat(), fc.boolean())
      .map(([pick, field, v, fixLength]): Mutation => (b) => editJson(b, pick, field, HOSTILE[field][v % HOSTILE[field].length], fixLength)),
  },
);

function editJson(b: Uint8Array, pick: number, field: string, value: unknown, fixLength: boolean): Uint8Array {
  let header: Record<string, Record<string, unknown>>;
  const n = b.length >= 8 ? new DataView(b.buffer, b.byteOffset).getUint32(0, true) : 0;
  try {
    header = JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + n)));
  } catch {
    return b;
  }
  if (typeof header !== 'object' || header === null) return b;
  const names = Object.keys(header);
  let text: string;
  if (field === '__metadata__') {
    (header as Record<string, unknown>).__metadata__ = value;
    text = JSON.stringify(header);
  } else if (names.length === 0) {
    return b;
  } else {
    const name = names[pick % names.length];
    const entry = header[name];
    if (typeof entry !== 'object' || entry === null) return b;
    if (field === 'delete') delete entry[Object.keys(entry)[pick % 3]];
    else if (field !== 'duplicate') entry[field] = value;
    text = JSON.stringify(header);
    // A duplicate tensor name, which JSON.stringify cannot produce: append the entry again by hand.
    if (field === 'duplicate') text = `${text.slice(0, -1)},${JSON.stringify(name)}:${JSON.stringify(entry)}}`;
  }
  const json = new TextEncoder().encode(text);
  const out = concat(new Uint8Array(8), json, b.slice(8 + n));
  new DataView(out.buffer).setUint32(0, fixLength ? json.length : n, true);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Checks the outcome of reading `bytes`: a clean parse with every tensor inside the input, or a SAFETENSORS_* error. */
function checkOutcome(bytes: Uint8Array): string {
  let file;
  try {
    file = readSafetensors(bytes);
  } catch (e) {
    if (!(e instanceof MultiLoraError) || !e.code.startsWith('SAFETENSORS_')) throw new Error(`unexpected exception: ${String(e)}`);
    return e.code;
  }
  for (const t of file.tensors.values()) {
    expect(t.bytes.buffer).toBe(bytes.buffer);
    expect(t.bytes.byteOffset).toBeGreaterThanOrEqual(bytes.byteOffset + 8);
    expect(t.bytes.byteOffset + t.bytes.byteLength).toBeLessThanOrEqual(bytes.byteOffset + bytes.byteLength);
    expect(t.bytes.byteLength).toBe(t.shape.reduce((a, d) => a * d, 1) * DTYPE_SIZES[t.dtype]);
    if (t.dtype === 'F32' || t.dtype === 'F16' || t.dtype === 'BF16' || t.dtype === 'F64') {
      expect(tensorToFloat32(t).length).toBe(t.bytes.byteLength / DTYPE_SIZES[t.dtype]);
    }
  }
  return 'parsed';
}

describe('readSafetensors under fuzzing', () => {
  it('parses 300 seeded random valid files, with tensors inside the input', () => {
    fc.assert(
      fc.property(validFile(0), (bytes) => {
        expect(checkOutcome(bytes)).toBe('parsed');
      }),
      { seed: 1, numRuns: 300 },
    );
  });

  it('on 2000 seeded random mutations: parses cleanly or throws a SAFETENSORS_* MultiLoraError, each within 100 ms', () => {
    const outcomes = new Map<string, number>();
    fc.assert(
      fc.property(validFile(1), fc.array(mutation, { minLength: 1, maxLength: 3 }), (bytes, mutations) => {
        const mutated = mutations.reduce((b, m) => m(b), bytes);
        const t0 = performance.now();
        const outcome = checkOutcome(mutated);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        expect(performance.now() - t0).toBeLessThan(100);
      }),
      { seed: 2, numRuns: 2000 },
    );
    if (process.env.FUZZ_VERBOSE) console.log(outcomes);
    // Clean parses and every kind of rejection must occur, or the mutations are not exercising the reader.
    expect(outcomes.get('parsed'), JSON.stringify([...outcomes])).toBeGreaterThan(10);
    expect([...outcomes.keys()].sort(), JSON.stringify([...outcomes])).toEqual([
      'SAFETENSORS_BAD_OFFSETS',
      'SAFETENSORS_DUPLICATE_NAME',
      'SAFETENSORS_HEADER_TOO_LARGE',
      'SAFETENSORS_INVALID_ENTRY',
      'SAFETENSORS_INVALID_JSON',
      'SAFETENSORS_INVALID_UTF8',
      'SAFETENSORS_TRUNCATED',
      'SAFETENSORS_UNKNOWN_DTYPE',
      'SAFETENSORS_UNSUPPORTED_DTYPE',
      'parsed',
    ]);
  });
});
