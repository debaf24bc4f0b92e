import { check } from '../errors.js';
import { checkFinite } from './matrix.js';

/**
 * What a spectrum says about a weight update ΔW [rows, cols] (spec §3). Only singular values above
 * {@link zeroTolerance} count. A zero update (no value counted) has rank, effective rank and stable
 * rank 0, and `null` entropy and top-k energy (no distribution to measure).
 */
export interface SpectrumMetrics {
  /** The counted singular values, descending. */
  singularValues: number[];
  /** K, the number of counted singular values (the numerical rank). */
  rank: number;
  /** The zero tolerance: s_j counts when s_j > max(rows, cols) · ε · s_1 (ε = 2⁻⁵²). */
  tolerance: number;
  /** ‖ΔW‖_F = √Σ s². */
  frobeniusNorm: number;
  /** ‖ΔW‖₂ = s_1 (0 for a zero update). */
  spectralNorm: number;
  /** The k of `topKEnergy`. */
  topK: number;
  /** Σ_{j≤k} s_j² / Σ_j s_j²; null for a zero update. */
  topKEnergy: number | null;
  /** −Σ p_j log p_j / log K with p_j = s_j² / Σ s²: 1 is perfectly democratic. 0 when K = 1; null when K = 0. */
  entropy: number | null;
  /** exp(−Σ q_j log q_j), q_j = s_j / Σ s (Roy & Vetterli 2007); 0 for a zero update. */
  effectiveRank: number;
  /** Σ s² / s_1²; 0 for a zero update. */
  stableRank: number;
}

/** Options of {@link spectrumMetrics}. */
export interface SpectrumOptions {
  /** k of the top-k energy share (default 4). */
  topK?: number;
}

/** The zero tolerance of a [rows, cols] matrix with largest singular value s1: max(rows, cols) · ε · s1. */
export function zeroTolerance(s1: number, rows: number, cols: number): number {
  return Math.max(rows, cols) * Number.EPSILON * s1;
}

/**
 * Spectrum metrics of a [rows, cols] matrix from its singular values `s` (any order, non-negative,
 * finite; zeros allowed). Throws DIAGNOSTICS_NOT_FINITE for NaN, infinite or negative values.
 */
export function spectrumMetrics(s: ArrayLike<number>, shape: readonly [number, number], options: SpectrumOptions = {}): SpectrumMetrics {
  const topK = options.topK ?? 4;
  check(Number.isInteger(topK) && topK >= 1, 'INVALID_CONFIG', () => `topK is ${topK}; expected an integer ≥ 1.`);
  checkFinite(s, 'singular values');
  const sorted = Array.from(s).sort((x, y) => y - x);
  check(sorted.length === 0 || sorted[sorted.length - 1] >= 0, 'DIAGNOSTICS_NOT_FINITE', () =>
    `singular values include ${sorted[sorted.length - 1]}; singular values are never negative.`);
  const s1 = sorted[0] ?? 0;
  const tolerance = zeroTolerance(s1, shape[0], shape[1]);
  const kept = sorted.filter((v) => v > tolerance);
  const rank = kept.length;
  let sumSquares = 0;
  let sum = 0;
  for (const v of kept) {
    sumSquares += v * v;
    sum += v;
  }
  const frobeniusNorm = Math.sqrt(sumSquares);
  if (rank === 0) {
    return { singularValues: [], rank, tolerance, frobeniusNorm: 0, spectralNorm: 0, topK, topKEnergy: null, entropy: null, effectiveRank: 0, stableRank: 0 };
  }
  let top = 0;
  for (let j = 0; j < Math.min(topK, rank); j++) top += kept[j] * kept[j];
  let hp = 0;
  let hq = 0;
  for (const v of kept) {
    const p = (v * v) / sumSquares;
    const q = v / sum;
    if (p > 0) hp -= p * Math.log(p);
    if (q > 0) hq -= q * Math.log(q);
  }
  return {
    singularValues: kept,
    rank,
    tolerance,
    frobeniusNorm,
    spectralNorm: kept[0],
    topK,
    topKEnergy: top / sumSquares,
    entropy: rank === 1 ? 0 : hp / Math.log(rank),
    effectiveRank: Math.exp(hq),
    stableRank: sumSquares / (kept[0] * kept[0]),
  };
}

/** One histogram series: counts of −ln(s) per bin, and the same as shares of the series' values. */
export interface HistogramSeries {
  label: string;
  counts: number[];
  /** counts / total (all zeros for an empty series). */
  fractions: number[];
  /** Values counted (positive singular values). */
  total: number;
}

/** Histograms of −ln(s) on shared bins (the paper's Figures 1 and 5: the left end holds large values). */
export interface LogSpectrumHistogram {
  /** bins + 1 ascending edges in −ln(s). */
  edges: number[];
  series: HistogramSeries[];
}

/** Options of {@link logSpectrumHistogram}. */
export interface HistogramOptions {
  /** Number of bins (default 30). */
  bins?: number;
  /** [low, high] in −ln(s); default: the data's range, widened to whole numbers. */
  range?: readonly [number, number];
}

/**
 * Histograms of −ln(s) for several spectra on the same bins, so they can be overlaid. Zero values are
 * skipped (they are not part of a spectrum); values outside `range` go to the nearest end bin.
 */
export function logSpectrumHistogram(spectra: readonly { label: string; values: ArrayLike<number> }[], options: HistogramOptions = {}): LogSpectrumHistogram {
  const bins = options.bins ?? 30;
  check(Number.isInteger(bins) && bins >= 1, 'INVALID_CONFIG', () => `bins is ${bins}; expected an integer ≥ 1.`);
  const logs = spectra.map(({ label, values }) => {
    checkFinite(values, `spectrum "${label}"`);
    return Array.from(values).filter((v) => v > 0).map((v) => -Math.log(v));
  });
  let [low, high] = options.range ?? [Infinity, -Infinity];
  if (!options.range) {
    for (const xs of logs) for (const x of xs) [low, high] = [Math.min(low, x), Math.max(high, x)];
    if (low > high) [low, high] = [0, 1];
    [low, high] = [Math.floor(low), Math.ceil(high)];
    if (low === high) high = low + 1;
  }
  check(Number.isFinite(low) && Number.isFinite(high) && low < high, 'INVALID_CONFIG', () =>
    `histogram range is [${low}, ${high}]; expected finite low < high.`);
  const width = (high - low) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => low + i * width);
  const series = spectra.map(({ label }, idx) => {
    const counts = new Array<number>(bins).fill(0);
    for (const x of logs[idx]) counts[Math.min(bins - 1, Math.max(0, Math.floor((x - low) / width)))]++;
    const total = logs[idx].length;
    return { label, counts, fractions: counts.map((c) => (total ? c / total : 0)), total };
  });
  return { edges, series };
}
