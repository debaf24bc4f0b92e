import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { SeededRandom, deriveSeed, renderContributionBarsSvg, renderSimilarityHeatmapSvg, renderSpectrumHistogramSvg, writeSafetensors } from '@multilora/core';
import { writeAdapterFolder } from '@multilora/core/node';
import { prepareBackend } from '../backend.js';
import { accuracyBarsSvg, lossCurvesSvg, SERIES_COLORS } from '../demo/charts.js';
import { conclusions } from '../demo/conclusions.js';
import { diagnose, type Diagnostics } from '../demo/diagnose.js';
import { runExperiment, type Experiment } from '../demo/experiment.js';
import { renderDemoReport, type Figure } from '../demo/report.js';
import { DEFAULT_SETTINGS, QUICK_SETTINGS, type DemoSettings } from '../demo/settings.js';
import { sampleBatch } from '../demo/tasks.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { cell, formatTable } from '../table.js';
import { saveModelFiles } from '../tfjs-files.js';
import { parseCommandArgs, type Command } from './command.js';

const HELP = `Usage: multilora demo [options]

Reproduces the MultiLoRA paper's experiment in miniature, on the CPU, from nothing but a seed:
pretrains a small tfjs model on base tasks (copy, increment), then fine-tunes copies of it on a
mixture of four different tasks (reverse: instruction following; majority: classification; lookup
in a fixed random table: knowledge; two-step modular arithmetic: reasoning) with
  full fine-tuning, LoRA (rank n·r) and MultiLoRA (n modules of rank r)
at equal adapter budget, the same steps, batches and seed. Measures per-task and mean accuracy,
trainable-parameter share, step throughput and the SVD diagnostics of each method's ΔW (spectral
entropy, effective rank, top-k energy, subspace similarity φ to full fine-tuning), and prints the
conclusions the numbers support. Takes about 2–5 minutes on two cores (--quick: seconds).

Writes into --out: report.html (self-contained, with every figure), results.json, figures/*.svg,
adapters/lora/ and adapters/multilora/ (adapter folders), full-ft-delta.safetensors (full
fine-tuning's ΔW per layer, for \`multilora inspect --compare\`), base-model/ (the pretrained tfjs
model) and mixture.jsonl (mixture examples in \`multilora train\`'s format).

Options:
  --out <dir>             output folder (default ./multilora-demo); its demo files are replaced
  --quick                 a tiny model and ${QUICK_SETTINGS.steps} steps: checks the pipeline, proves nothing
  --seed <int>            seed of data, weights and batches (default ${DEFAULT_SETTINGS.seed})
  --n <int>, --r <int>    MultiLoRA's n and r; LoRA gets rank n·r (default ${DEFAULT_SETTINGS.n}, ${DEFAULT_SETTINGS.r})
  --steps <int>           fine-tuning steps per method (default ${DEFAULT_SETTINGS.steps})
  --pretrain-steps <int>  pretraining steps of the base model (default ${DEFAULT_SETTINGS.pretrainSteps})
  --hidden <int>          width of the hidden layers (default ${DEFAULT_SETTINGS.hidden})
  --lr <num>              Adam learning rate of LoRA and MultiLoRA (default ${DEFAULT_SETTINGS.lrAdapter})
  --lr-full <num>         Adam learning rate of full fine-tuning (default ${DEFAULT_SETTINGS.lrFull})
  -h, --help              this help`;

const OPTIONS = {
  out: { type: 'string' },
  quick: { type: 'boolean' },
  seed: { type: 'string' },
  n: { type: 'string' },
  r: { type: 'string' },
  steps: { type: 'string' },
  'pretrain-steps': { type: 'string' },
  hidden: { type: 'string' },
  lr: { type: 'string' },
  'lr-full': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function integer(flag: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const v = Number(value);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`--${flag} is "${value}"; expected a whole number ≥ ${min}.`);
  return v;
}

function rate(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const v = Number(value);
  if (!(v > 0 && v < 1)) throw new UsageError(`--${flag} is "${value}"; expected a learning rate in (0, 1), e.g. 0.003.`);
  return v;
}

