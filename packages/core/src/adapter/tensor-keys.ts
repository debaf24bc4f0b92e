import { MultiLoraError } from '../errors.js';
import type { SafetensorsFile, SafetensorsTensor } from '../safetensors/types.js';

/** PEFT's prefix on every adapter tensor key: `base_model.model.<module>.<suffix>`. */
export const KEY_PREFIX = 'base_model.model.';

/** The roles a tensor plays for one module. `eA`/`eB` are the embedding forms of A and B. */
export type Slot = 'A' | 'B' | 'eA' | 'eB' | 'scale';

/** A format's key suffix per slot (a format without scales leaves `scale` out). */
export type SlotSuffixes = Partial<Record<Slot, string>>;

/** Native MultiLoRA keys; the embedding keys mirror PEFT's `lora_embedding_A/B` (no `.weight`). */
export const NATIVE_SUFFIXES = {
  A: 'multilora_A.weight',
  B: 'multilora_B.weight',
  eA: 'multilora_embedding_A',
  eB: 'multilora_embedding_B',
  scale: 'multilora_scale',
} as const satisfies SlotSuffixes;

/** PEFT LoRA keys, as PEFT's `get_peft_model_state_dict` writes them (ParameterDict entries carry no `.weight`). */
export const LORA_SUFFIXES = {
  A: 'lora_A.weight',
  B: 'lora_B.weight',
  eA: 'lora_embedding_A',
  eB: 'lora_embedding_B',
} as const satisfies SlotSuffixes;

/** The full key of `module`'s tensor with `suffix`. */
export function tensorKey(module: string, suffix: string): string {
  return `${KEY_PREFIX}${module}.${suffix}`;
}

/** `[a, b, c]`, for messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Groups a file's tensors by module and slot, in the order modules first appear. Any key that is not
 * `base_model.model.<module>.<suffix>` for one of `suffixes` throws ADAPTER_UNEXPECTED_TENSOR naming
 * the first few such keys and the form that was expected.
 */
export function groupTensors(file: SafetensorsFile, suffixes: SlotSuffixes, kind: string): Map<string, Partial<Record<Slot, SafetensorsTensor>>> {
  const groups = new Map<string, Partial<Record<Slot, SafetensorsTensor>>>();
  const unexpected: string[] = [];
  const entries = Object.entries(suffixes) as [Slot, string][];
  for (const [name, tensor] of file.tensors) {
    const hit = name.startsWith(KEY_PREFIX) ? entries.find(([, s]) => name.endsWith(`.${s}`) && name.length > KEY_PREFIX.length + s.length + 1) : undefined;
    if (!hit) {
      unexpected.push(name);
      continue;
    }
    const module = name.slice(KEY_PREFIX.length, name.length - hit[1].length - 1);
    const group = groups.get(module) ?? {};
    group[hit[0]] = tensor;
    groups.set(module, group);
  }
  if (unexpected.length > 0) {
    const shown = unexpected.slice(0, 5).map((n) => JSON.stringify(n)).join(', ');
    const more = unexpected.length > 5 ? ` and ${unexpected.length - 5} more` : '';
    throw new MultiLoraError('ADAPTER_UNEXPECTED_TENSOR',
      `adapter_model.safetensors has ${unexpected.length} tensor(s) that are not ${kind} adapter weights: ${shown}${more}. ` +
      `Expected keys ${Object.values(suffixes).map((s) => `"${KEY_PREFIX}<module>.${s}"`).join(', ')}; ` +
      'check that peft_type in adapter_config.json matches the weights file.');
  }
  return groups;
}
