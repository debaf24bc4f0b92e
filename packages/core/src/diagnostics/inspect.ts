import type { Adapter } from '../adapter/types.js';
import { check } from '../errors.js';
import { referenceDeltaWeight } from '../math/delta.js';
import { intruderDimensions, type IntruderDimensions } from './intruders.js';
import { leadingColumns, type DenseMatrix } from './matrix.js';
import { diagnoseDense, diagnoseModule, type ModuleDiagnostics } from './module-diagnostics.js';
import { logSpectrumHistogram, type LogSpectrumHistogram } from './spectrum.js';
import { subspaceSimilarity } from './subspace.js';
import { moduleSvd } from './svd-lowrank.js';
import { randomizedSvd } from './svd-randomized.js';

/** A weight update to inspect: an adapter (exact low-rank path) or dense ΔW [out, in] per module name. */
export type UpdateInput =
  | { label: string; source?: string; adapter: Adapter }
  | { label: string; source?: string; deltas: ReadonlyMap<string, DenseMatrix> };

/** The diagnostics of one update, module by module. */
export interface UpdateDiagnostics {
  label: string;
  source?: string;
  kind: 'adapter' | 'dense';
  modules: ModuleDiagnostics[];
}

/** φ(i, j) as rows of numbers (row i − 1 holds φ(i, 1 … cols)). */
export interface SimilarityGrid {
  rows: number;
  cols: number;
  phi: number[][];
}

/** Subspace similarity between the two updates of a report, per shared module and averaged. */
export interface SimilarityDiagnostics {
  /** [first update, second update]: i runs over the first's singular vectors, j over the second's. */
  labels: [string, string];
  side: 'left' | 'right';
  modules: (SimilarityGrid & { name: string })[];
  /** The mean over modules on the i, j range they all have; null when no module is shared. */
  mean: SimilarityGrid | null;
}

/** Intruder dimensions of one module's W0 + ΔW. */
export interface ModuleIntruders extends IntruderDimensions {
  module: string;
}

/** Everything `multilora inspect` reports (JSON-ready). */
export interface InspectReport {
  format: 'multilora-inspect';
  version: 1;
  createdAt: string;
  settings: {
    topK: number;
    histogramBins: number;
    zeroTolerance: string;
    side: 'left' | 'right';
    maxRank: number;
    intruderK: number;
    intruderEpsilon: number;
  };
  updates: UpdateDiagnostics[];
  /** −ln(s) histograms, one series per update, all modules pooled. */
  histogram: LogSpectrumHistogram;
  similarity?: SimilarityDiagnostics;
  intruders?: ModuleIntruders[];
}

/** Options of {@link inspect}. */
export interface InspectOptions {
  /** A second update to compare with: overlaid in the histogram and compared by φ. */
  compare?: UpdateInput;
  /** Base weights W0 [out, in] by module name: enables intruder dimensions (dense SVDs: slow for big layers). */
  base?: ReadonlyMap<string, DenseMatrix>;
  /** k of the top-k energy share (default 4). */
  topK?: number;
  /** Histogram bins (default 30). */
  histogramBins?: number;
  /** Singular vectors compared by φ (default 'right', as the LoRA paper compares A's row spaces). */
  side?: 'left' | 'right';
  /** Largest i and j of φ (default 64). */
  maxRank?: number;
  /** Intruder dimensions: top k (default 10) and threshold ε (default 0.5). */
  intruderK?: number;
  intruderEpsilon?: number;
  /** Called with a line of progress per module (e.g. to print on stderr). */
  onProgress?: (message: string) => void;
}

interface Analysed {
  diagnostics: UpdateDiagnostics;
  /** Leading singular vectors on the compared side, per module (only when comparing). */
  vectors: Map<string, DenseMatrix>;
}

function analyse(update: UpdateInput, options: InspectOptions, wantVectors: boolean): Analysed {
  const topK = options.topK ?? 4;
  const side = options.side ?? 'right';
  const maxRank = options.maxRank ?? 64;
  const progress = options.onProgress ?? (() => {});
  const vectors = new Map<string, DenseMatrix>();
  const modules: ModuleDiagnostics[] = [];
  const keep = (name: string, result: { u?: DenseMatrix; v?: DenseMatrix }, rank: number) => {
    const m = side === 'left' ? result.u : result.v;
    if (m && rank > 0) vectors.set(name, leadingColumns(m, Math.min(rank, maxRank)));
  };
  if ('adapter' in update) {
    for (const module of update.adapter.modules.values()) {
      progress(`${update.label}: ${module.name} (low-rank SVD, n·r = ${module.n * module.r})`);
      const result = moduleSvd(module, { vectors: wantVectors ? side : 'none' });
      const d = diagnoseModule(module, { topK, svd: result });
      modules.push(d);
      if (wantVectors) keep(module.name, result, d.metrics.rank);
    }
  } else {
    for (const [name, delta] of update.deltas) {
      progress(`${update.label}: ${name} (dense SVD, ${delta.rows}×${delta.cols})`);
      const d = diagnoseDense(name, delta, { topK });
      modules.push(d);
      if (wantVectors && d.metrics.rank > 0) {
        keep(name, randomizedSvd(delta, { rank: Math.min(d.metrics.rank, maxRank), powerIterations: 4 }), d.metrics.rank);
      }
    }
  }
  const kind = 'adapter' in update ? 'adapter' : 'dense';
  return { diagnostics: { label: update.label, ...(update.source ? { source: update.source } : {}), kind, modules }, vectors };
}

