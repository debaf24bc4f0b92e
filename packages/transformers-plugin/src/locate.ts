/**
 * Finds, in one ONNX graph, the linear op of an adapter module (see mapping.ts for the naming rules)
 * and describes it as a {@link LinearSite}: where the float activation x enters, which node writes
 * the float result y = x·W (+ b), the layer's sizes, and for float weights where W is stored.
 */
import { MultiLoraError } from '@multilora/core';
import { isLinearNodeOf, LINEAR_OPS, moduleScope, nearestNames, nodeScope } from './mapping.js';
import type { GraphIndex, NodeRef } from './onnx/graph-index.js';
import { ElemType, intAttr, tensorDims, type FloatType } from './onnx/proto.js';

/** How the base layer is computed: float MatMul or Gemm, q8 MatMulInteger chain, q4 MatMulNBits. */
export type SiteKind = 'matmul' | 'gemm' | 'q8' | 'q4';

/** One linear layer of a graph. */
export interface LinearSite {
  module: string;
  kind: SiteKind;
  /** The matched node (MatMul, Gemm, MatMulInteger or MatMulNBits). */
  anchor: NodeRef;
  /** The float activation entering the layer (before DynamicQuantizeLinear for q8). */
  x: string;
  /** The node and output index writing the float result (the scale Mul for q8). */
  result: { ref: NodeRef; index: number };
  inFeatures: number;
  outFeatures: number;
  /** Element type of x and y. */
  elemType: FloatType;
  /** Float weights only: the anchor's input holding W, stored [in, out] or [out, in]. */
  weight?: { input: number; layout: 'inOut' | 'outIn' };
}

function unsupported(module: string, ref: NodeRef, why: string): never {
  throw new MultiLoraError('ONNX_UNSUPPORTED_OP', `module "${module}" maps to node "${ref.node.name}" ` +
    `(${ref.node.opType}), which this plugin cannot adapt: ${why}.`);
}

function floatType(module: string, ref: NodeRef, type: number | undefined): FloatType {
  if (type === ElemType.FLOAT || type === ElemType.FLOAT16) return type;
  return unsupported(module, ref, `its float tensors have element type ${type ?? 'unknown'}; expected FLOAT or FLOAT16`);
}

function constantWeight(index: GraphIndex, module: string, ref: NodeRef, input: number) {
  const init = index.initializer(ref.node.input[input], ref.graph);
  if (!init) unsupported(module, ref, `its weight "${ref.node.input[input]}" is computed, not an initializer`);
  const dims = tensorDims(init.tensor);
  if (dims.length !== 2) unsupported(module, ref, `its weight "${init.tensor.name}" has shape [${dims.join(', ')}]; expected 2-D`);
  return { dims, type: floatType(module, ref, init.tensor.dataType) };
}

/** The single node reading `tensor`, or unsupported. */
function onlyConsumer(index: GraphIndex, module: string, ref: NodeRef, tensor: string, op: string): NodeRef {
  const readers = index.consumers(tensor, ref.graph);
  if (readers.length !== 1 || readers[0].node.opType !== op) {
    unsupported(module, ref, `expected its output "${tensor}" to feed one ${op} node (ONNX Runtime's quantize_dynamic ` +
      `layout), found ${readers.map((r) => `${r.node.opType} "${r.node.name}"`).join(', ') || 'none'}`);
  }
  return readers[0];
}

function describe(index: GraphIndex, module: string, ref: NodeRef): LinearSite {
  const { node } = ref;
  const base = { module, anchor: ref, x: node.input[0], result: { ref, index: 0 } };
  switch (node.opType) {
    case 'MatMul': {
      const { dims, type } = constantWeight(index, module, ref, 1);
      return { ...base, kind: 'matmul', inFeatures: dims[0], outFeatures: dims[1], elemType: type, weight: { input: 1, layout: 'inOut' } };
    }
    case 'Gemm': {
      if (intAttr(node, 'transA', 0) !== 0) unsupported(module, ref, 'it has transA = 1');
      const alpha = node.attribute.find((a) => a.name === 'alpha');
      if (alpha && alpha.f !== 1) unsupported(module, ref, `it has alpha = ${alpha.f}; expected 1`);
      const { dims, type } = constantWeight(index, module, ref, 1);
      const transB = intAttr(node, 'transB', 0) === 1;
      const [inF, outF] = transB ? [dims[1], dims[0]] : dims;
      return { ...base, kind: 'gemm', inFeatures: inF, outFeatures: outF, elemType: type, weight: { input: 1, layout: transB ? 'outIn' : 'inOut' } };
    }
    case 'MatMulInteger': {
      const quant = index.producer(node.input[0], ref.graph);
      if (quant?.node.opType !== 'DynamicQuantizeLinear') {
        unsupported(module, ref, `its input "${node.input[0]}" does not come from DynamicQuantizeLinear`);
      }
      const w = index.initializer(node.input[1], ref.graph);
      if (!w || tensorDims(w.tensor).length !== 2) unsupported(module, ref, 'its weight is not a 2-D initializer');
      const [inF, outF] = tensorDims(w.tensor);
      const cast = onlyConsumer(index, module, ref, node.output[0], 'Cast');
      const mul = onlyConsumer(index, module, cast, cast.node.output[0], 'Mul');
      return { ...base, kind: 'q8', x: quant.node.input[0], result: { ref: mul, index: 0 }, inFeatures: inF, outFeatures: outF, elemType: ElemType.FLOAT };
    }
    default: {
      const inF = intAttr(node, 'K', 0);
      const outF = intAttr(node, 'N', 0);
      if (inF <= 0 || outF <= 0) unsupported(module, ref, 'it lacks the K and N attributes');
      return { ...base, kind: 'q4', inFeatures: inF, outFeatures: outF, elemType: floatType(module, ref, index.elemType(node.input[2], ref.graph)) };
    }
  }
}

/**
 * The sites of `module` in `index`'s model: one per graph that holds its linear op (rule 2 of
 * mapping.ts; `scope` overrides rule 1). Throws ONNX_AMBIGUOUS_NODE when one graph has several
 * candidates and ONNX_UNSUPPORTED_OP (naming the op) for a node it cannot adapt; returns [] when the
 * model has no such node.
 */
export function findSites(index: GraphIndex, module: string, scope = moduleScope(module)): LinearSite[] {
  const byGraph = new Map<unknown, NodeRef[]>();
  for (const ref of index.nodes()) {
    if (!isLinearNodeOf(scope, ref.node.name, ref.node.opType)) continue;
    byGraph.set(ref.graph, [...(byGraph.get(ref.graph) ?? []), ref]);
  }
  const sites: LinearSite[] = [];
  for (const refs of byGraph.values()) {
    if (refs.length > 1) {
      throw new MultiLoraError('ONNX_AMBIGUOUS_NODE', `module "${module}" (scope "${scope}") matches ${refs.length} linear ` +
        `nodes in one graph: ${refs.map((r) => `"${r.node.name}"`).join(', ')}; expected one. Pass scopeOf to map it explicitly.`);
    }
    sites.push(describe(index, module, refs[0]));
  }
  return sites;
}

/** The linear-op node names of `index`'s model nearest to `scope` (for "not found" messages). */
export function nearestLinearNodes(index: GraphIndex, scope: string, k = 5): string[] {
  const names = [...index.nodes()].filter((r) => LINEAR_OPS.has(r.node.opType)).map((r) => r.node.name);
  const byScope = new Map(names.map((n) => [nodeScope(n), n]));
  return nearestNames(scope, byScope.keys(), k).map((s) => byScope.get(s)!);
}
