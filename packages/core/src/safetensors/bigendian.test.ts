import { describe, expect, it, vi } from 'vitest';
import { tensorToFloat32, tensorToFloat64 } from './convert.js';
import { readSafetensors } from './read.js';
import { randomFloats } from './test-files.js';
import { writeSafetensors } from './write.js';

// Runs the reader and writer through their big-endian code paths (explicit little-endian DataView access):
// on this little-endian machine the bytes must come out exactly as on the fast path.
vi.mock('./endian.js', () => ({ LITTLE_ENDIAN: false }));

describe('the big-endian (DataView) paths', () => {
  it('write the same bytes as a hand-built little-endian encoding and read back exact values (tolerance 0)', () => {
    const f32 = Float32Array.from(randomFloats(5, 3));
    const f64 = randomFloats(3, 4);
    const bytes = writeSafetensors({ s: { shape: [5], data: f32 }, d: { shape: [3], data: f64, dtype: 'F64' }, n: { shape: [3], data: f64 } });
    const file = readSafetensors(bytes);
    const expectLittleEndian = (name: string, values: ArrayLike<number>, size: 4 | 8) => {
      const t = file.tensors.get(name)!;
      const view = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
      for (let i = 0; i < values.length; i++) {
        const stored = size === 4 ? view.getFloat32(4 * i, true) : view.getFloat64(8 * i, true);
        expect(stored).toBe(size === 4 ? Math.fround(values[i]) : values[i]);
      }
    };
    expectLittleEndian('s', f32, 4);
    expectLittleEndian('d', f64, 8);
    expectLittleEndian('n', f64, 4);
    const s = tensorToFloat32(file.tensors.get('s')!);
    expect(s.buffer).not.toBe(bytes.buffer); // no zero-copy view without little-endian typed arrays
    expect(Array.from(s)).toEqual(Array.from(f32));
    expect(Array.from(tensorToFloat64(file.tensors.get('d')!))).toEqual(Array.from(f64));
    expect(Array.from(tensorToFloat32(file.tensors.get('d')!))).toEqual(Array.from(f64, Math.fround));
  });
});
