import type { AdapterModule } from '../adapter/types.js';
import { moduleContributions, type ModuleContribution } from './contributions.js';
import type { DenseMatrix } from './matrix.js';
import { spectrumMetrics, type SpectrumMetrics, type SpectrumOptions } from './spectrum.js';
import { svd, type SvdResult } from './svd-dense.js';
import { moduleSvd } from './svd-lowrank.js';

/** The diagnostics of one adapted layer's ΔW (JSON-ready). */
export interface ModuleDiagnostics {
  /** The base model's module name. */
  name: string;
  /** ΔW's shape [out, in] (conv: in = inChannels·kh·kw). */
  shape: [number, number];
  /** The largest possible rank: n·r for an adapter module, min(out, in) for a dense update. */
  rankBound: number;
  /** Parallel modules and their rank (adapter modules only). */
  n?: number;
  r?: number;
  metrics: SpectrumMetrics;
  /** ‖γ s_i ⊙ B_i A_i‖_F per parallel module and its share of ‖ΔW‖_F (adapter modules only). */
  contributions?: ModuleContribution[];
}

/** Options of {@link diagnoseModule} and {@link diagnoseDense}. */
export interface DiagnoseOptions extends SpectrumOptions {
  /** A precomputed SVD of this ΔW (e.g. with the vectors you also need), to avoid computing it twice. */
  svd?: SvdResult;
}

/** Diagnostics of an adapter module from the exact low-rank SVD of its ΔW (never the dense matrix). */
export function diagnoseModule(module: AdapterModule, options: DiagnoseOptions = {}): ModuleDiagnostics {
  const shape: [number, number] = [module.outFeatures, module.inFeatures];
  const { s } = options.svd ?? moduleSvd(module, { vectors: 'none' });
  return {
    name: module.name,
    shape,
    rankBound: module.n * module.r,
    n: module.n,
    r: module.r,
    metrics: spectrumMetrics(s, shape, options),
    contributions: moduleContributions(module).modules,
  };
}

/** Diagnostics of a dense update ΔW [out, in] (e.g. W_ft − W0 of full fine-tuning) by a dense SVD. */
export function diagnoseDense(name: string, delta: DenseMatrix, options: DiagnoseOptions = {}): ModuleDiagnostics {
  const shape: [number, number] = [delta.rows, delta.cols];
  const { s } = options.svd ?? svd(delta, { vectors: 'none' });
  return { name, shape, rankBound: Math.min(delta.rows, delta.cols), metrics: spectrumMetrics(s, shape, options) };
}
