import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../safetensors/read.js';
import { tensorToFloat32 } from '../safetensors/convert.js';
import type { FloatDtype } from '../safetensors/types.js';
import { writeSafetensors } from '../safetensors/write.js';
import { randomFloat64 } from '../testing.js';
import { parseAdapter, serializeAdapter } from './serialize.js';
import { sameBytes, sameModule } from './testing.js';

/** The real PEFT adapter, read from the shared fixtures beside the repository (never copied). */
const FIXTURE = fileURLToPath(new URL('../../../../../shared/fixtures/peft-gpt2-lora/', import.meta.url));
const fixtureConfig = JSON.parse(readFileSync(`${FIXTURE}adapter_config.json`, 'utf8')) as Record<string, unknown>;
const fixtureWeights = new Uint8Array(readFileSync(`${FIXTURE}adapter_model.safetensors`));

/** A PEFT-style file: `tensors` maps `<module>.<suffix>` to [shape, dtype], values seeded at random. */
function peftFile(config: object, tensors: Record<string, [number[], FloatDtype?]>) {
  const entries = Object.entries(tensors).map(([key, [shape, dtype]], i) => {
    const data = randomFloat64(shape.reduce((p, d) => p * d, 1), 100 + i);
    return [`base_model.model.${key}`, { shape, data, dtype: dtype ?? 'F32' }] as const;
  });
  return {
    files: { config: JSON.stringify({ peft_type: 'LORA', ...config }), weights: writeSafetensors(Object.fromEntries(entries)) },
    data: Object.fromEntries(entries.map(([k, t]) => [k, t.data])),
  };
}

describe('PEFT LoRA import: the real GPT-2 fixture', () => {
  const adapter = parseAdapter({ config: readFileSync(`${FIXTURE}adapter_config.json`), weights: fixtureWeights });

  it('has 36 modules (12 layers × c_attn, attn.c_proj, mlp.c_proj), r = 8, γ = 32/8 = 4, n = 1, scale 1', () => {
    expect(adapter.modules.size).toBe(36);
    const names = [...adapter.modules.keys()];
    for (let l = 0; l < 12; l++) {
      for (const s of ['attn.c_attn', 'attn.c_proj', 'mlp.c_proj']) expect(names).toContain(`transformer.h.${l}.${s}`);
    }
    expect(adapter.config).toMatchObject({ n: 1, r: 8, loraAlpha: 32, useRslora: false, scaleMode: 'module', targetModules: ['c_attn', 'c_proj'], loraDropout: 0.05 });
    for (const m of adapter.modules.values()) {
      expect(m).toMatchObject({ kind: 'linear', n: 1, r: 8, gamma: 4, scaleMode: 'module' });
      expect([...m.scale]).toEqual([1]);
    }
    expect(adapter.modules.get('transformer.h.3.attn.c_attn')).toMatchObject({ inShape: [768], outFeatures: 2304 });
    expect(adapter.modules.get('transformer.h.3.mlp.c_proj')).toMatchObject({ inShape: [3072], outFeatures: 768 });
  });

  it('keeps fan_in_fan_out, base model, task type and every unknown PEFT field', () => {
    expect(adapter.metadata).toMatchObject({ peftType: 'LORA', fanInFanOut: true, baseModelNameOrPath: 'gpt2', taskType: 'CAUSAL_LM' });
    for (const field of ['corda_config', 'eva_config', 'qalora_group_size', 'target_parameters', 'loftq_config', 'megatron_core', 'use_dora']) {
      expect(adapter.metadata.extra).toHaveProperty(field, fixtureConfig[field]);
    }
  });

  it('holds the file\'s float32 values bit for bit', () => {
    const raw = readSafetensors(fixtureWeights);
    const m = adapter.modules.get('transformer.h.11.mlp.c_proj')!;
    expect(sameBytes(m.a, tensorToFloat32(raw.tensors.get('base_model.model.transformer.h.11.mlp.c_proj.lora_A.weight')!))).toBe(true);
    expect(sameBytes(m.b, tensorToFloat32(raw.tensors.get('base_model.model.transformer.h.11.mlp.c_proj.lora_B.weight')!))).toBe(true);
    expect(m.a.length).toBe(8 * 3072);
  });

  it('written as "lora" and read back: identical tensors and the same adapter_config.json', () => {
    const files = serializeAdapter(adapter, { format: 'lora' });
    expect(JSON.parse(files.config)).toEqual(fixtureConfig);
    const raw = readSafetensors(fixtureWeights);
    const written = readSafetensors(files.weights);
    expect([...written.tensors.keys()].sort()).toEqual([...raw.tensors.keys()].sort());
    for (const [key, t] of raw.tensors) {
      const w = written.tensors.get(key)!;
      expect(w.shape, key).toEqual(t.shape);
      expect(sameBytes(w.bytes, t.bytes), key).toBe(true);
    }
    const back = parseAdapter(files);
    for (const [name, m] of adapter.modules) expect(sameModule(back.modules.get(name)!, m), name).toBe(true);
  });
});

