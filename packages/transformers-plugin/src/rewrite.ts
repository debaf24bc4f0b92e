/**
 * Graph edits at one linear site (see locate.ts):
 * - merge: W0 + ΔW written into the float initializer (once for sites sharing it; a private copy
 *   when other nodes read it too);
 * - branch: y = y_base + ((x · Aᵀ) ⊙ gate) · Bᵀ beside the base op, Aᵀ and Bᵀ initializers, the
 *   gate (dynamic mode only) a tensor computed from a graph input; the base op and its weights stay
 *   untouched, so q8 and q4 layers stay exact.
 */
import { MultiLoraError } from '@multilora/core';
import type { LinearSite } from './locate.js';
import { moduleScope } from './mapping.js';
import type { GraphIndex } from './onnx/graph-index.js';
import { ElemType, floatTensor, makeNode, readFloats, tensorDims, type TensorProto } from './onnx/proto.js';

/**
 * Adds ΔW (float32, in the weight layout of the sites: all `sites` are one module's) to the float
 * weights of `sites`. Sites that share one initializer (the two branches of a merged decoder) update
 * it once, in place, when nothing else reads it; otherwise they get a private copy. Throws
 * ONNX_UNSUPPORTED_OP for quantized sites and ADAPTER_NOT_FINITE when a merged value is not finite
 * (the graph being built is then discarded).
 */
export function mergeIntoSites(index: GraphIndex, sites: LinearSite[], delta: (site: LinearSite) => Float32Array): void {
  const groups = new Map<TensorProto, LinearSite[]>();
  for (const site of sites) {
    if (!site.weight) {
      throw new MultiLoraError('ONNX_UNSUPPORTED_OP', `module "${site.module}" is a ${site.kind} layer ("${site.anchor.node.name}", ` +
        `${site.anchor.node.opType}) whose weights are quantized; merge needs float weights. Use mode "branch" or "dynamic" ` +
        '(exact on quantized bases), or merge into the fp32 / fp16 model.');
    }
    const init = index.initializer(site.anchor.node.input[site.weight.input], site.anchor.graph)!;
    groups.set(init.tensor, [...(groups.get(init.tensor) ?? []), site]);
  }
  for (const [tensor, group] of groups) {
    const first = group[0];
    const name = tensor.name;
    const init = index.initializer(name, first.anchor.graph)!;
    const values = readFloats(tensor);
    const d = delta(first);
    for (let i = 0; i < values.length; i++) values[i] += d[i];
    const bad = values.findIndex((v) => !Number.isFinite(v) || (first.elemType === ElemType.FLOAT16 && Math.abs(v) > 65504));
    if (bad >= 0) {
      throw new MultiLoraError('ADAPTER_NOT_FINITE', `merging module "${first.module}" into "${name}" gives a value that is not ` +
        `finite${first.elemType === ElemType.FLOAT16 ? ' in float16' : ''} (index ${bad}); the model was left unchanged.`);
    }
    const shared = index.consumers(name, init.graph).length > group.length;
    const target = shared ? index.freshName(`${name}_multilora`) : name;
    const merged = floatTensor(target, first.elemType, tensorDims(tensor), values);
    if (!shared) {
      const list = init.graph.initializer;
      list[list.indexOf(tensor)] = merged;
      continue;
    }
    index.addInitializer(merged, init.graph);
    for (const site of group) index.replaceInput(site.anchor, site.weight!.input, target);
  }
}

/**
 * Adds the branch y = y_base + ((x · at) ⊙ gate) · bt at `site`; `at` [in, R] and `bt` [R, out] are
 * tensor names, `gate` (optional) a [R] tensor that scales the rank components (dynamic mode's mix).
 */
export function addBranch(index: GraphIndex, site: LinearSite, at: string, bt: string, gate?: string): void {
  const { ref, index: out } = site.result;
  const y = ref.node.output[out];
  const base = index.renameOutput(ref, out, `${y}_base`);
  const scope = `${moduleScope(site.module)}/MultiLoRA`;
  const down = index.freshName(`${scope}/MatMul_output_0`);
  const gated = gate ? index.freshName(`${scope}/Mul_output_0`) : down;
  const delta = index.freshName(`${scope}/MatMul_1_output_0`);
  index.insertAfter(ref, [
    makeNode(index.freshName(`${scope}/MatMul`), 'MatMul', [site.x, at], [down]),
    ...(gate ? [makeNode(index.freshName(`${scope}/Mul`), 'Mul', [down, gate], [gated])] : []),
    makeNode(index.freshName(`${scope}/MatMul_1`), 'MatMul', [gated, bt], [delta]),
    makeNode(index.freshName(`${scope}/Add`), 'Add', [base, delta], [y]),
  ]);
}
