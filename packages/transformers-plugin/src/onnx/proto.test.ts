// Tensor data in and out of ONNX protos: raw little-endian data (also as a view into a larger Node
// Buffer, as the decoder hands it out), typed fields, float16 (exact for representable values).
import { describe, expect, it } from 'vitest';
import { ElemType, decodeModel, encodeModel, floatTensor, onnx, readFloats, type TensorProto } from './proto.js';

const values = [0.5, -1.25, 3, 1024, -0.0009765625, 7];

function roundTrip(t: TensorProto): TensorProto {
  const model = onnx.ModelProto.create({ graph: { name: 'g', initializer: [t] } });
  // Decode from a Buffer with other bytes around it, as a file read would give.
  const bytes = Buffer.concat([Buffer.from([1, 2, 3]), Buffer.from(encodeModel(model))]).subarray(3);
  return decodeModel(bytes, 'test').graph!.initializer![0] as TensorProto;
}

describe('ONNX tensor data', () => {
  it.each([ElemType.FLOAT, ElemType.FLOAT16] as const)('floatTensor → encode → decode → readFloats is exact (type %i)', (type) => {
    const t = roundTrip(floatTensor('w', type, [2, 3], values));
    expect(t.dataType).toBe(type);
    expect(Array.from(readFloats(t))).toEqual(values);
  });

  it('reads float_data and float16 bit patterns in int32_data', () => {
    expect(Array.from(readFloats(onnx.TensorProto.create({ dataType: 1, dims: [2], floatData: [1.5, -2] })))).toEqual([1.5, -2]);
    expect(Array.from(readFloats(onnx.TensorProto.create({ dataType: 10, dims: [2], int32Data: [0x3c00, 0xc000] })))).toEqual([1, -2]);
  });

  it('refuses external data, a raw size that disagrees with the shape, and non-float types', () => {
    expect(() => readFloats(onnx.TensorProto.create({ name: 'w', dataType: 1, dims: [2], dataLocation: 1 }))).toThrow(/external file/);
    expect(() => readFloats(onnx.TensorProto.create({ name: 'w', dataType: 1, dims: [3], rawData: new Uint8Array(8) }))).toThrow(/holds 8 bytes/);
    expect(() => readFloats(onnx.TensorProto.create({ name: 'w', dataType: 7, dims: [1] }))).toThrow(/FLOAT \(1\) or FLOAT16/);
    expect(() => decodeModel(new Uint8Array([0xff, 0xff, 0xff]), '"bad.onnx"')).toThrow(/"bad.onnx" is not a readable ONNX model/);
  });
});