describe('PEFT LoRA import: built files', () => {
  it('applies rank_pattern, alpha_pattern and rsLoRA per module (γ = α/√r)', () => {
    const { files } = peftFile(
      { r: 8, lora_alpha: 16, use_rslora: true, rank_pattern: { q_proj: 4 }, alpha_pattern: { '.*\\.v_proj': 2 } },
      {
        'layers.0.q_proj.lora_A.weight': [[4, 6]],
        'layers.0.q_proj.lora_B.weight': [[5, 4]],
        'layers.0.v_proj.lora_A.weight': [[8, 6]],
        'layers.0.v_proj.lora_B.weight': [[7, 8]],
        'layers.0.o_proj.lora_A.weight': [[8, 6]],
        'layers.0.o_proj.lora_B.weight': [[6, 8]],
      },
    );
    const adapter = parseAdapter(files);
    expect(adapter.modules.get('layers.0.q_proj')).toMatchObject({ r: 4, gamma: 16 / 2, outFeatures: 5 });
    expect(adapter.modules.get('layers.0.v_proj')).toMatchObject({ r: 8, gamma: 2 / Math.sqrt(8), outFeatures: 7 });
    expect(adapter.modules.get('layers.0.o_proj')).toMatchObject({ r: 8, gamma: 16 / Math.sqrt(8) });
  });

  it('reads embeddings (lora_embedding_A [r, vocab], lora_embedding_B [out, r]) and conv (B [out, r, 1, 1]) in MultiLoRA layout', () => {
    const { files, data } = peftFile({ r: 2, lora_alpha: 4 }, {
      'embed.lora_embedding_A': [[2, 9]],
      'embed.lora_embedding_B': [[5, 2]],
      'conv.lora_A.weight': [[2, 3, 3, 3]],
      'conv.lora_B.weight': [[4, 2, 1, 1]],
    });
    const adapter = parseAdapter(files);
    expect(adapter.modules.get('embed')).toMatchObject({ kind: 'embedding', inShape: [9], inFeatures: 9, outFeatures: 5, r: 2, gamma: 2 });
    const conv = adapter.modules.get('conv')!;
    expect(conv).toMatchObject({ kind: 'conv', inShape: [3, 3, 3], inFeatures: 27, outFeatures: 4 });
    expect(conv.b).toEqual(Float32Array.from(data['base_model.model.conv.lora_B.weight']));
    const written = readSafetensors(serializeAdapter(adapter, { format: 'lora' }).weights);
    expect(written.tensors.get('base_model.model.conv.lora_B.weight')!.shape).toEqual([4, 2, 1, 1]);
    expect(written.tensors.get('base_model.model.embed.lora_embedding_A')!.shape).toEqual([2, 9]);
  });

  it.each([
    ['F16', 2 ** -11],
    ['BF16', 2 ** -8],
    ['F64', 2 ** -24],
  ] as const)('converts %s weights to float32 (relative error ≤ %d against the float64 source)', (dtype, eps) => {
    const { files, data } = peftFile({ r: 3 }, { 'fc.lora_A.weight': [[3, 10], dtype], 'fc.lora_B.weight': [[4, 3], dtype] });
    const m = parseAdapter(files).modules.get('fc')!;
    const source = data['base_model.model.fc.lora_A.weight'];
    let worst = 0;
    for (let i = 0; i < source.length; i++) worst = Math.max(worst, Math.abs(m.a[i] - source[i]) / Math.abs(source[i]));
    expect(worst).toBeLessThanOrEqual(eps);
    if (dtype === 'F64') expect(m.a).toEqual(Float32Array.from(source));
  });
});
