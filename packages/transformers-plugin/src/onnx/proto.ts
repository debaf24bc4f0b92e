/**
 * ONNX protobuf access through `onnx-proto` (protobufjs): decode and encode models, read and write
 * tensor data (float32, float16, integer types; raw or typed fields), and build nodes, value infos
 * and attributes. int64 fields arrive as numbers or `Long`s; {@link num} reads both.
 */
import onnxProto from 'onnx-proto';
import { MultiLoraError, f16ToNumber, numberToF16 } from '@multilora/core';

/** The generated `onnx` namespace (message classes and enums). */
export const { onnx } = onnxProto;
export type ModelProto = onnxProto.onnx.ModelProto;
export type GraphProto = onnxProto.onnx.GraphProto;
export type NodeProto = onnxProto.onnx.NodeProto;
export type TensorProto = onnxProto.onnx.TensorProto;
export type ValueInfoProto = onnxProto.onnx.ValueInfoProto;

/** ONNX element types the plugin reads or writes. */
export const ElemType = { FLOAT: 1, INT64: 7, FLOAT16: 10 } as const;

/** The float element types an adapter branch can run in. */
export type FloatType = typeof ElemType.FLOAT | typeof ElemType.FLOAT16;

/** A protobuf integer (number or Long) as a number. */
export function num(v: number | { toNumber(): number } | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** Decodes a serialized ModelProto; throws ONNX_INVALID_MODEL naming `label` when the bytes are not one. */
export function decodeModel(bytes: Uint8Array, label: string): ModelProto {
  try {
    const model = onnx.ModelProto.decode(bytes);
    if (!model.graph) throw new Error('the model has no graph');
    return model;
  } catch (e) {
    throw new MultiLoraError('ONNX_INVALID_MODEL', `${label} is not a readable ONNX model (${(e as Error).message}); ` +
      'expected the bytes of an .onnx file as Optimum exports it.');
  }
}

/** Serializes a ModelProto. */
export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** The dims of a tensor as numbers. */
export function tensorDims(t: TensorProto): number[] {
  return t.dims.map(num);
}

/** Typed arrays can alias little-endian raw data directly on little-endian machines (all common ones). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function rawView(t: TensorProto, bytesPer: number): DataView | undefined {
  const raw = t.rawData;
  if (!raw || raw.byteLength === 0) return undefined;
  const count = tensorDims(t).reduce((a, b) => a * b, 1);
  if (raw.byteLength !== count * bytesPer) {
    throw new MultiLoraError('ONNX_INVALID_MODEL', `initializer "${t.name}" holds ${raw.byteLength} bytes; its shape ` +
      `[${tensorDims(t).join(', ')}] needs ${count * bytesPer}.`);
  }
  return new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
}

function checkInline(t: TensorProto): void {
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData?.length ?? 0) > 0) {
    throw new MultiLoraError('ONNX_EXTERNAL_DATA', `initializer "${t.name}" keeps its data in an external file; this ` +
      'plugin rewrites only models whose weights are inside the .onnx file (no *.onnx_data).');
  }
}

/** The values of a FLOAT or FLOAT16 initializer as float32. */
export function readFloats(t: TensorProto): Float32Array {
  checkInline(t);
  if (t.dataType === ElemType.FLOAT) {
    const view = rawView(t, 4);
    if (!view) return Float32Array.from(t.floatData);
    // A fresh copy: rawData may be a view into a larger buffer (a Node Buffer from the decoder).
    if (LITTLE_ENDIAN) return new Float32Array(new Uint8Array(t.rawData).buffer);
    const out = new Float32Array(view.byteLength / 4);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
  }
  if (t.dataType === ElemType.FLOAT16) {
    const view = rawView(t, 2);
    // Without raw data, float16 values are stored as bit patterns in int32_data.
    if (!view) return Float32Array.from(t.int32Data, (bits) => f16ToNumber(bits));
    const out = new Float32Array(view.byteLength / 2);
    for (let i = 0; i < out.length; i++) out[i] = f16ToNumber(view.getUint16(i * 2, true));
    return out;
  }
  throw new MultiLoraError('ONNX_UNSUPPORTED_OP', `initializer "${t.name}" has element type ${t.dataType}; expected ` +
    'FLOAT (1) or FLOAT16 (10).');
}

/** A tensor proto `name` of `elemType` (FLOAT or FLOAT16) with `values`, as little-endian raw data. */
export function floatTensor(name: string, elemType: FloatType, dims: number[], values: ArrayLike<number>): TensorProto {
  if (elemType === ElemType.FLOAT && LITTLE_ENDIAN) {
    return onnx.TensorProto.create({ name, dataType: elemType, dims, rawData: new Uint8Array(Float32Array.from(values).buffer) });
  }
  const bytes = new Uint8Array(values.length * (elemType === ElemType.FLOAT ? 4 : 2));
  const view = new DataView(bytes.buffer);
  if (elemType === ElemType.FLOAT) for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  else for (let i = 0; i < values.length; i++) view.setUint16(i * 2, numberToF16(values[i]), true);
  return onnx.TensorProto.create({ name, dataType: elemType, dims, rawData: bytes });
}

/** An int64 tensor proto (shapes, axes). */
export function int64Tensor(name: string, dims: number[], values: number[]): TensorProto {
  const data = BigInt64Array.from(values.map(BigInt));
  return onnx.TensorProto.create({ name, dataType: ElemType.INT64, dims, rawData: new Uint8Array(data.buffer) });
}

/** A node proto; `ints` become INT attributes (e.g. Cast's `to`). */
export function makeNode(name: string, opType: string, input: string[], output: string[], ints: Record<string, number> = {}): NodeProto {
  const attribute = Object.entries(ints).map(([n, i]) => onnx.AttributeProto.create({ name: n, type: onnx.AttributeProto.AttributeType.INT, i }));
  return onnx.NodeProto.create({ name, opType, input, output, attribute });
}

/** A tensor value info with a fixed or symbolic shape. */
export function makeValueInfo(name: string, elemType: number, shape: (number | string)[]): ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
}

/** The integer attribute `name` of `node`, or `fallback`. */
export function intAttr(node: NodeProto, name: string, fallback: number): number {
  const a = node.attribute.find((x) => x.name === name);
  return a ? num(a.i) : fallback;
}
