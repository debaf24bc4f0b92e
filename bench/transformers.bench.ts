/**
 * @multilora/transformers on larger fixture decoders (Llama-style, hidden 512, 4 layers, 8 heads, MLP
 * 1024; fp32, generated on demand into the OS temp dir) loaded through @huggingface/transformers, in
 * two configurations: Llama's vocabulary (32000 tokens, as Llama 2 and llama2.c's 512-wide story
 * models) and a small one (1000 tokens), where the base step is so short that ONNX Runtime's fixed
 * cost per op shows most. Adapter: MultiLoRA n = 2, r = 8 (rank 16) on all seven linear layers of
 * every block. Measured:
 * - greedy generation tokens/s (prompt 16, 32 new tokens) of the base model and of merge, branch and
 *   dynamic mode (two adapters loaded). Every arm is LOADS separately loaded models (placement in
 *   memory alone moves one load's speed by a few percent); paired rounds run every model once, in an
 *   order rotated per round; an arm's time in a round is the sum over its loads, and its speed
 *   relative to the base is the median over rounds of (base time / arm time), so drifts of a shared
 *   machine cancel. A second set of loads of the unchanged base ("base (A/A)") is the control: its
 *   ratio shows the noise floor. Targets: merge ≥ 0.98×, branch and dynamic ≥ 0.85× the base. Branch
 *   and dynamic also run with the adapters cut to PEFT's default Llama targets (q_proj, v_proj);
 * - one decode step (`session.run` with 24 cached positions), interleaved run by run over all
 *   models: what each mode adds to a step, in µs;
 * - (Llama vocabulary) the adapter switch in dynamic mode (to one adapter, and to a weighted mix)
 *   against rebuilding sessions (branch mode's setAdapter: graph rewrite + InferenceSession.create);
 *   targets: ≤ 1 ms and ≥ 100× faster than the rebuild; and applyMultiLoRA's time per mode.
 * All sessions run with one intra-op thread. Run: node --import tsx bench/transformers.bench.ts [--quick]
 */
import { applyMultiLoRA, type Mode, type MultiLoraHandle } from '../packages/transformers-plugin/src/index.js';
import { randomAdapter } from '../test/fixtures/onnx-models/adapters.js';
import { fixtureRoot, writeFixtureModel, type LlamaSpec } from '../test/fixtures/onnx-models/index.js';
import { library, prompt } from '../test/fixtures/transformers-harness.js';
import { median, printTable, time, writeResults, type Timing } from './harness.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 4 : 20;
const LOADS = quick ? 1 : 4;
const STEPS = quick ? 20 : 200;
const NEW_TOKENS = 32;
const CONFIGS = [
  { name: 'Llama vocabulary', vocabSize: 32000 },
  { name: 'small vocabulary', vocabSize: 1000 },
];
const TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];
const PEFT_DEFAULT = ['q_proj', 'v_proj'];
const GOALS: Record<string, string> = { merge: '≥ 0.98', branch: '≥ 0.85', dynamic: '≥ 0.85' };

const root = fixtureRoot();
const T = await library('@huggingface/transformers', root);
const ids = Array.from({ length: 16 }, (_, i) => 3 + ((i * 37) % 90));
/** One intra-op thread everywhere: on a shared 2-core machine this keeps the modes' timings comparable. */
const sessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1 };

type Adapter = ReturnType<typeof randomAdapter>;
/** The arms: how each is attached to a freshly loaded model (nothing for the base). */
function arms(a: Adapter, b: Adapter): Record<string, { mode: Mode; adapters: Record<string, Adapter> } | null> {
  const only = (adapter: Adapter) => ({ ...adapter, modules: new Map([...adapter.modules].filter(([name]) => PEFT_DEFAULT.some((t) => name.endsWith(t)))) });
  return {
    base: null,
    'base (A/A)': null,
    merge: { mode: 'merge', adapters: { a } },
    branch: { mode: 'branch', adapters: { a } },
    dynamic: { mode: 'dynamic', adapters: { a, b } },
    'branch (q, v only)': { mode: 'branch', adapters: { a: only(a) } },
    'dynamic (q, v only)': { mode: 'dynamic', adapters: { a: only(a), b: only(b) } },
  };
}

