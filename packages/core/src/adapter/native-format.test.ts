import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../safetensors/read.js';
import { parseAdapter, serializeAdapter } from './serialize.js';
import { MIXED_SPECS, deltaWeightErrors, randomAdapter, sameModule } from './testing.js';

describe('native MultiLoRA files', () => {
  it.each(['module', 'channel'] as const)('round-trip bit-exactly for linear, embedding and conv modules (%s scales)', (scaleMode) => {
    const adapter = randomAdapter({ n: 3, r: 4, loraAlpha: 6, scaleMode, useRslora: true, rankPattern: { conv1: 2 }, targetModules: ['q_proj'] }, MIXED_SPECS, 21);
    adapter.metadata = { peftType: 'MULTILORA', baseModelNameOrPath: 'org/base', taskType: 'CAUSAL_LM', extra: { note: 'kept' } };
    const files = serializeAdapter(adapter);
    const back = parseAdapter(files);
    expect(back.config).toEqual(adapter.config);
    expect(back.metadata).toEqual(adapter.metadata);
    expect([...back.modules.keys()].sort()).toEqual([...adapter.modules.keys()].sort());
    for (const [name, m] of adapter.modules) {
      const b = back.modules.get(name)!;
      expect(sameModule(b, m), name).toBe(true); // every field; A, B and scales bit for bit
    }
    expect(back.modules.get('vision.conv1')!.r).toBe(2);
  });

  it('writes the spec\'s keys and shapes; embeddings mirror PEFT\'s lora_embedding_A/B without ".weight"', () => {
    const adapter = randomAdapter({ n: 3, r: 4, scaleMode: 'channel' }, MIXED_SPECS, 3);
    const file = readSafetensors(serializeAdapter(adapter).weights);
    const shapes = Object.fromEntries([...file.tensors].map(([k, t]) => [k, [t.dtype, t.shape]]));
    const p = 'base_model.model.';
    expect(shapes).toEqual({
      [`${p}model.layers.0.self_attn.q_proj.multilora_A.weight`]: ['F32', [3, 4, 24]],
      [`${p}model.layers.0.self_attn.q_proj.multilora_B.weight`]: ['F32', [3, 20, 4]],
      [`${p}model.layers.0.self_attn.q_proj.multilora_scale`]: ['F32', [3, 20]],
      [`${p}model.embed_tokens.multilora_embedding_A`]: ['F32', [3, 4, 30]],
      [`${p}model.embed_tokens.multilora_embedding_B`]: ['F32', [3, 12, 4]],
      [`${p}model.embed_tokens.multilora_scale`]: ['F32', [3, 12]],
      [`${p}vision.conv1.multilora_A.weight`]: ['F32', [3, 4, 3, 3, 3]],
      [`${p}vision.conv1.multilora_B.weight`]: ['F32', [3, 10, 4]],
      [`${p}vision.conv1.multilora_scale`]: ['F32', [3, 10]],
    });
    expect(file.metadata).toEqual({ format: 'pt' });
    const config = serializeAdapter(adapter).config;
    expect(config).toContain('\n  "peft_type": "MULTILORA",\n');
  });

  it.each([
    ['BF16', 2 ** -8],
    ['F16', 2 ** -11],
  ] as const)('stores A and B as %s on request; ΔW stays within the dtype\'s precision of the float64 reference', (dtype, eps) => {
    const adapter = randomAdapter({ n: 2, r: 4, loraAlpha: 4 }, MIXED_SPECS, 8);
    const files = serializeAdapter(adapter, { dtype });
    const file = readSafetensors(files.weights);
    expect(file.tensors.get('base_model.model.vision.conv1.multilora_A.weight')!.dtype).toBe(dtype);
    expect(file.tensors.get('base_model.model.vision.conv1.multilora_scale')!.dtype).toBe('F32');
    const back = parseAdapter(files);
    // Rounding A and B each by ≤ eps relative gives ΔW within ~2·eps·√(depth) relative; bound 4·eps.
    for (const [name, err] of deltaWeightErrors(back, adapter)) {
      expect(err, name).toBeLessThan(4 * eps);
      expect(err, name).toBeGreaterThan(0);
    }
  });
});
