import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensorToFloat32, tensorToFloat64 } from './convert.js';
import { compareCodePoints } from './order.js';
import { readSafetensors } from './read.js';
import { errorOf } from '../testing.js';
import { PEFT_FIXTURE, randomFloats } from './test-files.js';
import type { FloatDtype, TensorToWrite } from './types.js';
import { writeSafetensors } from './write.js';

/** The header text of a written file (without padding) and its declared length. */
function headerOf(bytes: Uint8Array): { text: string; length: number } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { text: new TextDecoder().decode(bytes.subarray(8, 8 + length)), length };
}

/** Seeded normal data plus the special values a file must carry: NaN, ±Infinity, -0, tiny and huge values. */
function testData(n: number, seed: number): Float64Array {
  const data = randomFloats(n, seed, 3);
  data.set([NaN, Infinity, -Infinity, -0, 1e-6, -7e-8, 65519, 65520, 3e38, 1e-40], 0);
  return data;
}

describe('writeSafetensors', () => {
  it('re-serialises the real PEFT fixture byte-identically (read → write with the same metadata), from an object and a Map', () => {
    const original = readFileSync(PEFT_FIXTURE);
    const file = readSafetensors(original);
    const tensors = new Map<string, TensorToWrite>();
    for (const [name, t] of file.tensors) tensors.set(name, { shape: t.shape, data: tensorToFloat32(t) });
    const fromMap = writeSafetensors(tensors, file.metadata);
    expect(fromMap.length).toBe(original.length);
    expect(Buffer.compare(Buffer.from(fromMap), original)).toBe(0);
    const fromObject = writeSafetensors(Object.fromEntries([...tensors].reverse()), { format: 'pt' });
    expect(Buffer.compare(Buffer.from(fromObject), original)).toBe(0);
  });

  it('writes the exact reference layout for one F32 tensor: 8-byte LE length, JSON, space padding, data', () => {
    const out = writeSafetensors({ 'attn.0': { shape: [1, 2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) } });
    const json = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    const { text, length } = headerOf(out);
    expect(length).toBe(Math.ceil(json.length / 8) * 8);
    expect(text).toBe(json.padEnd(length, ' '));
    expect(Array.from(new Float32Array(out.slice(8 + length).buffer))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('writes an empty file as "{}" padded to 8, and empty metadata as an explicit object', () => {
    expect(Array.from(writeSafetensors({}))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    expect(headerOf(writeSafetensors(new Map(), {})).text).toBe('{"__metadata__":{}}     ');
  });

  it.each<[FloatDtype, 'f32' | 'f64', number]>([
    ['F32', 'f32', 0],
    ['F32', 'f64', 0],
    ['F64', 'f64', 0],
    ['F64', 'f32', 0],
    ['F16', 'f64', 2 ** -11],
    ['BF16', 'f32', 2 ** -8],
  ])('round-trips %s from %s data: value = float64 reference rounded, relative error ≤ %d', (dtype, source, bound) => {
    const reference = testData(1000, dtype.length + source.length);
    const data = source === 'f32' ? Float32Array.from(reference) : reference;
    const file = readSafetensors(writeSafetensors({ t: { shape: [10, 100], data, dtype } }));
    const t = file.tensors.get('t')!;
    expect(t.dtype).toBe(dtype);
    expect(t.shape).toEqual([10, 100]);
    const back = tensorToFloat64(t);
    const overflow = dtype === 'F16' ? 65520 : (2 - 2 ** -8) * 2 ** 127; // halfway past the largest finite value
    const tiny = dtype === 'F16' ? 2 ** -24 : 2 ** -133; // smallest subnormal step
    let exact = 0;
    for (let i = 0; i < data.length; i++) {
      const x = data[i];
      const want = dtype === 'F32' ? Math.fround(x) : dtype === 'F64' ? x : undefined;
      if (want !== undefined) {
        if (!Object.is(back[i], want) && !(Number.isNaN(want) && Number.isNaN(back[i]))) expect.fail(`[${i}] ${back[i]} ≠ ${want}`);
        exact++;
      } else if (Number.isNaN(x)) {
        expect(back[i]).toBeNaN();
      } else if (Math.abs(x) >= overflow) {
        expect(back[i]).toBe(Math.sign(x) * Infinity);
      } else if (Math.abs(back[i] - x) > Math.max(bound * Math.abs(x), tiny / 2)) {
        expect.fail(`[${i}] ${x} → ${back[i]}, error above ${bound}`);
      }
    }
    expect(exact).toBe(bound === 0 ? data.length : 0);
  });

  it('sorts by dtype (F64, F32, BF16, F16), then name; aligns each tensor; puts __metadata__ first', () => {
    const tensor = (dtype: FloatDtype, n: number, seed: number): TensorToWrite => ({ shape: [n], data: randomFloats(n, seed), dtype });
    const out = writeSafetensors(
      { h1: tensor('F16', 3, 1), b: tensor('BF16', 1, 2), f: tensor('F32', 3, 3), d: tensor('F64', 1, 4), a: tensor('F32', 1, 5), h0: tensor('F16', 1, 6) },
      { format: 'pt', tool: 'multilora' },
    );
    const { text } = headerOf(out);
    expect(text.startsWith('{"__metadata__":{"format":"pt","tool":"multilora"},"d":')).toBe(true);
    const file = readSafetensors(out);
    expect([...file.tensors.keys()]).toEqual(['d', 'a', 'f', 'b', 'h0', 'h1']);
    for (const t of file.tensors.values()) {
      const size = { F64: 8, F32: 4, BF16: 2, F16: 2 }[t.dtype as FloatDtype];
      expect(t.bytes.byteOffset % size).toBe(0);
    }
  });

  it('orders names by UTF-8 bytes like the reference (not by UTF-16 code units)', () => {
    const names = ['b', 'a', 'Z', 'é', '\uffff', '😀', 'a.10', 'a.9', 'a.1'];
    const out = writeSafetensors(Object.fromEntries(names.map((n, i) => [n, { shape: [1], data: new Float32Array([i + 0.5]) }])));
    const byBytes = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...readSafetensors(out).tensors.keys()]).toEqual(byBytes);
    expect(byBytes.indexOf('\uffff')).toBeLessThan(byBytes.indexOf('😀')); // UTF-16 order would put 😀 first
  });

  it('compareCodePoints agrees in sign with a UTF-8 byte comparison on 2000 seeded random string pairs', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 6 }), (a, b) => {
        expect(Math.sign(compareCodePoints(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { seed: 7, numRuns: 2000 },
    );
  });

  it('escapes names and metadata as the reference does and reads them back', () => {
    const name = 'q"uote\\back/slash\n\u0001\u007f é😀';
    const metadata = { 'k\t': 'v"\u001f', empty: '' };
    const out = writeSafetensors({ [name]: { shape: [], data: new Float32Array([2.5]) } }, metadata);
    expect(headerOf(out).text).toContain('"q\\"uote\\\\back/slash\\n\\u0001\u007f é😀"');
    const file = readSafetensors(out);
    expect(file.metadata).toEqual(metadata);
    expect(Array.from(tensorToFloat32(file.tensors.get(name)!))).toEqual([2.5]);
  });

  it('stores NaN, ±Infinity and -0 in F32 bit-exactly (a file format, not a validator)', () => {
    const data = new Float32Array([NaN, Infinity, -Infinity, -0, 1.5]);
    const raw = new Uint32Array(data.buffer).slice();
    const back = tensorToFloat32(readSafetensors(writeSafetensors({ t: { shape: [5], data } })).tensors.get('t')!);
    expect(Array.from(new Uint32Array(back.slice().buffer))).toEqual(Array.from(raw));
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an empty name', { '': { shape: [1], data: new Float32Array(1) } }, 'names must be non-empty'],
    ['the reserved name', { __metadata__: { shape: [1], data: new Float32Array(1) } }, 'not __metadata__'],
    ['a name with a lone surrogate', { 'a\ud800': { shape: [1], data: new Float32Array(1) } }, 'unpaired'],
    ['a shape/data mismatch', { w: { shape: [2, 3], data: new Float32Array(5) } }, 'shape [2, 3] (6 elements) but 5 values'],
    ['a negative dimension', { w: { shape: [-1], data: new Float32Array(1) } }, 'has shape [-1]'],
    ['a fractional dimension', { w: { shape: [1.5], data: new Float32Array(1) } }, 'has shape [1.5]'],
    ['a shape that is not a list', { w: { shape: 3, data: new Float32Array(3) } }, 'has shape 3'],
    ['plain array data', { w: { shape: [1], data: [1] } }, 'object Array'],
    ['int data', { w: { shape: [1], data: new Int32Array(1) } }, 'Int32Array'],
    ['a null tensor', { w: null }, 'tensor "w" must be'],
  ])('rejects %s with SAFETENSORS_INVALID_ENTRY', (_what, tensors, named) => {
    const error = errorOf(() => writeSafetensors(tensors as Record<string, TensorToWrite>));
    expect(error.code).toBe('SAFETENSORS_INVALID_ENTRY');
    expect(error.message).toContain(named);
  });

  it('rejects metadata that is not string → string, and dtypes it cannot write', () => {
    const ok = { w: { shape: [1], data: new Float32Array(1) } };
    const bad = errorOf(() => writeSafetensors(ok, { version: 2 as unknown as string }));
    expect([bad.code, bad.message]).toEqual(['SAFETENSORS_INVALID_ENTRY', expect.stringContaining('key "version" is number')]);
    const dtype = errorOf(() => writeSafetensors({ w: { ...ok.w, dtype: 'I32' as FloatDtype } }));
    expect(dtype.code).toBe('SAFETENSORS_UNSUPPORTED_DTYPE');
    expect(dtype.message).toContain('dtype I32');
  });
});