function toGrid(phi: Float64Array, rows: number, cols: number): SimilarityGrid {
  return { rows, cols, phi: Array.from({ length: rows }, (_, i) => Array.from(phi.subarray(i * cols, (i + 1) * cols))) };
}

function similarity(a: Analysed, b: Analysed, side: 'left' | 'right'): SimilarityDiagnostics {
  const modules: (SimilarityGrid & { name: string })[] = [];
  for (const [name, va] of a.vectors) {
    const vb = b.vectors.get(name);
    if (!vb || va.rows !== vb.rows) continue;
    const s = subspaceSimilarity(va, vb);
    modules.push({ name, ...toGrid(s.phi, s.rows, s.cols) });
  }
  let mean: SimilarityGrid | null = null;
  if (modules.length > 0) {
    const rows = Math.min(...modules.map((m) => m.rows));
    const cols = Math.min(...modules.map((m) => m.cols));
    const phi = Array.from({ length: rows }, (_, i) =>
      Array.from({ length: cols }, (_, j) => modules.reduce((acc, m) => acc + m.phi[i][j], 0) / modules.length));
    mean = { rows, cols, phi };
  }
  return { labels: [a.diagnostics.label, b.diagnostics.label], side, modules, mean };
}

function dense(update: UpdateInput, name: string): DenseMatrix | undefined {
  if ('deltas' in update) return update.deltas.get(name);
  const module = update.adapter.modules.get(name);
  if (!module) return undefined;
  return { rows: module.outFeatures, cols: module.inFeatures, data: referenceDeltaWeight(module) };
}

function intruders(update: UpdateInput, base: ReadonlyMap<string, DenseMatrix>, options: InspectOptions): ModuleIntruders[] {
  const out: ModuleIntruders[] = [];
  for (const [name, w0] of base) {
    const delta = dense(update, name);
    if (!delta) continue;
    check(delta.rows === w0.rows && delta.cols === w0.cols, 'SHAPE_MISMATCH', () =>
      `base weight of "${name}" is [${w0.rows}, ${w0.cols}] but its update ΔW is [${delta.rows}, ${delta.cols}]; ` +
      'base weights must be [out, in] (transpose weights stored as [in, out], e.g. GPT-2 Conv1D).');
    options.onProgress?.(`intruder dimensions: ${name} (two dense SVDs, ${w0.rows}×${w0.cols})`);
    const tuned = new Float64Array(w0.data.length);
    for (let i = 0; i < tuned.length; i++) tuned[i] = w0.data[i] + delta.data[i];
    const result = intruderDimensions(w0, { rows: w0.rows, cols: w0.cols, data: tuned }, { k: options.intruderK, epsilon: options.intruderEpsilon });
    out.push({ module: name, ...result });
  }
  return out;
}

/**
 * Inspects a weight update (spec §3): per-module spectrum metrics and contributions, the −ln(s)
 * histogram, and optionally φ against a second update (`compare`) and intruder dimensions against
 * base weights (`base`). Render the result with `renderReportHtml` and the `render…Svg` functions.
 */
export function inspect(update: UpdateInput, options: InspectOptions = {}): InspectReport {
  const side = options.side ?? 'right';
  const maxRank = options.maxRank ?? 64;
  check(side === 'left' || side === 'right', 'INVALID_CONFIG', () => `side is ${JSON.stringify(side)}; expected "left" or "right".`);
  check(Number.isInteger(maxRank) && maxRank >= 1, 'INVALID_CONFIG', () => `maxRank is ${maxRank}; expected an integer ≥ 1.`);
  const first = analyse(update, options, options.compare !== undefined);
  const second = options.compare ? analyse(options.compare, options, true) : undefined;
  const updates = second ? [first.diagnostics, second.diagnostics] : [first.diagnostics];
  const bins = options.histogramBins ?? 30;
  const histogram = logSpectrumHistogram(
    updates.map((u) => ({ label: u.label, values: u.modules.flatMap((m) => m.metrics.singularValues) })),
    { bins },
  );
  const report: InspectReport = {
    format: 'multilora-inspect',
    version: 1,
    createdAt: new Date().toISOString(),
    settings: {
      topK: options.topK ?? 4,
      histogramBins: bins,
      zeroTolerance: 's_j counts when s_j > max(out, in) · 2^-52 · s_1',
      side,
      maxRank,
      intruderK: options.intruderK ?? 10,
      intruderEpsilon: options.intruderEpsilon ?? 0.5,
    },
    updates,
    histogram,
  };
  if (second) report.similarity = similarity(first, second, side);
  if (options.base) report.intruders = intruders(update, options.base, options);
  return report;
}