function settingsOf(values: Record<string, string | boolean | undefined>): DemoSettings {
  const base = values.quick ? QUICK_SETTINGS : DEFAULT_SETTINGS;
  const str = (k: string) => values[k] as string | undefined;
  return {
    ...base,
    seed: integer('seed', str('seed'), base.seed, 0),
    n: integer('n', str('n'), base.n, 1),
    r: integer('r', str('r'), base.r, 1),
    steps: integer('steps', str('steps'), base.steps, 1),
    pretrainSteps: integer('pretrain-steps', str('pretrain-steps'), base.pretrainSteps, 1),
    hidden: integer('hidden', str('hidden'), base.hidden, 2),
    lrAdapter: rate('lr', str('lr'), base.lrAdapter),
    lrFull: rate('lr-full', str('lr-full'), base.lrFull),
  };
}

function figures(e: Experiment, d: Diagnostics): Figure[] {
  const tasks = e.tasks.map((t) => t.name);
  const meanOf = (acc: Record<string, number>) => tasks.reduce((a, t) => a + acc[t], 0) / tasks.length;
  const series = [
    { label: 'Base model', values: [...tasks.map((t) => e.base.accuracy[t]), meanOf(e.base.accuracy)] },
    ...e.methods.map(({ result: r }) => ({ label: r.label, values: [...tasks.map((t) => r.accuracy[t]), r.meanAccuracy] })),
  ];
  const out: Figure[] = [
    { file: 'accuracy.svg', caption: 'Exact-match accuracy per task and mean', svg: accuracyBarsSvg([...tasks, 'mean'], series) },
    { file: 'loss.svg', caption: 'Training loss per step', svg: lossCurvesSvg(e.methods.map((m) => ({ label: m.result.label, losses: m.result.losses })), SERIES_COLORS.slice(1)) },
    { file: 'spectrum-histogram.svg', caption: 'Histogram of −ln σ of ΔW, all adapted layers pooled (the paper\'s Figures 1 and 5)', svg: renderSpectrumHistogramSvg(d.histogram) },
  ];
  for (const m of d.methods.filter((x) => x.similarity?.mean)) {
    const sim = m.similarity!;
    out.push({
      file: `similarity-${m.method}.svg`, caption: `φ(i, j) of ${m.label} against full fine-tuning, mean over layers`,
      svg: renderSimilarityHeatmapSvg(sim.mean!, sim.labels, sim.side, `mean over ${sim.modules.length} layers; 1 = one subspace contains the other, 0 = orthogonal`),
    });
  }
  const multi = d.methods.find((m) => m.method === 'multilora');
  if (multi) out.push({ file: 'contributions-multilora.svg', caption: 'Share of ‖ΔW‖_F per parallel module', svg: renderContributionBarsSvg(multi.update) });
  return out;
}

function resultsTable(e: Experiment): string {
  const tasks = e.tasks.map((t) => t.name);
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const rows = [
    ['base model', ...tasks.map((t) => pct(e.base.accuracy[t])), pct(tasks.reduce((a, t) => a + e.base.accuracy[t], 0) / tasks.length), '—', '—'],
    ...e.methods.map(({ result: r }) => [r.label, ...tasks.map((t) => pct(r.accuracy[t])), pct(r.meanAccuracy), `${r.trainablePercent.toFixed(2)}%`, cell(r.stepsPerSecond)]),
  ];
  return formatTable(['method', ...tasks, 'mean', 'trainable', 'steps/s'], rows);
}

