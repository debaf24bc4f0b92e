/**
 * The live spectrum: the exact singular values of every adapted module's ΔW, from the exported adapter
 * with core's low-rank SVD (`moduleSvd`, never the dense ΔW), and core's spectrum metrics.
 */
import { moduleSvd, spectrumMetrics, type Adapter } from '@multilora/core';

/** One module's spectrum. */
export interface ModuleSpectrum {
  name: string;
  /** Singular values of ΔW, descending (n·r of them, zeros included). */
  values: number[];
  /** Normalised spectral entropy (1 = perfectly democratic), null for a zero update. */
  entropy: number | null;
  effectiveRank: number;
}

/** The spectra of all modules of `adapter`. */
export function adapterSpectra(adapter: Adapter): ModuleSpectrum[] {
  return [...adapter.modules.values()].map((m) => {
    const { s } = moduleSvd(m, { vectors: 'none' });
    const metrics = spectrumMetrics(s, [m.outFeatures, m.inFeatures]);
    return { name: m.name, values: Array.from(s), entropy: metrics.entropy, effectiveRank: metrics.effectiveRank };
  });
}
