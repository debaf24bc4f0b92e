import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../safetensors/read.js';
import { toLoraAdapter } from './lora-export.js';
import { parseAdapter, serializeAdapter } from './serialize.js';
import { MIXED_SPECS, deltaWeightErrors, randomAdapter, sameModule } from './testing.js';

const FIXTURE = fileURLToPath(new URL('../../../../../shared/fixtures/peft-gpt2-lora/', import.meta.url));

/** Lossless means ΔW equal up to one float32 rounding of B: relative Frobenius error ≤ 1e-6. */
const LOSSLESS = 1e-6;

describe('toLoraAdapter (lossless MultiLoRA → LoRA)', () => {
  it.each([
    ['module', false],
    ['module', true],
    ['channel', false],
    ['channel', true],
  ] as const)('keeps ΔW within 1e-6 relative (Frobenius) of the float64 reference: %s scales, rsLoRA %s', (scaleMode, useRslora) => {
    const adapter = randomAdapter({ n: 3, r: 4, loraAlpha: 6, scaleMode, useRslora, alphaPattern: { embed_tokens: 20 } }, MIXED_SPECS, 31);
    const lora = toLoraAdapter(adapter);
    expect(lora.config).toMatchObject({ n: 1, r: 12, loraAlpha: 12, useRslora: false, scaleMode: 'module', init: 'lora' });
    expect(lora.config.alphaPattern).toBeUndefined();
    expect(lora.config.targetModules).toEqual(MIXED_SPECS.map((s) => s.name)); // unset → the adapted modules, never PEFT's defaults
    expect(lora.metadata.peftType).toBe('LORA');
    for (const m of lora.modules.values()) expect(m).toMatchObject({ n: 1, r: 12, gamma: 1, scale: new Float32Array([1]) });
    for (const [name, err] of deltaWeightErrors(lora, adapter)) expect(err, name).toBeLessThanOrEqual(LOSSLESS);
    // A is A_cat, unchanged.
    for (const [name, m] of adapter.modules) expect(lora.modules.get(name)!.a).toEqual(m.a);
  });

  it('the exported file is PEFT LoRA (keys, shapes, config) and parses back to the same ΔW', () => {
    const adapter = randomAdapter({ n: 2, r: 3, loraAlpha: 5, scaleMode: 'channel' }, MIXED_SPECS, 41);
    const files = serializeAdapter(adapter, { format: 'lora' });
    const config = JSON.parse(files.config);
    expect(config).toMatchObject({ peft_type: 'LORA', r: 6, lora_alpha: 6, use_rslora: false, rank_pattern: {}, alpha_pattern: {} });
    expect(config).not.toHaveProperty('n');
    const shapes = Object.fromEntries([...readSafetensors(files.weights).tensors].map(([k, t]) => [k.replace('base_model.model.', ''), t.shape]));
    expect(shapes).toEqual({
      'model.layers.0.self_attn.q_proj.lora_A.weight': [6, 24],
      'model.layers.0.self_attn.q_proj.lora_B.weight': [20, 6],
      'model.embed_tokens.lora_embedding_A': [6, 30],
      'model.embed_tokens.lora_embedding_B': [12, 6],
      'vision.conv1.lora_A.weight': [6, 3, 3, 3],
      'vision.conv1.lora_B.weight': [10, 6, 1, 1],
    });
    const back = parseAdapter(files);
    for (const [name, err] of deltaWeightErrors(back, adapter)) expect(err, name).toBeLessThanOrEqual(LOSSLESS);
  });

  it('modules whose rank differs get rank_pattern and alpha_pattern entries (γ\' = 1 everywhere)', () => {
    const adapter = randomAdapter({ n: 2, r: 4, loraAlpha: 8, useRslora: true, rankPattern: { conv1: 2, embed_tokens: 3 } }, MIXED_SPECS, 51);
    const lora = toLoraAdapter(adapter);
    expect(lora.config.rankPattern).toEqual({ 'model.embed_tokens': 6, 'vision.conv1': 4 });
    expect(lora.config.alphaPattern).toEqual(lora.config.rankPattern);
    const back = parseAdapter(serializeAdapter(adapter, { format: 'lora' }));
    const rg = (name: string) => [back.modules.get(name)!.r, back.modules.get(name)!.gamma];
    expect(MIXED_SPECS.map((s) => rg(s.name))).toEqual([[8, 1], [6, 1], [4, 1]]);
    for (const [name, err] of deltaWeightErrors(back, adapter)) expect(err, name).toBeLessThanOrEqual(LOSSLESS);
  });

  it('re-exporting an imported PEFT LoRA is the identity (the GPT-2 fixture: same config, tensors bit for bit)', () => {
    const adapter = parseAdapter({
      config: readFileSync(`${FIXTURE}adapter_config.json`),
      weights: new Uint8Array(readFileSync(`${FIXTURE}adapter_model.safetensors`)),
    });
    const lora = toLoraAdapter(adapter);
    expect(lora.config).toEqual(adapter.config);
    expect(lora.metadata).toEqual(adapter.metadata);
    for (const [name, m] of adapter.modules) {
      const e = lora.modules.get(name)!;
      expect(sameModule(e, m), name).toBe(true);
      expect(e.a === m.a).toBe(false); // a copy, not shared
    }
  });

  it('a plain LoRA made here (n = 1, init lora, alpha pattern, rsLoRA) also exports unchanged', () => {
    const adapter = randomAdapter({ n: 1, r: 4, loraAlpha: 3, init: 'lora', useRslora: true, alphaPattern: { q_proj: 7 }, targetModules: 'all-linear' }, MIXED_SPECS, 61);
    for (const m of adapter.modules.values()) m.scale.fill(1);
    const lora = toLoraAdapter(adapter);
    expect(lora.config).toEqual(adapter.config);
    for (const [name, m] of adapter.modules) expect(sameModule(lora.modules.get(name)!, m), name).toBe(true);
    const back = parseAdapter(serializeAdapter(adapter, { format: 'lora' }));
    for (const [name, m] of adapter.modules) expect(sameModule(back.modules.get(name)!, m), name).toBe(true);
  });
});
