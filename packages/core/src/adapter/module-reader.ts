import { loraScaling, type MultiLoraConfig } from '../config.js';
import { MultiLoraError } from '../errors.js';
import type { SafetensorsTensor } from '../safetensors/types.js';
import { patternValue } from '../targets.js';
import { formatShape, tensorKey, type Slot, type SlotSuffixes } from './tensor-keys.js';

/** The A and B tensors of one module in a file, with the keys they were found under. */
export interface ModuleTensors {
  module: string;
  embedding: boolean;
  a: SafetensorsTensor;
  b: SafetensorsTensor;
  aKey: string;
  bKey: string;
}

/**
 * Picks `module`'s A and B (linear/conv or embedding form) from its slots. Throws
 * ADAPTER_MISSING_TENSOR for a half pair, ADAPTER_UNEXPECTED_TENSOR for a module with both forms.
 */
export function pairTensors(module: string, slots: Partial<Record<Slot, SafetensorsTensor>>, suffixes: SlotSuffixes): ModuleTensors {
  const hasPlain = slots.A !== undefined || slots.B !== undefined;
  const hasEmbedding = slots.eA !== undefined || slots.eB !== undefined;
  if (hasPlain && hasEmbedding) {
    throw new MultiLoraError('ADAPTER_UNEXPECTED_TENSOR',
      `module "${module}" has both ${suffixes.A}/${suffixes.B} and ${suffixes.eA}/${suffixes.eB} tensors; ` +
      'a module is either an embedding or not: remove one pair.');
  }
  const embedding = !hasPlain;
  const [aSlot, bSlot]: Slot[] = embedding ? ['eA', 'eB'] : ['A', 'B'];
  const aKey = tensorKey(module, suffixes[aSlot]!);
  const bKey = tensorKey(module, suffixes[bSlot]!);
  const a = slots[aSlot];
  const b = slots[bSlot];
  if (!a || !b) {
    const [have, lack] = a ? [aKey, bKey] : [bKey, aKey];
    throw new MultiLoraError('ADAPTER_MISSING_TENSOR',
      `module "${module}": adapter_model.safetensors has "${have}" ${formatShape((a ?? b)!.shape)} but no "${lack}"; ` +
      'every module needs both A and B. The file is incomplete or was written by another tool.');
  }
  return { module, embedding, a, b, aKey, bKey };
}

/** Throws ADAPTER_SHAPE_MISMATCH with a message about `module` unless `ok`. */
export function shapeCheck(ok: boolean, module: string, message: () => string): asserts ok {
  if (!ok) throw new MultiLoraError('ADAPTER_SHAPE_MISMATCH', `module "${module}": ${message()}`);
}

/**
 * The module's rank r from the config (after `rank_pattern`), checked against the rank found in the
 * file; and its γ (after `alpha_pattern`, with rsLoRA).
 */
export function rankAndGamma(config: MultiLoraConfig, module: string, fileRank: number, aKey: string, aShape: readonly number[]): { r: number; gamma: number } {
  const r = patternValue(module, config.rankPattern, config.r);
  shapeCheck(fileRank === r, module, () =>
    `"${aKey}" ${formatShape(aShape)} has rank ${fileRank}, but adapter_config.json gives r = ${r}` +
    `${config.rankPattern ? ' (after rank_pattern)' : ''}; fix "r"/"rank_pattern" or the weights.`);
  const alpha = patternValue(module, config.alphaPattern, config.loraAlpha);
  return { r, gamma: loraScaling(alpha, r, config.useRslora) };
}
