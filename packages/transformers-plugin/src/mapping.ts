/**
 * The one place that says how an adapter's module names (PyTorch / PEFT, e.g.
 * `model.layers.0.self_attn.q_proj`) meet the node names of an ONNX graph exported by Optimum
 * (PyTorch's exporter names nodes after the module scope).
 *
 * Rules:
 * 1. Scope: the module path with `/` for `.`, a numeric segment (a ModuleList index) staying glued
 *    to its list with a `.`, and a leading `/`:
 *    `model.layers.0.self_attn.q_proj` → `/model/layers.0/self_attn/q_proj`,
 *    `encoder.layer.11.attention.self.query` → `/encoder/layer.11/attention/self/query`.
 * 2. A module's linear op is the node directly inside its scope (`<scope>/<Op>`, `<scope>/<Op>_<k>`)
 *    whose type is a linear op: `MatMul` (fp32 / fp16, weight an initializer [in, out], usually the
 *    anonymous `onnx::MatMul_<n>`), `Gemm` (weight [out, in] with transB = 1, or [in, out]),
 *    `MatMulInteger` (q8: ONNX Runtime names it `<scope>/MatMul_quant`) or `MatMulNBits`
 *    (q4, com.microsoft: `<scope>/MatMul_Q4`).
 * 3. A module maps to every session in which rule 2 finds its node (a decoder with and without past,
 *    both branches of a merged decoder's `If`); it is an error only when no session has it.
 * 4. Graphs exported from a sub-module are rooted at it: in a graph whose file name contains
 *    `encoder` (or `decoder`), a module whose rule-1 scope has no node is tried with the scope of
 *    its path after its last `encoder` (or `decoder`) segment, so `model.encoder.layers.0.fc1` also
 *    matches `/layers.0/fc1/MatMul` in encoder_model.onnx (and a decoder module never matches there).
 * `scopeOf` in the options replaces rule 1 for names these rules do not cover.
 */

/** Op types that compute a linear layer's x · W. */
export const LINEAR_OPS = new Set(['MatMul', 'Gemm', 'MatMulInteger', 'MatMulNBits']);

/** Rule 1: the Optimum scope of PyTorch module `name`. */
export function moduleScope(name: string): string {
  const parts: string[] = [];
  for (const segment of name.split('.')) {
    if (/^\d+$/.test(segment) && parts.length > 0) parts[parts.length - 1] += `.${segment}`;
    else parts.push(segment);
  }
  return `/${parts.join('/')}`;
}

/** Rules 1 and 4: the scopes to try, in order, for `module` in the graph read from `fileName`. */
export function candidateScopes(module: string, fileName: string, scopeOf: (m: string) => string = moduleScope): string[] {
  const scopes = [scopeOf(module)];
  const parts = module.split('.');
  for (const role of ['encoder', 'decoder']) {
    const i = parts.lastIndexOf(role);
    if (fileName.includes(role) && i >= 0 && i < parts.length - 1) scopes.push(moduleScope(parts.slice(i + 1).join('.')));
  }
  return scopes;
}

/** The scope a node name lives in (`/a/b/MatMul` → `/a/b`). */
export function nodeScope(nodeName: string): string {
  const i = nodeName.lastIndexOf('/');
  return i <= 0 ? '' : nodeName.slice(0, i);
}

/** Rule 2 for one node: does `nodeName` of type `opType` implement the linear op of `scope`? */
export function isLinearNodeOf(scope: string, nodeName: string, opType: string): boolean {
  return LINEAR_OPS.has(opType) && nodeScope(nodeName) === scope;
}

/** Levenshtein distance (for suggestions in error messages). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** The `k` names of `candidates` nearest to `target` (by edit distance, then alphabetically). */
export function nearestNames(target: string, candidates: Iterable<string>, k = 5): string[] {
  return [...new Set(candidates)]
    .map((name) => ({ name, d: distance(target, name) }))
    .sort((x, y) => x.d - y.d || x.name.localeCompare(y.name))
    .slice(0, k)
    .map((x) => x.name);
}