function generate(model: any): Promise<unknown> {
  return model.generate({ ...prompt(T, ids), max_new_tokens: NEW_TOKENS, min_new_tokens: NEW_TOKENS, do_sample: false });
}

/**
 * `passes` passes over `count` models, each pass in an order rotated from the last, timing `run(k)`
 * for model k: the milliseconds of every model in every pass.
 */
async function interleaved(count: number, passes: number, run: (k: number) => Promise<unknown>): Promise<number[][]> {
  const ms = Array.from({ length: count }, () => [] as number[]);
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < count; i++) {
      const k = (pass + i) % count;
      const t0 = performance.now();
      await run(k);
      ms[k].push(performance.now() - t0);
    }
  }
  return ms;
}

/** Feeds of one decode step with `past` cached positions (random keys and values). */
function decodeFeeds(session: { inputNames: readonly string[] }, past: number, heads: number, headDim: number) {
  const feeds: Record<string, unknown> = {};
  for (const name of session.inputNames) {
    if (name === 'input_ids') feeds[name] = new T.Tensor('int64', BigInt64Array.from([5n]), [1, 1]);
    else if (name === 'attention_mask') feeds[name] = new T.Tensor('int64', new BigInt64Array(past + 1).fill(1n), [1, past + 1]);
    else if (name === 'position_ids') feeds[name] = new T.Tensor('int64', BigInt64Array.from([BigInt(past)]), [1, 1]);
    else feeds[name] = new T.Tensor('float32', Float32Array.from({ length: heads * past * headDim }, () => Math.random() - 0.5), [1, heads, past, headDim]);
  }
  return Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, (v as { ort_tensor?: unknown }).ort_tensor ?? v]));
}

async function measure(config: (typeof CONFIGS)[number], withSwitch: boolean) {
  const spec: LlamaSpec = {
    kind: 'llama', vocabSize: config.vocabSize, hiddenSize: 512, intermediateSize: 1024, numLayers: 4, numHeads: 8, numKvHeads: 8,
    ropeTheta: 10000, rmsNormEps: 1e-5, seed: 81,
  };
  const dir = `bench/llama-512-v${config.vocabSize}`;
  const modelPath = await writeFixtureModel(root, dir, spec, { variants: ['fp32'] });
  const load = () => T.AutoModelForCausalLM.from_pretrained(dir, { dtype: 'fp32', session_options: sessionOptions });
  const a = randomAdapter(spec, { targets: TARGETS, n: 2, r: 8, seed: 82 });
  const b = randomAdapter(spec, { targets: TARGETS, n: 2, r: 8, seed: 83 });
  const plan = arms(a, b);
  const names = Object.keys(plan);

  // LOADS models per arm, loaded arm by arm in turn so that no arm gets all the early (or late) loads.
  const models: { arm: string; model: any; handle?: MultiLoraHandle }[] = [];
  const applyMs: Record<string, number[]> = {};
  for (let l = 0; l < LOADS; l++) {
    for (const arm of names) {
      const model = await load();
      const how = plan[arm];
      let handle: MultiLoraHandle | undefined;
      if (how) {
        const t0 = performance.now();
        handle = await applyMultiLoRA(model, how.adapters, { mode: how.mode, modelPath, sessionOptions });
        (applyMs[arm] ??= []).push(performance.now() - t0);
      }
      models.push({ arm, model, handle });
    }
  }

  // Generation: paired rounds, order rotated per round; an arm's round time sums its loads.
  for (const { model } of models) await generate(model);
  const samples = await interleaved(models.length, ROUNDS, (k) => generate(models[k].model));
  const armRounds = (arm: string) => Array.from({ length: ROUNDS }, (_, r) =>
    models.reduce((s, m, k) => (m.arm === arm ? s + samples[k][r] : s), 0));
  const base = armRounds('base');
  const generation = Object.fromEntries(names.map((arm) => {
    const rounds = armRounds(arm);
    const loads = models.flatMap((m, k) => (m.arm === arm ? [k] : []));
    return [arm, {
      tokensPerSecond: (NEW_TOKENS * 1000 * LOADS) / median(rounds),
      relativeToBase: median(base.map((t, r) => t / rounds[r])),
      /** Each load against the base arm's mean load: how far one load alone can stray. */
      perLoad: loads.map((k) => median(base.map((t, r) => t / LOADS / samples[k][r]))),
    }];
  }));

  // One decode step, interleaved run by run.
  const feeds = decodeFeeds(models[0].model.sessions.model, 24, spec.numKvHeads, spec.hiddenSize / spec.numHeads);
  const stepMs = await interleaved(models.length, STEPS, (k) => models[k].model.sessions.model.run(feeds));
  const stepUs = (arm: string) => {
    const loads = models.flatMap((m, k) => (m.arm === arm ? [median(stepMs[k])] : []));
    return (1000 * loads.reduce((s, v) => s + v, 0)) / loads.length;
  };
  const step = Object.fromEntries(names.map((arm) => [arm, { medianUs: stepUs(arm), addedUs: stepUs(arm) - stepUs('base') }]));

  let switchMs: Record<string, Timing> | undefined;
  if (withSwitch) {
    const dynamic = models.find((m) => m.arm === 'dynamic')!.handle!;
    const branch = models.find((m) => m.arm === 'branch')!.handle!;
    let flip = false;
    const one = await time(() => dynamic.setAdapter((flip = !flip) ? 'b' : 'a'), { repeats: 51, warmup: 5 });
    let w = 0;
    const mix = await time(() => dynamic.setAdapter({ a: 0.5, b: (w = (w + 1) % 7) / 7 }), { repeats: 51, warmup: 5 });
    const rebuild = await time(() => branch.setAdapter({ a: (w = (w + 1) % 7) / 7 + 0.1 }), { repeats: quick ? 3 : 5, warmup: 1 });
    switchMs = { dynamicOneAdapter: one, dynamicMix: mix, rebuild };
  }
  for (const { model, handle } of models) {
    await handle?.remove();
    await model.dispose?.();
  }
  return {
    model: { ...spec, parameters: 'fp32', adapter: { n: 2, r: 8, targets: TARGETS } },
    generation, step, switchMs,
    applyMs: Object.fromEntries(Object.entries(applyMs).map(([arm, v]) => [arm, median(v)])),
  };
}

