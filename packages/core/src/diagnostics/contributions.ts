import type { ReferenceModule } from '../math/reference-module.js';
import { moduleFactors, lowRankFrobenius } from './svd-lowrank.js';
import type { DenseMatrix } from './matrix.js';

/** Module i's part of ΔW: ‖γ · s_i ⊙ B_i A_i‖_F and its share of ‖ΔW‖_F. */
export interface ModuleContribution {
  /** 0-based index i of the parallel LoRA module. */
  index: number;
  norm: number;
  /** norm / ‖ΔW‖_F (shares need not sum to 1: modules can reinforce or cancel); null when ΔW = 0. */
  share: number | null;
}

/** Per-module contributions of an adapted layer and ‖ΔW‖_F. */
export interface ModuleContributions {
  /** ‖ΔW‖_F of the whole layer. */
  total: number;
  modules: ModuleContribution[];
}

/** Columns [start, start + width) of a row-major matrix, or those rows with `byRows`. */
function slice(m: DenseMatrix, start: number, width: number, byRows: boolean): DenseMatrix {
  if (byRows) return { rows: width, cols: m.cols, data: m.data.slice(start * m.cols, (start + width) * m.cols) };
  const data = new Float64Array(m.rows * width);
  for (let i = 0; i < m.rows; i++) data.set(m.data.subarray(i * m.cols + start, i * m.cols + start + width), i * width);
  return { rows: m.rows, cols: width, data };
}

/**
 * ‖γ · s_i ⊙ B_i A_i‖_F for each of the n modules and ‖ΔW‖_F, exactly from small QR factorisations
 * (O((out + in)·r²) per module, no dense ΔW).
 */
export function moduleContributions(module: ReferenceModule & { name?: string }): ModuleContributions {
  const factors = moduleFactors(module);
  const total = lowRankFrobenius(factors);
  const modules: ModuleContribution[] = [];
  for (let i = 0; i < module.n; i++) {
    const left = slice(factors.left, i * module.r, module.r, false);
    const right = slice(factors.right, i * module.r, module.r, true);
    const norm = lowRankFrobenius({ left, right });
    modules.push({ index: i, norm, share: total > 0 ? norm / total : null });
  }
  return { total, modules };
}
