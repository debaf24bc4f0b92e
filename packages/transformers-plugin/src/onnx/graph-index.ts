/**
 * An index over a model's graph and its subgraphs (the branches of `If`, bodies of `Loop`/`Scan`, as
 * in Optimum's merged decoders): nodes with the graph they live in, the producer and consumers of
 * every tensor, initializers, and fresh names. Edits go through it so the index stays true.
 */
import { num, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from './proto.js';

/** A node and the graph that holds it. */
export interface NodeRef {
  node: NodeProto;
  graph: GraphProto;
}

function subgraphs(node: NodeProto): GraphProto[] {
  const out: GraphProto[] = [];
  for (const a of node.attribute) {
    if (a.g) out.push(a.g as GraphProto);
    for (const g of a.graphs ?? []) out.push(g as GraphProto);
  }
  return out;
}

/**
 * The index of one model (main graph first, then subgraphs depth-first). Tensor names are looked up
 * per graph and its ancestors: sibling subgraphs (the two branches of a merged decoder's `If`) may
 * reuse the same names.
 */
export class GraphIndex {
  readonly graphs: GraphProto[] = [];
  private readonly parents = new Map<GraphProto, GraphProto | undefined>();
  private readonly producers = new Map<GraphProto, Map<string, NodeRef>>();
  private readonly consumerMap = new Map<GraphProto, Map<string, NodeRef[]>>();
  private readonly inits = new Map<GraphProto, Map<string, TensorProto>>();
  private readonly names = new Set<string>();

  constructor(readonly model: ModelProto) {
    const visit = (graph: GraphProto, parent: GraphProto | undefined) => {
      this.graphs.push(graph);
      this.parents.set(graph, parent);
      this.producers.set(graph, new Map());
      this.consumerMap.set(graph, new Map());
      this.inits.set(graph, new Map());
      for (const t of graph.initializer as TensorProto[]) this.registerInit(t, graph);
      for (const v of [...graph.input, ...graph.output] as ValueInfoProto[]) this.names.add(v.name);
      for (const node of graph.node as NodeProto[]) {
        this.register({ node, graph });
        for (const g of subgraphs(node)) visit(g, graph);
      }
    };
    visit(model.graph as GraphProto, undefined);
  }

  private registerInit(tensor: TensorProto, graph: GraphProto) {
    this.inits.get(graph)!.set(tensor.name, tensor);
    this.names.add(tensor.name);
  }

  private register(ref: NodeRef) {
    this.names.add(ref.node.name);
    const producers = this.producers.get(ref.graph)!;
    const consumers = this.consumerMap.get(ref.graph)!;
    for (const o of ref.node.output) {
      producers.set(o, ref);
      this.names.add(o);
    }
    for (const i of ref.node.input) {
      if (!i) continue;
      consumers.set(i, [...(consumers.get(i) ?? []), ref]);
    }
  }

  /** `graph` and its enclosing graphs, innermost first. */
  private *scopes(graph: GraphProto): Generator<GraphProto> {
    for (let g: GraphProto | undefined = graph; g; g = this.parents.get(g)) yield g;
  }

  /** Every node, main graph first. */
  *nodes(): Generator<NodeRef> {
    for (const graph of this.graphs) for (const node of graph.node as NodeProto[]) yield { node, graph };
  }

  /** The node writing `tensor` as seen from `graph` (graph inputs and initializers have none). */
  producer(tensor: string, graph: GraphProto): NodeRef | undefined {
    for (const g of this.scopes(graph)) {
      const ref = this.producers.get(g)!.get(tensor);
      if (ref) return ref;
    }
    return undefined;
  }

  /** The nodes of `graph` and of the subgraphs inside it that read `tensor`. */
  consumers(tensor: string, graph: GraphProto): NodeRef[] {
    return this.graphs
      .filter((g) => [...this.scopes(g)].includes(graph))
      .flatMap((g) => this.consumerMap.get(g)!.get(tensor) ?? []);
  }

  /** The initializer `name` as seen from `graph`, with the graph that holds it. */
  initializer(name: string, graph: GraphProto): { tensor: TensorProto; graph: GraphProto } | undefined {
    for (const g of this.scopes(graph)) {
      const tensor = this.inits.get(g)!.get(name);
      if (tensor) return { tensor, graph: g };
    }
    return undefined;
  }

  /** The element type of `tensor` as seen from `graph`, where the model declares it. */
  elemType(tensor: string, graph: GraphProto): number | undefined {
    for (const g of this.scopes(graph)) {
      const init = this.inits.get(g)!.get(tensor);
      if (init) return init.dataType;
      const v = [...g.input, ...g.output, ...g.valueInfo].find((x) => x.name === tensor);
      if (v?.type?.tensorType) return num(v.type.tensorType.elemType);
    }
    return undefined;
  }

  /** `base`, or `base_<k>` for the first k that no tensor or node uses yet; the name is reserved. */
  freshName(base: string): string {
    let name = base;
    for (let k = 1; this.names.has(name); k++) name = `${base}_${k}`;
    this.names.add(name);
    return name;
  }

  /** Adds `tensor` to `graph`'s initializers (the main graph by default). */
  addInitializer(tensor: TensorProto, graph: GraphProto = this.model.graph as GraphProto): void {
    graph.initializer.push(tensor);
    this.registerInit(tensor, graph);
  }

  /** Adds an input to the main graph. */
  addInput(info: ValueInfoProto): void {
    (this.model.graph as GraphProto).input.push(info);
    this.names.add(info.name);
  }

  /** Renames output `index` of `ref`'s node to a fresh name derived from `base` and returns it. */
  renameOutput(ref: NodeRef, index: number, base: string): string {
    const producers = this.producers.get(ref.graph)!;
    producers.delete(ref.node.output[index]);
    const name = this.freshName(base);
    ref.node.output[index] = name;
    producers.set(name, ref);
    return name;
  }

  /** Inserts `nodes` right after `after` in its graph (keeping the topological order). */
  insertAfter(after: NodeRef, nodes: NodeProto[]): void {
    const list = after.graph.node as NodeProto[];
    list.splice(list.indexOf(after.node) + 1, 0, ...nodes);
    for (const node of nodes) this.register({ node, graph: after.graph });
  }

  /** Inserts `nodes` at the start of the main graph (for nodes that read only graph inputs and initializers). */
  prepend(nodes: NodeProto[]): void {
    const graph = this.model.graph as GraphProto;
    graph.node.unshift(...nodes);
    for (const node of nodes) this.register({ node, graph });
  }

  /** Points input `index` of `ref`'s node at `to` (e.g. a private copy of a shared initializer). */
  replaceInput(ref: NodeRef, index: number, to: string): void {
    const consumers = this.consumerMap.get(ref.graph)!;
    const from = ref.node.input[index];
    ref.node.input[index] = to;
    consumers.set(from, (consumers.get(from) ?? []).filter((r) => r.node !== ref.node));
    consumers.set(to, [...(consumers.get(to) ?? []), ref]);
  }
}
