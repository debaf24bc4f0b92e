import {
  inspect, logSpectrumHistogram,
  type LogSpectrumHistogram, type ModuleDiagnostics, type SimilarityDiagnostics, type UpdateDiagnostics, type UpdateInput,
} from '@multilora/core';
import type { MethodOutcome } from './experiment.js';
import type { MethodName } from './methods.js';

/** Layer-averaged spectrum metrics of one method's ΔW. */
export interface SpectrumSummary {
  entropy: number | null;
  effectiveRank: number;
  stableRank: number;
  topKEnergy: number | null;
}

/** One method's spectrum diagnostics, and (adapters) its φ similarity to full fine-tuning. */
export interface MethodDiagnostics {
  method: MethodName;
  label: string;
  update: UpdateDiagnostics;
  summary: SpectrumSummary;
  /** φ against full fine-tuning's ΔW (right singular vectors), per layer and averaged; adapters only. */
  similarity?: SimilarityDiagnostics;
  /** Layer means of φ(1, 1) and φ(k, k), k = the adapter's rank (n·r). */
  phiTop1?: number;
  phiTopK?: number;
  k?: number;
}

/** Everything the report shows about the updates. */
export interface Diagnostics {
  topK: number;
  methods: MethodDiagnostics[];
  /** −ln σ histograms of all three updates on shared bins (the paper's Figures 1 and 5). */
  histogram: LogSpectrumHistogram;
}

const average = (values: (number | null)[]): number | null => {
  const v = values.filter((x): x is number => x !== null);
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
};

function summarize(modules: ModuleDiagnostics[]): SpectrumSummary {
  return {
    entropy: average(modules.map((m) => m.metrics.entropy)),
    effectiveRank: average(modules.map((m) => m.metrics.effectiveRank)) ?? 0,
    stableRank: average(modules.map((m) => m.metrics.stableRank)) ?? 0,
    topKEnergy: average(modules.map((m) => m.metrics.topKEnergy)),
  };
}

function inputOf(outcome: MethodOutcome): UpdateInput {
  const label = outcome.result.label;
  return outcome.adapter ? { label, adapter: outcome.adapter } : { label, deltas: outcome.deltas! };
}

/**
 * SVD diagnostics of each method's ΔW through core's `inspect`: spectrum metrics per layer (entropy,
 * effective rank, stable rank, top-k energy), each adapter's subspace similarity φ to full
 * fine-tuning's ΔW = W_ft − W0, and one −ln σ histogram of all three.
 */
export function diagnose(outcomes: readonly MethodOutcome[], topK = 4, onProgress?: (message: string) => void): Diagnostics {
  const full = outcomes.find((o) => o.deltas)!;
  const fullInput = inputOf(full);
  const methods: MethodDiagnostics[] = [];
  let fullUpdate: UpdateDiagnostics | undefined;
  for (const o of outcomes.filter((x) => x.adapter)) {
    const k = Math.max(...[...o.adapter!.modules.values()].map((m) => m.n * m.r));
    const report = inspect(inputOf(o), { compare: fullInput, topK, maxRank: k, onProgress });
    const [update, fullDiag] = report.updates;
    fullUpdate = fullDiag;
    const sim = report.similarity!;
    const at = (i: number) => average(sim.modules.map((m) => m.phi[Math.min(i, m.rows, m.cols) - 1][Math.min(i, m.rows, m.cols) - 1])) ?? 0;
    methods.push({ method: o.result.method, label: o.result.label, update, summary: summarize(update.modules), similarity: sim, phiTop1: at(1), phiTopK: at(k), k });
  }
  fullUpdate ??= inspect(fullInput, { topK }).updates[0];
  methods.unshift({ method: 'full', label: full.result.label, update: fullUpdate, summary: summarize(fullUpdate.modules) });
  const histogram = logSpectrumHistogram(methods.map((m) => ({ label: m.label, values: m.update.modules.flatMap((d) => d.metrics.singularValues) })));
  return { topK, methods, histogram };
}
