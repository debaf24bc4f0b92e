import type { MultiLoraConfig } from '../config.js';
import { MultiLoraError } from '../errors.js';
import { tensorToFloat32 } from '../safetensors/convert.js';
import type { FloatDtype, SafetensorsFile, TensorToWrite } from '../safetensors/types.js';
import { pairTensors, rankAndGamma, shapeCheck } from './module-reader.js';
import { LORA_SUFFIXES, formatShape, groupTensors, tensorKey } from './tensor-keys.js';
import type { Adapter, AdapterModule } from './types.js';

/**
 * PEFT LoRA tensors of a plain-LoRA adapter (n = 1, every scale 1; see `toLoraAdapter`):
 * `lora_A.weight` [r, in] and `lora_B.weight` [out, r]; conv: [r, inC, kh, kw] and [out, r, 1, 1];
 * embeddings: `lora_embedding_A` [r, vocab] and `lora_embedding_B` [out, r].
 */
export function loraTensors(adapter: Adapter, dtype: FloatDtype = 'F32'): Record<string, TensorToWrite> {
  const tensors: Record<string, TensorToWrite> = {};
  for (const m of adapter.modules.values()) {
    if (m.n !== 1 || m.scaleMode !== 'module' || m.scale[0] !== 1) {
      throw new MultiLoraError('INVALID_CONFIG', `module "${m.name}" is not a plain LoRA (n = ${m.n}, scaleMode "${m.scaleMode}", ` +
        `scale ${m.scale[0]}); convert the adapter with toLoraAdapter before writing it as PEFT LoRA.`);
    }
    const embedding = m.kind === 'embedding';
    const ones = m.kind === 'conv' ? m.inShape.slice(1).map(() => 1) : [];
    tensors[tensorKey(m.name, embedding ? LORA_SUFFIXES.eA : LORA_SUFFIXES.A)] = { shape: [m.r, ...m.inShape], data: m.a, dtype };
    tensors[tensorKey(m.name, embedding ? LORA_SUFFIXES.eB : LORA_SUFFIXES.B)] = { shape: [m.outFeatures, m.r, ...ones], data: m.b, dtype };
  }
  return tensors;
}

/**
 * The modules of a PEFT LoRA file under its (already validated) config, as MultiLoRA modules with
 * n = 1 and scale 1: r and γ per module after `rank_pattern` / `alpha_pattern` and rsLoRA. A tensor with
 * more than two dims is a convolution (A [r, inC, ...kernel], B [out, r, 1, ...]). The file's bytes are
 * already in MultiLoRA's layout ([1, r, ...in] and [1, out, r]): only the dtype is converted.
 */
export function loraModules(file: SafetensorsFile, config: MultiLoraConfig): Map<string, AdapterModule> {
  const modules = new Map<string, AdapterModule>();
  for (const [name, slots] of groupTensors(file, LORA_SUFFIXES, 'PEFT LoRA')) {
    const { embedding, a, b, aKey, bKey } = pairTensors(name, slots, LORA_SUFFIXES);
    shapeCheck(a.shape.length === 2 || (!embedding && a.shape.length > 2), name, () =>
      `"${aKey}" has shape ${formatShape(a.shape)}; expected [r, ${embedding ? 'vocab' : 'in'}]${embedding ? '' : ' or [r, inChannels, kh, kw]'}.`);
    const [fileRank, ...inShape] = a.shape;
    const { r, gamma } = rankAndGamma(config, name, fileRank, aKey, a.shape);
    const out = b.shape[0];
    const expected = [out, r, ...inShape.slice(1).map(() => 1)];
    shapeCheck(formatShape(b.shape) === formatShape(expected), name, () =>
      `"${bKey}" has shape ${formatShape(b.shape)} but "${aKey}" ${formatShape(a.shape)} needs [${['out', ...expected.slice(1)].join(', ')}].`);
    modules.set(name, {
      name,
      kind: embedding ? 'embedding' : inShape.length === 1 ? 'linear' : 'conv',
      n: 1,
      r,
      inShape,
      inFeatures: inShape.reduce((p, d) => p * d, 1),
      outFeatures: out,
      scaleMode: 'module',
      gamma,
      a: tensorToFloat32(a, { copy: true }),
      b: tensorToFloat32(b, { copy: true }),
      scale: new Float32Array([1]),
    });
  }
  return modules;
}