const results: Record<string, Awaited<ReturnType<typeof measure>>> = {};
for (const [i, config] of CONFIGS.entries()) {
  const r = (results[config.name] = await measure(config, i === 0));
  console.log(`\n${config.name} (vocab ${config.vocabSize})`);
  printTable(Object.entries(r.generation).map(([arm, g]) => ({
    mode: arm, 'tokens/s': g.tokensPerSecond, 'vs base': g.relativeToBase, target: GOALS[arm] ?? '',
    'per load': g.perLoad.map((v) => v.toFixed(3)).join(' '), 'step µs': r.step[arm].medianUs,
    'added µs': arm === 'base' ? '' : r.step[arm].addedUs, 'apply ms': r.applyMs[arm] ?? '',
  })));
  if (r.switchMs) {
    const { dynamicOneAdapter: one, dynamicMix: mix, rebuild } = r.switchMs;
    console.log();
    printTable([
      { operation: 'dynamic switch (one adapter)', 'median ms': one.medianMs, 'vs rebuild': rebuild.medianMs / one.medianMs },
      { operation: 'dynamic switch (weighted mix)', 'median ms': mix.medianMs, 'vs rebuild': rebuild.medianMs / mix.medianMs },
      { operation: 'session rebuild (branch setAdapter)', 'median ms': rebuild.medianMs, 'vs rebuild': 1 },
    ]);
  }
}
const path = writeResults('transformers', {
  design: {
    promptTokens: ids.length, newTokens: NEW_TOKENS, rounds: ROUNDS, loadsPerArm: LOADS, decodeSteps: STEPS,
    generation: 'paired rounds, order rotated; an arm\'s round time is the sum over its loads; relativeToBase = median over rounds of base ms / arm ms; base (A/A) is a second set of loads of the unchanged base',
    step: 'median session.run time of one decode step (24 cached positions) per load, mean over loads; runs interleaved over all models',
  },
  configurations: results,
  targets: { merge: 0.98, branch: 0.85, dynamic: 0.85, switchMs: 1, switchSpeedup: 100 },
});
console.log(`\nwrote ${path}`);
