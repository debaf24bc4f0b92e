import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tensorToFloat32 } from './convert.js';
import { writeSafetensorsFile } from './file.js';
import { readSafetensors } from './read.js';
import { errorOf } from '../testing.js';
import { PEFT_FIXTURE, randomFloats } from './test-files.js';
import type { TensorToWrite } from './types.js';
import { writeSafetensors } from './write.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'multilora-safetensors-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeSafetensorsFile', () => {
  it('writes the same bytes as writeSafetensors for every dtype, including data that is a subarray of a larger buffer', () => {
    const big = Float32Array.from(randomFloats(40, 1));
    const tensors: Record<string, TensorToWrite> = {
      view: { shape: [3, 4], data: big.subarray(5, 17) },
      wide: { shape: [6], data: randomFloats(6, 2) },
      half: { shape: [5], data: randomFloats(5, 3), dtype: 'F16' },
      brain: { shape: [2, 2], data: big.subarray(1, 5), dtype: 'BF16' },
      double: { shape: [3], data: randomFloats(3, 4), dtype: 'F64' },
    };
    const target = path.join(dir, 'mixed.safetensors');
    writeSafetensorsFile(target, tensors, { format: 'pt' });
    const written = readFileSync(target);
    expect(Buffer.compare(written, Buffer.from(writeSafetensors(tensors, { format: 'pt' })))).toBe(0);
    expect(Array.from(tensorToFloat32(readSafetensors(written).tensors.get('view')!))).toEqual(Array.from(big.subarray(5, 17)));
  });

  it('re-writes the real PEFT fixture byte-identically', () => {
    const original = readFileSync(PEFT_FIXTURE);
    const file = readSafetensors(original);
    const tensors = new Map([...file.tensors].map(([name, t]) => [name, { shape: t.shape, data: tensorToFloat32(t) }]));
    const target = path.join(dir, 'peft.safetensors');
    writeSafetensorsFile(target, tensors, file.metadata);
    expect(Buffer.compare(readFileSync(target), original)).toBe(0);
  });

  it('validates before opening the file: an invalid tensor leaves no file behind', () => {
    const target = path.join(dir, 'never.safetensors');
    const error = errorOf(() => writeSafetensorsFile(target, { w: { shape: [2], data: new Float32Array(3) } }));
    expect(error.code).toBe('SAFETENSORS_INVALID_ENTRY');
    expect(existsSync(target)).toBe(false);
  });
});
