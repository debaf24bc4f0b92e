/**
 * From a session's source graph and the adapters to a rewritten graph, in one of three modes:
 * - `merge`: W0 + Σ_k w_k ΔW_k written into the float weights (no inference overhead);
 * - `branch`: a constant branch (x · Aᵀ) · Bᵀ beside each adapted op (exact on q8 / q4 bases);
 * - `dynamic`: all loaded adapters as one branch, gated per adapter by the graph input
 *   `multilora.mix` (see dynamic.ts).
 * Also the plan that checks, before anything is built, that every module maps to a node of some
 * session and that the shapes agree.
 */
import { MultiLoraError, type Adapter, type AdapterModule } from '@multilora/core';
import { MIX_INPUT, gateIndex, layerAT, layerBT, type DynamicLayer } from './dynamic.js';
import { concatFactors, deltaFromFactors, type WeightedModule } from './factors.js';
import { findSites, nearestLinearNodes, type LinearSite } from './locate.js';
import { candidateScopes, moduleScope } from './mapping.js';
import { GraphIndex } from './onnx/graph-index.js';
import { ElemType, decodeModel, encodeModel, floatTensor, int64Tensor, makeNode, makeValueInfo, type FloatType, type ModelProto } from './onnx/proto.js';
import { addBranch, mergeIntoSites } from './rewrite.js';

/** How adapters are attached to the graphs. */
export type Mode = 'merge' | 'branch' | 'dynamic';

/** An adapter in a mix. */
export interface WeightedAdapter {
  name: string;
  adapter: Adapter;
  weight: number;
}

/** What the plan found for one module. */
export interface ModulePlan {
  module: string;
  /** Names of the sessions that hold it. */
  sessions: string[];
  /** Per session, the node scope it was found under (mapping.ts rules 1 and 4). */
  scopes: Record<string, string>;
  inFeatures: number;
  outFeatures: number;
  elemType: FloatType;
  kinds: LinearSite['kind'][];
}

function shapeMismatch(adapter: string, m: AdapterModule, site: LinearSite, session: string): never {
  throw new MultiLoraError('SHAPE_MISMATCH', `adapter "${adapter}", module "${m.name}": its ΔW is [out=${m.outFeatures}, ` +
    `in=${m.inFeatures}] (A [${m.n * m.r}, ${m.inFeatures}], B [${m.outFeatures}, ${m.n * m.r}]) but node ` +
    `"${site.anchor.node.name}" of session "${session}" computes [in=${site.inFeatures}] → [out=${site.outFeatures}]. ` +
    'Is the adapter for this base model?');
}

/**
 * Finds every module of `adapters` in `sources` (session name → graph and file name) and checks shapes.
 * Throws ONNX_NODE_NOT_FOUND (with the nearest node names) for a module no session holds,
 * SHAPE_MISMATCH naming both shapes, and what findSites throws.
 */
export function planModules(sources: Map<string, { model: ModelProto; fileName: string }>, adapters: { name: string; adapter: Adapter }[],
  scopeOf: (m: string) => string = moduleScope): Map<string, ModulePlan> {
  const indexes = [...sources].map(([session, { model, fileName }]) => ({ session, fileName, index: new GraphIndex(model) }));
  const plans = new Map<string, ModulePlan>();
  const find = (module: string) => indexes.flatMap(({ session, fileName, index }) => {
    for (const scope of candidateScopes(module, fileName, scopeOf)) {
      const sites = findSites(index, module, scope);
      if (sites.length > 0) return [{ session, scope, sites }];
    }
    return [];
  });
  for (const { name: adapterName, adapter } of adapters) {
    for (const m of adapter.modules.values()) {
      if (m.kind !== 'linear') {
        throw new MultiLoraError('UNSUPPORTED_LAYER', `adapter "${adapterName}", module "${m.name}" adapts a ${m.kind} layer; ` +
          'the transformers.js plugin adapts linear layers (MatMul / Gemm / MatMulInteger / MatMulNBits).');
      }
      let plan = plans.get(m.name);
      if (!plan) {
        const found = find(m.name);
        if (found.length === 0) {
          const near = indexes.flatMap(({ index }) => nearestLinearNodes(index, scopeOf(m.name), 3));
          throw new MultiLoraError('ONNX_NODE_NOT_FOUND', `adapter "${adapterName}": module "${m.name}" (scope ` +
            `"${scopeOf(m.name)}") matches no linear node in session(s) ${[...sources.keys()].map((s) => `"${s}"`).join(', ')}. ` +
            `Nearest nodes: ${[...new Set(near)].map((n) => `"${n}"`).join(', ') || 'none'}. Check the module names ` +
            '(PyTorch names without "base_model.model."), or pass scopeOf to map them.');
        }
        const sites = found.flatMap((f) => f.sites.map((site) => ({ session: f.session, site })));
        const first = sites[0].site;
        if (sites.some(({ site }) => site.elemType !== first.elemType)) {
          throw new MultiLoraError('ONNX_UNSUPPORTED_OP', `module "${m.name}" runs in float32 in one graph and float16 in another.`);
        }
        for (const { session, site } of sites) {
          if (site.inFeatures !== first.inFeatures || site.outFeatures !== first.outFeatures) shapeMismatch(adapterName, m, site, session);
        }
        plan = {
          module: m.name, sessions: found.map((f) => f.session), scopes: Object.fromEntries(found.map((f) => [f.session, f.scope])),
          inFeatures: first.inFeatures, outFeatures: first.outFeatures, elemType: first.elemType, kinds: sites.map(({ site }) => site.kind),
        };
        plans.set(m.name, plan);
        if (m.inFeatures !== plan.inFeatures || m.outFeatures !== plan.outFeatures) shapeMismatch(adapterName, m, first, sites[0].session);
      } else if (m.inFeatures !== plan.inFeatures || m.outFeatures !== plan.outFeatures) {
        throw new MultiLoraError('SHAPE_MISMATCH', `adapter "${adapterName}", module "${m.name}" has ΔW [${m.outFeatures}, ` +
          `${m.inFeatures}] but the graph's layer is [${plan.outFeatures}, ${plan.inFeatures}] (in PyTorch's [out, in]).`);
      }
    }
  }
  return plans;
}

