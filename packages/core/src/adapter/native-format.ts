import type { MultiLoraConfig } from '../config.js';
import { MultiLoraError } from '../errors.js';
import { tensorToFloat32 } from '../safetensors/convert.js';
import type { FloatDtype, SafetensorsFile, TensorToWrite } from '../safetensors/types.js';
import { pairTensors, rankAndGamma, shapeCheck } from './module-reader.js';
import { NATIVE_SUFFIXES, formatShape, groupTensors, tensorKey } from './tensor-keys.js';
import type { Adapter, AdapterModule } from './types.js';

/**
 * The native MultiLoRA tensors of `adapter`: `multilora_A.weight` [n, r, ...inShape],
 * `multilora_B.weight` [n, out, r], `multilora_scale` [n] or [n, out] (embeddings:
 * `multilora_embedding_A` / `multilora_embedding_B`). A and B are stored as `dtype`, scales as F32.
 */
export function nativeTensors(adapter: Adapter, dtype: FloatDtype = 'F32'): Record<string, TensorToWrite> {
  const tensors: Record<string, TensorToWrite> = {};
  for (const m of adapter.modules.values()) {
    const embedding = m.kind === 'embedding';
    tensors[tensorKey(m.name, embedding ? NATIVE_SUFFIXES.eA : NATIVE_SUFFIXES.A)] = { shape: [m.n, m.r, ...m.inShape], data: m.a, dtype };
    tensors[tensorKey(m.name, embedding ? NATIVE_SUFFIXES.eB : NATIVE_SUFFIXES.B)] = { shape: [m.n, m.outFeatures, m.r], data: m.b, dtype };
    const scaleShape = m.scaleMode === 'module' ? [m.n] : [m.n, m.outFeatures];
    tensors[tensorKey(m.name, NATIVE_SUFFIXES.scale)] = { shape: scaleShape, data: m.scale, dtype: 'F32' };
  }
  return tensors;
}

/**
 * The modules of a native MultiLoRA file under its (already validated) config. Checks every shape
 * against n, r (after `rank_pattern`) and `scale_mode`, and that each module has A, B and its scale.
 */
export function nativeModules(file: SafetensorsFile, config: MultiLoraConfig): Map<string, AdapterModule> {
  const modules = new Map<string, AdapterModule>();
  for (const [name, slots] of groupTensors(file, NATIVE_SUFFIXES, 'MultiLoRA')) {
    const { embedding, a, b, aKey, bKey } = pairTensors(name, slots, NATIVE_SUFFIXES);
    const scaleKey = tensorKey(name, NATIVE_SUFFIXES.scale);
    if (!slots.scale) {
      throw new MultiLoraError('ADAPTER_MISSING_TENSOR',
        `module "${name}": adapter_model.safetensors has "${aKey}" ${formatShape(a.shape)} and "${bKey}" ${formatShape(b.shape)} ` +
        `but no "${scaleKey}"; a MultiLoRA module needs its scales ([n] or [n, out]).`);
    }
    shapeCheck(a.shape.length === 3 || (!embedding && a.shape.length > 3), name, () =>
      `"${aKey}" has shape ${formatShape(a.shape)}; expected [n, r, ${embedding ? 'vocab' : 'in'}]${embedding ? '' : ' or [n, r, inChannels, kh, kw]'}.`);
    const [n, fileRank, ...inShape] = a.shape;
    shapeCheck(n === config.n, name, () =>
      `"${aKey}" ${formatShape(a.shape)} has n = ${n}, but adapter_config.json says n = ${config.n}.`);
    const { r, gamma } = rankAndGamma(config, name, fileRank, aKey, a.shape);
    shapeCheck(b.shape.length === 3 && b.shape[0] === n && b.shape[2] === r, name, () =>
      `"${bKey}" has shape ${formatShape(b.shape)} but "${aKey}" ${formatShape(a.shape)} needs [${n}, out, ${r}] (n = ${n}, r = ${r}).`);
    const out = b.shape[1];
    const scaleShape = config.scaleMode === 'module' ? [n] : [n, out];
    shapeCheck(formatShape(slots.scale.shape) === formatShape(scaleShape), name, () =>
      `"${scaleKey}" has shape ${formatShape(slots.scale!.shape)}; scale_mode "${config.scaleMode}" with "${bKey}" ` +
      `${formatShape(b.shape)} needs ${formatShape(scaleShape)}.`);
    modules.set(name, {
      name,
      kind: embedding ? 'embedding' : inShape.length === 1 ? 'linear' : 'conv',
      n,
      r,
      inShape,
      inFeatures: inShape.reduce((p, d) => p * d, 1),
      outFeatures: out,
      scaleMode: config.scaleMode,
      gamma,
      a: tensorToFloat32(a, { copy: true }),
      b: tensorToFloat32(b, { copy: true }),
      scale: tensorToFloat32(slots.scale, { copy: true }),
    });
  }
  return modules;
}
