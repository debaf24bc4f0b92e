import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { inspect, renderReportFigures, renderReportHtml, type InspectReport, type UpdateDiagnostics, type UpdateInput } from '@multilora/core';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { registerCliKernels } from '../kernels.js';
import { loadBase, loadUpdate, type LoadedUpdate } from '../load.js';
import { cell, formatTable } from '../table.js';
import { parseCommandArgs, type Command } from './command.js';

const HELP = `Usage: multilora inspect <adapter-dir> [options]

Analyses the weight update ΔW = γ · Σ_i s_i ⊙ B_i A_i of every adapted module through its exact SVD
(computed from the low-rank factors, never the dense matrix) and prints a table of
  module, n×r, ‖ΔW‖_F, normalised spectral entropy, effective rank, stable rank, top-k energy.
Writes report.json, SVG figures and a self-contained report.html into --out.

Options:
  --compare <path>     a second update: an adapter folder, or a .safetensors file of dense updates
                       ΔW [out, in] keyed "<module>.weight" (e.g. W_finetuned − W0). Adds it to the
                       histogram and computes the subspace similarity φ(i, j) per shared module.
  --base <file>        base weights W0 (.safetensors), keyed "<module>.weight", shape [out, in]
                       (PyTorch layout; [in, out] is transposed with "fan_in_fan_out": true in
                       adapter_config.json and for embeddings). Enables intruder dimensions; needs
                       two dense SVDs per module, which takes seconds per layer of size 1024.
  --out <dir>          output folder (default ./multilora-report)
  --top-k <k>          k of the top-k energy share (default 4)
  --side <left|right>  singular vectors compared by φ (default right, as in the LoRA paper)
  --max-rank <n>       largest i, j of φ (default 64)
  --intruder-k <k>     top singular vectors of W0 + ΔW checked for intruders (default 10)
  --epsilon <e>        intruder threshold on |cosine| (default 0.5)
  -h, --help           this help

Zero tolerance: a singular value s_j counts when s_j > max(out, in) · 2^-52 · s_1. A module whose
ΔW is zero (a fresh MultiLoRA adapter: all scales 0) has rank 0 and no entropy ("—").`;

const OPTIONS = {
  compare: { type: 'string' },
  base: { type: 'string' },
  out: { type: 'string' },
  'top-k': { type: 'string' },
  side: { type: 'string' },
  'max-rank': { type: 'string' },
  'intruder-k': { type: 'string' },
  epsilon: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function integer(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const v = Number(value);
  if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${flag} is "${value}"; expected a whole number ≥ 1.`);
  return v;
}

function asInput(label: string, source: string, loaded: LoadedUpdate): UpdateInput {
  return 'adapter' in loaded ? { label, source, adapter: loaded.adapter } : { label, source, deltas: loaded.deltas };
}

/** The per-module table printed to stdout. */
export function moduleTable(update: UpdateDiagnostics, topK: number): string {
  const rows = update.modules.map((m) => [
    m.name,
    m.n !== undefined ? `${m.n}×${m.r}` : 'dense',
    cell(m.metrics.frobeniusNorm),
    cell(m.metrics.entropy),
    cell(m.metrics.effectiveRank),
    cell(m.metrics.stableRank),
    cell(m.metrics.topKEnergy),
  ]);
  return formatTable(['module', 'n×r', '‖ΔW‖_F', 'entropy', 'eff. rank', 'stable rank', `top-${topK} energy`], rows);
}

async function writeReport(report: InspectReport, out: string): Promise<string[]> {
  await mkdir(out, { recursive: true });
  const files: [string, string][] = [['report.json', `${JSON.stringify(report, null, 2)}\n`]];
  for (const f of renderReportFigures(report)) files.push([f.file, f.svg]);
  files.push(['report.html', renderReportHtml(report)]);
  for (const [name, text] of files) await writeFile(join(out, name), text);
  return files.map(([name]) => join(out, name));
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0
      ? 'missing <adapter-dir>: pass the folder that holds adapter_config.json and adapter_model.safetensors.'
      : `expected one <adapter-dir>, got ${positionals.length}: ${positionals.join(' ')}. Use --compare for a second update.`);
  }
  const side = values.side ?? 'right';
  if (side !== 'left' && side !== 'right') throw new UsageError(`--side is "${side}"; expected "left" or "right".`);
  const epsilon = values.epsilon === undefined ? 0.5 : Number(values.epsilon);
  if (!(epsilon > 0 && epsilon <= 1)) throw new UsageError(`--epsilon is "${values.epsilon}"; expected a number in (0, 1].`);
  const topK = integer('top-k', values['top-k'], 4);
  const maxRank = integer('max-rank', values['max-rank'], 64);
  const intruderK = integer('intruder-k', values['intruder-k'], 10);
  const out = resolve(values.out ?? 'multilora-report');

  // the SVDs' large float64 products run on the wasm kernels' gemmF64
  await registerCliKernels();
  const path = positionals[0];
  const main = await loadUpdate(path, '<adapter-dir>', false);
  const compare = values.compare === undefined ? undefined : await loadUpdate(values.compare, '--compare', true);
  const base = values.base === undefined ? undefined : await loadBase(values.base, main);
  const label = basename(resolve(path));
  const compareLabel = values.compare === undefined ? '' : basename(resolve(values.compare));
  const report = inspect(asInput(label, path, main), {
    compare: compare && asInput(compareLabel === label ? `${compareLabel} (compare)` : compareLabel, values.compare as string, compare),
    base,
    topK,
    side,
    maxRank,
    intruderK,
    intruderEpsilon: epsilon,
    onProgress: (message) => io.err(`  ${message}`),
  });
  for (const u of report.updates) {
    io.out(`\n${u.label} (${u.kind}, ${u.modules.length} module${u.modules.length === 1 ? '' : 's'})`);
    io.out(moduleTable(u, topK));
  }
  if (report.similarity) {
    const s = report.similarity;
    io.out(s.mean
      ? `\nsubspace similarity (${s.side} singular vectors): ${s.modules.length} shared module(s), mean φ(1, 1) = ${cell(s.mean.phi[0][0])}`
      : '\nsubspace similarity: no module with a non-zero ΔW is shared by both updates.');
  }
  for (const r of report.intruders ?? []) io.out(`intruder dimensions ${r.module}: ${r.count} of top ${r.k} (ε = ${r.epsilon})`);
  const written = await writeReport(report, out);
  io.out(`\nwrote ${written.length} files to ${out}: ${written.map((f) => basename(f)).join(', ')}`);
  return 0;
}

/** `multilora inspect`: spectra, entropy, ranks, contributions, φ and intruder dimensions of an adapter. */
export const inspectCommand: Command = {
  name: 'inspect',
  help: HELP,
  run,
};
