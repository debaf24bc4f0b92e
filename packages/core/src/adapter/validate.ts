import { loraScaling, resolveConfig } from '../config.js';
import { MultiLoraError } from '../errors.js';
import { patternValue } from '../targets.js';
import { shapeCheck } from './module-reader.js';
import { formatShape } from './tensor-keys.js';
import type { Adapter, AdapterModule } from './types.js';

function positiveInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}

/** Throws ADAPTER_NOT_FINITE naming the module, the array and the first offending index. */
function checkFinite(m: AdapterModule): void {
  const arrays = [['a', m.a], ['b', m.b], ['scale', m.scale]] as const;
  for (const [field, values] of arrays) {
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) {
        throw new MultiLoraError('ADAPTER_NOT_FINITE',
          `module "${m.name}": ${field}[${i}] is ${values[i]}; adapter weights must be finite. The adapter diverged in ` +
          'training or the file is corrupt: retrain with a lower learning rate, or load an earlier checkpoint.');
      }
    }
  }
}

/** Dimensions of one module against its own arrays and the adapter's config. */
function checkModule(adapter: Adapter, key: string, m: AdapterModule): void {
  const { config } = adapter;
  const name = m.name;
  shapeCheck(name === key, key, () => `is stored under "${key}" but its name is "${name}"; the map key must equal module.name.`);
  shapeCheck([m.n, m.r, m.outFeatures, ...m.inShape].every(positiveInteger), name, () =>
    `n = ${m.n}, r = ${m.r}, out = ${m.outFeatures}, inShape = ${formatShape(m.inShape)}; all must be positive integers.`);
  const dims = m.kind === 'conv' ? 'at least 2 dims [inChannels, ...kernel]' : '1 dim';
  shapeCheck(m.kind === 'conv' ? m.inShape.length >= 2 : m.inShape.length === 1, name, () =>
    `kind "${m.kind}" has inShape ${formatShape(m.inShape)}; expected ${dims}.`);
  const inF = m.inShape.reduce((p, d) => p * d, 1);
  shapeCheck(m.inFeatures === inF, name, () => `inFeatures is ${m.inFeatures} but inShape ${formatShape(m.inShape)} holds ${inF}.`);
  shapeCheck(m.n === config.n, name, () => `has n = ${m.n} but the adapter's config has n = ${config.n}.`);
  const r = patternValue(name, config.rankPattern, config.r);
  shapeCheck(m.r === r, name, () => `has r = ${m.r} but the config gives r = ${r}${config.rankPattern ? ' (after rankPattern)' : ''}.`);
  shapeCheck(m.scaleMode === config.scaleMode, name, () =>
    `has scaleMode "${m.scaleMode}" but the config has "${config.scaleMode}".`);
  const aShape = [m.n, m.r, ...m.inShape];
  const bShape = [m.n, m.outFeatures, m.r];
  const sShape = m.scaleMode === 'module' ? [m.n] : [m.n, m.outFeatures];
  for (const [field, values, shape] of [['a', m.a, aShape], ['b', m.b, bShape], ['scale', m.scale, sShape]] as const) {
    const size = shape.reduce((p, d) => p * d, 1);
    shapeCheck(values instanceof Float32Array && values.length === size, name, () =>
      `${field} has ${values?.length} values${values instanceof Float32Array ? '' : ' (not a Float32Array)'}; ` +
      `its shape ${formatShape(shape)} needs ${size} (a: [n, r, ...inShape], b: [n, out, r], scale: [n] or [n, out]).`);
  }
  const alpha = patternValue(name, config.alphaPattern, config.loraAlpha);
  const gamma = loraScaling(alpha, m.r, config.useRslora);
  if (!(Math.abs(m.gamma - gamma) <= 1e-9 * Math.abs(gamma))) {
    throw new MultiLoraError('INVALID_CONFIG',
      `module "${name}" has gamma ${m.gamma}, but the config (lora_alpha ${alpha}, r ${m.r}, rsLoRA ${config.useRslora}) gives ${gamma}; ` +
      'an adapter file records only the config, so set config.loraAlpha / alphaPattern to match the module.');
  }
}

/**
 * Checks that an in-memory adapter is consistent: a valid config (INVALID_CONFIG, as `resolveConfig`
 * reports it), every module's arrays against its n, r, inShape, out and scale mode and those against
 * the config (ADAPTER_SHAPE_MISMATCH, naming the module and the shapes), γ against the config
 * (INVALID_CONFIG), and finite weights (ADAPTER_NOT_FINITE). Returns the adapter.
 */
export function validateAdapter(adapter: Adapter): Adapter {
  resolveConfig(adapter.config);
  for (const [key, m] of adapter.modules) {
    checkModule(adapter, key, m);
    checkFinite(m);
  }
  return adapter;
}
