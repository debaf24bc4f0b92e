import { describe, expect, it } from 'vitest';
import { tensorToFloat32, tensorToFloat64 } from './convert.js';
import { readSafetensors } from './read.js';
import { errorOf } from '../testing.js';
import { randomFloats } from './test-files.js';
import type { SafetensorsTensor } from './types.js';
import { writeSafetensors } from './write.js';

/** A file with one F32 and one F64 tensor of seeded values, placed at byte `shift` of a larger buffer. */
function shiftedFile(shift: number) {
  const f32 = Float32Array.from(randomFloats(12, 1));
  const f64 = randomFloats(6, 2);
  const bytes = writeSafetensors({ s: { shape: [3, 4], data: f32 }, d: { shape: [6], data: f64, dtype: 'F64' } });
  const buffer = new Uint8Array(bytes.length + shift);
  buffer.set(bytes, shift);
  return { file: readSafetensors(buffer.subarray(shift)), f32, f64, buffer };
}

describe('tensorToFloat32 / tensorToFloat64', () => {
  it('return zero-copy views for aligned F32/F64 data: writes go through to the file buffer', () => {
    const { file, f32, f64, buffer } = shiftedFile(0);
    const s = tensorToFloat32(file.tensors.get('s')!);
    const d = tensorToFloat64(file.tensors.get('d')!);
    expect(Array.from(s)).toEqual(Array.from(f32)); // tolerance 0: stored as F32
    expect(Array.from(d)).toEqual(Array.from(f64)); // tolerance 0: stored as F64
    expect(s.buffer).toBe(buffer.buffer);
    expect(d.buffer).toBe(buffer.buffer);
    s[0] = 42;
    expect(tensorToFloat32(file.tensors.get('s')!)[0]).toBe(42);
  });

  it('copy: true returns independent arrays with the same values', () => {
    const { file, f32 } = shiftedFile(0);
    const s = tensorToFloat32(file.tensors.get('s')!, { copy: true });
    expect(s.buffer).not.toBe(file.tensors.get('s')!.bytes.buffer);
    s[0] = 42;
    expect(tensorToFloat32(file.tensors.get('s')!)[0]).toBe(f32[0]);
  });

  it.each([1, 2, 3, 4, 5, 6, 7])('copy unaligned data (file at byte offset %d) and still give exact values', (shift) => {
    const { file, f32, f64 } = shiftedFile(shift);
    const s = tensorToFloat32(file.tensors.get('s')!);
    const d = tensorToFloat64(file.tensors.get('d')!);
    expect(Array.from(s)).toEqual(Array.from(f32));
    expect(Array.from(d)).toEqual(Array.from(f64));
  });

  it('convert F64 → float32 rounding to nearest (= Math.fround), F32 → float64 exactly', () => {
    const { file, f32, f64 } = shiftedFile(0);
    expect(Array.from(tensorToFloat32(file.tensors.get('d')!))).toEqual(Array.from(f64, Math.fround));
    const wide = tensorToFloat64(file.tensors.get('s')!);
    expect(wide).toBeInstanceOf(Float64Array);
    expect(Array.from(wide)).toEqual(Array.from(f32));
  });

  it.each(['I32', 'U8', 'BOOL', 'I64', 'F8_E4M3', 'C64'] as const)('refuse %s with SAFETENSORS_UNSUPPORTED_DTYPE naming tensor and dtype', (dtype) => {
    const tensor: SafetensorsTensor = { name: 'ids', dtype, shape: [1], bytes: new Uint8Array(8) };
    for (const convert of [tensorToFloat32, tensorToFloat64]) {
      const error = errorOf(() => convert(tensor));
      expect(error.code).toBe('SAFETENSORS_UNSUPPORTED_DTYPE');
      expect(error.message).toContain(`tensor "ids" has dtype ${dtype}`);
    }
  });
});
