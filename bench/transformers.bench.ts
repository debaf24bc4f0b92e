/**
 * @multilora/transformers on a larger fixture decoder (Llama-style, hidden 512, 4 layers, 8 heads,
 * MLP 1024, vocab 1000; fp32, generated on demand into the OS temp dir) loaded through
 * @huggingface/transformers. Adapter: MultiLoRA n = 2, r = 8 (rank 16) on all seven linear layers of
 * every block. Measured:
 * - greedy generation tokens/s (prompt 16, 32 new tokens) of the base model and of merge, branch and
 *   dynamic mode, each on its own loaded model. Paired design: every round runs each model once, in an
 *   order rotated from round to round, and a mode's speed relative to the base is the median over
 *   rounds of (base time / mode time) within the round, so drifts of a shared machine cancel. A second
 *   load of the unchanged base ("base (A/A)") runs alongside as the control: its ratio shows the noise
 *   floor of the measurement. Targets: merge ≥ 0.98×, branch and dynamic ≥ 0.85× the base. Branch
 *   and dynamic also run with the adapters cut to PEFT's default Llama targets (q_proj, v_proj), to
 *   show how their cost scales with the number of adapted layers;
 * - the adapter switch in dynamic mode (to one adapter, and to a weighted mix; the next run's
 *   tensor for the mix is made on that run) against rebuilding sessions (branch mode's setAdapter: graph rewrite + InferenceSession.create); targets:
 *   ≤ 1 ms and ≥ 100× faster than the rebuild;
 * - applyMultiLoRA's time per mode.
 * All sessions run with one intra-op thread. Run: node --import tsx bench/transformers.bench.ts [--quick]
 */
import { applyMultiLoRA, type Mode, type MultiLoraHandle } from '../packages/transformers-plugin/src/index.js';
import { randomAdapter } from '../test/fixtures/onnx-models/adapters.js';
import { fixtureRoot, writeFixtureModel, type LlamaSpec } from '../test/fixtures/onnx-models/index.js';
import { library, prompt } from '../test/fixtures/transformers-harness.js';
import { median, printTable, time, writeResults } from './harness.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 6 : 40;
const NEW_TOKENS = 32;
const SPEC: LlamaSpec = {
  kind: 'llama', vocabSize: 1000, hiddenSize: 512, intermediateSize: 1024, numLayers: 4, numHeads: 8, numKvHeads: 8,
  ropeTheta: 10000, rmsNormEps: 1e-5, seed: 81,
};
const TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];
const PEFT_DEFAULT = ['q_proj', 'v_proj'];

const root = fixtureRoot();
const modelPath = await writeFixtureModel(root, 'bench/llama-512', SPEC, { variants: ['fp32'] });
const T = await library('@huggingface/transformers', root);
const a = randomAdapter(SPEC, { targets: TARGETS, n: 2, r: 8, seed: 82 });
const b = randomAdapter(SPEC, { targets: TARGETS, n: 2, r: 8, seed: 83 });
const ids = Array.from({ length: 16 }, (_, i) => 3 + ((i * 37) % 90));
/** One intra-op thread everywhere: on a shared 2-core machine this keeps the modes' timings comparable. */
const sessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1 };
const load = () => T.AutoModelForCausalLM.from_pretrained('bench/llama-512', { dtype: 'fp32', session_options: sessionOptions });

async function generateMs(model: any): Promise<number> {
  const t0 = performance.now();
  await model.generate({ ...prompt(T, ids), max_new_tokens: NEW_TOKENS, min_new_tokens: NEW_TOKENS, do_sample: false });
  return performance.now() - t0;
}

const models: Record<string, unknown> = { base: await load(), 'base (A/A)': await load() };
const handles: Partial<Record<Mode, MultiLoraHandle>> = {};
const applyMs: Record<string, number> = {};
for (const mode of ['merge', 'branch', 'dynamic'] as const) {
  const model = await load();
  const t0 = performance.now();
  handles[mode] = await applyMultiLoRA(model, mode === 'dynamic' ? { a, b } : { a }, { mode, modelPath, sessionOptions });
  applyMs[mode] = performance.now() - t0;
  models[mode] = model;
}
// The same adapters on PEFT's default Llama targets only (q_proj, v_proj: 8 layers instead of 28), to
// show how the branch modes' cost scales with the number of adapted layers.
const only = (adapter: typeof a) => ({ ...adapter, modules: new Map([...adapter.modules].filter(([name]) => PEFT_DEFAULT.some((t) => name.endsWith(t)))) });
for (const mode of ['branch', 'dynamic'] as const) {
  const model = await load();
  await applyMultiLoRA(model, mode === 'dynamic' ? { a: only(a), b: only(b) } : { a: only(a) }, { mode, modelPath, sessionOptions });
  models[`${mode} (q, v only)`] = model;
}

// Generation throughput: paired rounds, order rotated per round.
const names = Object.keys(models);
const samples: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
for (const model of Object.values(models)) await generateMs(model);
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(round + i) % names.length];
    samples[name].push(await generateMs(models[name]));
  }
}
const tokensPerSecond = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, (NEW_TOKENS * 1000) / median(v)]));
const relativeToBase = Object.fromEntries(names.map((k) => [k, median(samples.base.map((b, round) => b / samples[k][round]))]));

// Switching: dynamic mode's mix input against a session rebuild.
const dynamic = handles.dynamic!;
let flip = false;
const switchOne = await time(() => dynamic.setAdapter((flip = !flip) ? 'b' : 'a'), { repeats: 51, warmup: 5 });
let w = 0;
const switchMix = await time(() => dynamic.setAdapter({ a: 0.5, b: (w = (w + 1) % 7) / 7 }), { repeats: 51, warmup: 5 });
const branch = handles.branch!;
const rebuild = await time(() => branch.setAdapter({ a: (w = (w + 1) % 7) / 7 + 0.1 }), { repeats: quick ? 3 : 5, warmup: 1 });
for (const h of Object.values(handles)) await h.remove();

const rows = Object.entries(tokensPerSecond).map(([mode, tps]) => ({
  mode, 'tokens/s': tps, 'vs base': relativeToBase[mode], target: mode.startsWith('base') || mode.includes('only') ? '' : mode === 'merge' ? '≥ 0.98' : '≥ 0.85',
  'apply ms': applyMs[mode] ?? '',
}));
printTable(rows);
console.log();
printTable([
  { operation: 'dynamic switch (one adapter)', 'median ms': switchOne.medianMs, 'vs rebuild': rebuild.medianMs / switchOne.medianMs },
  { operation: 'dynamic switch (weighted mix)', 'median ms': switchMix.medianMs, 'vs rebuild': rebuild.medianMs / switchMix.medianMs },
  { operation: 'session rebuild (branch setAdapter)', 'median ms': rebuild.medianMs, 'vs rebuild': 1 },
]);
const path = writeResults('transformers', {
  model: { ...SPEC, parameters: 'fp32', adapter: { n: 2, r: 8, targets: TARGETS } },
  generation: { promptTokens: ids.length, newTokens: NEW_TOKENS, rounds: ROUNDS, tokensPerSecond, relativeToBase, design: 'paired rounds, order rotated; relativeToBase = median over rounds of base ms / mode ms; base (A/A) is a second load of the unchanged base' },
  switchMs: { dynamicOneAdapter: switchOne, dynamicMix: switchMix, rebuild },
  applyMs,
  targets: { merge: 0.98, branch: 0.85, dynamic: 0.85, switchMs: 1, switchSpeedup: 100 },
});
console.log(`\nwrote ${path}`);
