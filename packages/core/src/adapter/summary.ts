import type { ScaleMode } from '../config.js';
import type { Adapter, AdapterMetadata, ModuleKind } from './types.js';

/** One module's line in an {@link AdapterSummary}. */
export interface ModuleSummary {
  name: string;
  kind: ModuleKind;
  r: number;
  inShape: number[];
  outFeatures: number;
  gamma: number;
  /** Values in A, B and the scales. */
  params: number;
}

/** What an adapter is, in numbers, for printing. */
export interface AdapterSummary {
  peftType: AdapterMetadata['peftType'];
  /** Number of adapted modules. */
  modules: number;
  n: number;
  /** The config's r (modules may differ through `rankPattern`; see `perModule`). */
  r: number;
  scaleMode: ScaleMode;
  /** Values in every module's A, B and scales. */
  totalParams: number;
  perModule: ModuleSummary[];
}

/** The adapter's size and shape at a glance: per module kind, rank, dims, γ and parameter count. */
export function summarizeAdapter(adapter: Adapter): AdapterSummary {
  const perModule = [...adapter.modules.values()].map((m) => ({
    name: m.name,
    kind: m.kind,
    r: m.r,
    inShape: [...m.inShape],
    outFeatures: m.outFeatures,
    gamma: m.gamma,
    params: m.a.length + m.b.length + m.scale.length,
  }));
  return {
    peftType: adapter.metadata.peftType,
    modules: perModule.length,
    n: adapter.config.n,
    r: adapter.config.r,
    scaleMode: adapter.config.scaleMode,
    totalParams: perModule.reduce((sum, m) => sum + m.params, 0),
    perModule,
  };
}
