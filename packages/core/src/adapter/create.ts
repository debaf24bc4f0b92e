import { resolveConfig, type MultiLoraConfig } from '../config.js';
import { MultiLoraError } from '../errors.js';
import { initModule, type ModuleSpec } from '../init.js';
import { formatShape } from './tensor-keys.js';
import type { Adapter, AdapterMetadata, AdapterModule } from './types.js';

function checkSpec(spec: ModuleSpec): void {
  const kind = spec.kind ?? 'linear';
  const dims = [...spec.inShape, spec.outFeatures];
  const ok = dims.every((d) => Number.isInteger(d) && d >= 1) && (kind === 'conv' ? spec.inShape.length >= 2 : spec.inShape.length === 1);
  if (!ok) {
    throw new MultiLoraError('ADAPTER_SHAPE_MISMATCH',
      `module spec "${spec.name}" (kind "${kind}") has inShape ${formatShape(spec.inShape)} and outFeatures ${spec.outFeatures}; ` +
      'expected positive integers with inShape [in] (linear), [vocab] (embedding) or [inChannels, kh, kw] (conv).');
  }
}

/**
 * A freshly initialised adapter: `config` resolved (defaults filled in, INVALID_CONFIG on a bad value)
 * and one module per spec, seeded per module name (see `initModule`). Module names must be unique.
 */
export function createAdapter(config: Partial<MultiLoraConfig>, specs: readonly ModuleSpec[], metadata: Partial<AdapterMetadata> = {}): Adapter {
  const resolved = resolveConfig(config);
  const modules = new Map<string, AdapterModule>();
  for (const spec of specs) {
    if (modules.has(spec.name)) {
      throw new MultiLoraError('INVALID_CONFIG', `module spec "${spec.name}" appears twice; each module name must be unique.`);
    }
    checkSpec(spec);
    modules.set(spec.name, initModule(resolved, spec));
  }
  return {
    config: resolved,
    modules,
    metadata: { ...metadata, peftType: metadata.peftType ?? 'MULTILORA', extra: { ...metadata.extra } },
  };
}
