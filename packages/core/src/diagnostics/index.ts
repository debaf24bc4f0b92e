/**
 * Diagnostics (spec §3): float64 SVDs (exact low-rank, dense, randomized), spectrum metrics, subspace
 * similarity, intruder dimensions, per-module contributions, and the inspect report (JSON, SVG, HTML).
 */
export { denseMatrix, checkMatrix, transpose, leadingColumns } from './matrix.js';
export type { DenseMatrix } from './matrix.js';
export { svd } from './svd-dense.js';
export type { SvdOptions, SvdResult, SvdVectors } from './svd-dense.js';
export { lowRankSvd, moduleFactors, moduleSvd, lowRankFrobenius } from './svd-lowrank.js';
export type { LowRankFactors } from './svd-lowrank.js';
export { randomizedSvd } from './svd-randomized.js';
export type { RandomizedSvdOptions, RandomizedSvdResult } from './svd-randomized.js';
export { spectrumMetrics, zeroTolerance, logSpectrumHistogram } from './spectrum.js';
export type { SpectrumMetrics, SpectrumOptions, HistogramSeries, LogSpectrumHistogram, HistogramOptions } from './spectrum.js';
export { subspaceSimilarity } from './subspace.js';
export type { SubspaceSimilarity, SubspaceOptions } from './subspace.js';
export { intruderDimensions } from './intruders.js';
export type { IntruderCandidate, IntruderDimensions, IntruderOptions } from './intruders.js';
export { moduleContributions } from './contributions.js';
export type { ModuleContribution, ModuleContributions } from './contributions.js';
export { diagnoseModule, diagnoseDense } from './module-diagnostics.js';
export type { ModuleDiagnostics, DiagnoseOptions } from './module-diagnostics.js';
export { inspect } from './inspect.js';
export type { UpdateInput, UpdateDiagnostics, SimilarityGrid, SimilarityDiagnostics, ModuleIntruders, InspectReport, InspectOptions } from './inspect.js';
export { renderSpectrumHistogramSvg, renderSimilarityHeatmapSvg, renderContributionBarsSvg } from './report/figures.js';
export { renderReportFigures, renderReportHtml } from './report/html.js';
export type { ReportFigure } from './report/html.js';