/** What one build attaches; `bake` merges into float layers and adds a constant branch at quantized ones (saveMerged). */
export type BuildSpec =
  | { mode: 'merge' | 'branch' | 'bake'; mix: WeightedAdapter[] }
  | { mode: 'dynamic'; layers: DynamicLayer[]; adapterCount: number };

function mixParts(mix: WeightedAdapter[], module: string): WeightedModule[] {
  return mix.flatMap(({ adapter, weight }) => {
    const m = adapter.modules.get(module);
    return m && weight !== 0 ? [{ module: m, weight }] : [];
  });
}

/** Dynamic mode's gates, one per block layout and element type (see dynamic.ts). */
function gateFor(index: GraphIndex, layer: DynamicLayer, elemType: FloatType, adapterCount: number, gates: Map<string, string>): string {
  const positions = gateIndex(layer);
  const key = `${elemType}:${positions.join(',')}`;
  const known = gates.get(key);
  if (known) return known;
  if (gates.size === 0) index.addInput(makeValueInfo(MIX_INPUT, ElemType.FLOAT, [adapterCount]));
  const scope = '/multilora/gate';
  const idx = index.freshName(`${scope}/index`);
  index.addInitializer(int64Tensor(idx, [positions.length], positions));
  const gathered = index.freshName(`${scope}/Gather_output_0`);
  const nodes = [makeNode(index.freshName(`${scope}/Gather`), 'Gather', [MIX_INPUT, idx], [gathered])];
  let gate = gathered;
  if (elemType === ElemType.FLOAT16) {
    gate = index.freshName(`${scope}/Cast_output_0`);
    nodes.push(makeNode(index.freshName(`${scope}/Cast`), 'Cast', [gathered], [gate], { to: ElemType.FLOAT16 }));
  }
  index.prepend(nodes);
  gates.set(key, gate);
  return gate;
}

/** The graph `source` (the .onnx bytes of session `session`) with `spec` attached, serialized. */
export function buildGraph(source: Uint8Array, session: string, spec: BuildSpec, plans: Map<string, ModulePlan>): Uint8Array {
  const model = decodeModel(source, 'the source graph');
  const index = new GraphIndex(model);
  const layers = spec.mode === 'dynamic' ? new Map(spec.layers.map((l) => [l.module, l])) : undefined;
  const gates = new Map<string, string>();
  for (const plan of plans.values()) {
    const scope = plan.scopes[session];
    if (scope === undefined) continue;
    const sites = findSites(index, plan.module, scope);
    const { inFeatures: inF, outFeatures: out, elemType } = plan;
    const constants = (at: Float32Array, bt: Float32Array, rank: number) => {
      const names = { a: index.freshName(`multilora.${plan.module}.A`), b: index.freshName(`multilora.${plan.module}.B`) };
      index.addInitializer(floatTensor(names.a, elemType, [inF, rank], at));
      index.addInitializer(floatTensor(names.b, elemType, [rank, out], bt));
      return names;
    };
    if (spec.mode === 'dynamic') {
      const layer = layers!.get(plan.module)!;
      const { a, b } = constants(layerAT(layer), layerBT(layer), layer.rank);
      const gate = gateFor(index, layer, elemType, spec.adapterCount, gates);
      for (const site of sites) addBranch(index, site, a, b, gate);
      continue;
    }
    const parts = mixParts(spec.mix, plan.module);
    if (parts.length === 0) continue;
    const factors = concatFactors(parts, inF, out);
    const merged = sites.filter((site) => spec.mode === 'merge' || (spec.mode === 'bake' && site.weight));
    mergeIntoSites(index, merged, (site) => deltaFromFactors(factors, inF, out, site.weight?.layout === 'outIn'));
    const branched = sites.filter((site) => !merged.includes(site));
    if (branched.length === 0) continue;
    const { a, b } = constants(factors.at, factors.bt, factors.rank);
    for (const site of branched) addBranch(index, site, a, b);
  }
  return encodeModel(model);
}
