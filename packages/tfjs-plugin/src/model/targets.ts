import { MultiLoraError, isTargeted, type MultiLoraConfig } from '@multilora/core';
import { SUPPORTED_CLASS_NAMES, kindOfBaseClass } from '../layers/kinds.js';
import type { LayerEntry } from './walk.js';

/** `name (Class)` for every layer, for messages that list what a model has. */
export function describeLayers(entries: readonly LayerEntry[]): string {
  return entries.length === 0 ? '(none)' : entries.map((e) => `${e.name} (${e.className}${e.isOutput ? ', output' : ''})`).join(', ');
}

function describeTargets(targets: MultiLoraConfig['targetModules']): string {
  return typeof targets === 'string' ? `the regular expression ${JSON.stringify(targets)}` : JSON.stringify(targets);
}

/**
 * The layers `config` adapts. Without `targetModules`: every Dense, Embedding and Conv2D layer except
 * the model's output layer(s); `'all-linear'`: every Dense layer except the output; a list or regular
 * expression: the layers it matches (PEFT's rules), output layers included. `excludeModules` removes
 * matches. Throws TARGET_NOT_FOUND (listing the model's layers) when nothing matches, and
 * UNSUPPORTED_LAYER when an explicit target is of a type that cannot be adapted.
 */
export function selectTargets(entries: readonly LayerEntry[], config: MultiLoraConfig): LayerEntry[] {
  const linearOnly = config.targetModules === 'all-linear';
  const isDefault = (e: LayerEntry) => !e.isOutput && (linearOnly ? e.className === 'Dense' : kindOfBaseClass(e.className) !== undefined);
  const targets = entries.filter((e) => isTargeted(e.name, config, () => isDefault(e)));
  const unsupported = targets.filter((e) => kindOfBaseClass(e.className) === undefined);
  if (unsupported.length > 0) {
    throw new MultiLoraError('UNSUPPORTED_LAYER',
      `targetModules ${describeTargets(config.targetModules)} matches ${unsupported.map((e) => `"${e.name}" (${e.className})`).join(', ')}, ` +
      `which MultiLoRA cannot adapt; supported layer types: ${SUPPORTED_CLASS_NAMES}. Narrow targetModules or add the layer to excludeModules.`);
  }
  if (targets.length === 0) {
    const what = config.targetModules === undefined || linearOnly
      ? `the default targets (${linearOnly ? 'Dense' : SUPPORTED_CLASS_NAMES} layers except the output layer)`
      : `targetModules ${describeTargets(config.targetModules)}`;
    throw new MultiLoraError('TARGET_NOT_FOUND',
      `${what} matched no layer of the model. Its layers are: ${describeLayers(entries)}. ` +
      'Target layers by these names (a list entry matches a name or its last dotted parts; a string is a regular expression over the whole name).');
  }
  return targets;
}