async function writeOutputs(out: string, s: DemoSettings, e: Experiment) {
  for (const p of ['adapters', 'figures', 'base-model']) await rm(join(out, p), { recursive: true, force: true });
  await mkdir(join(out, 'figures'), { recursive: true });
  const files: { path: string; what: string }[] = [];
  for (const { result, adapter } of e.methods) {
    if (!adapter) continue;
    const dir = join(out, 'adapters', result.method);
    await writeAdapterFolder(dir, adapter);
    files.push({ path: relative(out, dir), what: `${result.label}: adapter_config.json + adapter_model.safetensors` });
  }
  const full = e.methods.find((m) => m.deltas)!;
  const tensors = Object.fromEntries([...full.deltas!].map(([name, m]) => [`${name}.weight`, { shape: [m.rows, m.cols], data: Float32Array.from(m.data), dtype: 'F32' as const }]));
  await writeFile(join(out, 'full-ft-delta.safetensors'), writeSafetensors(tensors, { description: 'full fine-tuning: W_ft − W0 per adapted layer, [out, in]' }));
  files.push({ path: 'full-ft-delta.safetensors', what: 'full fine-tuning\'s ΔW = W_ft − W0 per adapted layer, [out, in]' });
  await saveModelFiles(e.baseModel, join(out, 'base-model'));
  files.push({ path: 'base-model/model.json', what: 'the pretrained base model (tfjs layers model + weights.bin)' });
  const rows = sampleBatch(e.tasks, 2000, new SeededRandom(deriveSeed(s.seed, 'jsonl')));
  await writeFile(join(out, 'mixture.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  files.push({ path: 'mixture.jsonl', what: '2000 mixture examples in the format of multilora train (e.g. multilora train base-model mixture.jsonl)' });
  return files;
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs({ args, options: OPTIONS, allowPositionals: false, strict: true });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const settings = settingsOf(values);
  const out = resolve(values.out ?? 'multilora-demo');
  const started = performance.now();
  const runtime = await prepareBackend();
  io.err(`multilora demo: tfjs ${runtime.backend} backend, ${runtime.kernels} kernels; output in ${out}`);
  const experiment = await runExperiment(settings, io);
  try {
    io.err('SVD diagnostics of each method\'s ΔW …');
    const diagnostics = diagnose(experiment.methods);
    const testSizes = Object.fromEntries(experiment.tasks.map((t) => [t.name, t.all ? t.all().length : settings.testPerTask]));
    const lines = conclusions(experiment.methods.map((m) => m.result), diagnostics, testSizes);
    const files = await writeOutputs(out, settings, experiment);
    const figs = figures(experiment, diagnostics);
    for (const f of figs) await writeFile(join(out, 'figures', f.file), f.svg);
    const seconds = (performance.now() - started) / 1000;
    files.unshift({ path: 'results.json', what: 'every number of this run' }, { path: 'figures/', what: figs.map((f) => f.file).join(', ') });
    const meta = { ...runtime, seconds, createdAt: new Date().toISOString() };
    await writeFile(join(out, 'report.html'), renderDemoReport({ settings, experiment, diagnostics, conclusions: lines, figures: figs, files, runtime: meta }));
    const results = {
      format: 'multilora-demo', version: 1, settings, runtime: meta,
      tasks: experiment.tasks.map((t) => ({ name: t.name, kind: t.kind, description: t.description, testSize: testSizes[t.name] })),
      base: experiment.base,
      methods: experiment.methods.map((m) => m.result),
      diagnostics: diagnostics.methods.map((m) => ({ method: m.method, label: m.label, summary: m.summary, phiTop1: m.phiTop1, phiTopK: m.phiTopK, k: m.k, modules: m.update.modules.map((x) => ({ name: x.name, metrics: x.metrics })) })),
      conclusions: lines,
    };
    await writeFile(join(out, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
    io.out(`\n${resultsTable(experiment)}\n\nConclusions (measured in this run):\n${lines.map((l) => `  - ${l}`).join('\n')}`);
    io.out(`\nTook ${seconds.toFixed(0)} s. Report: ${join(out, 'report.html')}\nAdapters: ${join(out, 'adapters', 'lora')}, ${join(out, 'adapters', 'multilora')}\nAll numbers: ${join(out, 'results.json')}`);
    return 0;
  } finally {
    experiment.baseModel.dispose();
  }
}

/** `multilora demo`: the MultiLoRA paper's comparison in miniature, with an HTML report. */
export const demoCommand: Command = {
  name: 'demo',
  help: HELP,
  run,
};
