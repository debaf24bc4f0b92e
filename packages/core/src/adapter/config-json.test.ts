import { describe, expect, it } from 'vitest';
import { errorOf } from '../testing.js';
import { adapterConfigToJson, parseAdapterConfig } from './config-json.js';

const NATIVE = {
  peft_type: 'MULTILORA',
  r: 8,
  n: 4,
  lora_alpha: 16,
  use_rslora: true,
  scale_mode: 'channel',
  init: 'lora',
  target_modules: ['q_proj', 'v_proj'],
  exclude_modules: ['lm_head'],
  lora_dropout: 0.1,
  seed: 7,
  rank_pattern: { q_proj: 4 },
  alpha_pattern: { v_proj: 32 },
  base_model_name_or_path: 'org/model',
  task_type: 'CAUSAL_LM',
  my_tool_version: '1.2',
};

describe('parseAdapterConfig', () => {
  it('reads every MULTILORA field from snake_case and keeps unknown fields in metadata.extra', () => {
    const { config, metadata } = parseAdapterConfig(JSON.stringify(NATIVE));
    expect(config).toEqual({
      n: 4, r: 8, loraAlpha: 16, useRslora: true, scaleMode: 'channel', init: 'lora', targetModules: ['q_proj', 'v_proj'],
      excludeModules: ['lm_head'], loraDropout: 0.1, seed: 7, rankPattern: { q_proj: 4 }, alphaPattern: { v_proj: 32 },
    });
    expect(metadata).toEqual({ peftType: 'MULTILORA', baseModelNameOrPath: 'org/model', taskType: 'CAUSAL_LM', extra: { my_tool_version: '1.2' } });
  });

  it('writes a MULTILORA config that parses back to the same config and metadata (text, bytes and object input)', () => {
    const parsed = parseAdapterConfig(NATIVE);
    const json = adapterConfigToJson(parsed.config, parsed.metadata, 'multilora');
    expect(Object.keys(json)[0]).toBe('peft_type');
    expect(json).toEqual(NATIVE);
    expect(parseAdapterConfig(new TextEncoder().encode(JSON.stringify(json)))).toEqual(parsed);
  });

  it('reads a PEFT LORA config as n = 1, module scales, with PEFT defaults r = 8, lora_alpha = 8 and null/{} as absent', () => {
    const { config, metadata } = parseAdapterConfig({
      peft_type: 'LORA', target_modules: 'model.*proj', rank_pattern: {}, alpha_pattern: {}, exclude_modules: null,
      fan_in_fan_out: false, use_dora: false, bias: 'none', n: 3, eva_config: null,
    });
    expect(config).toEqual({ n: 1, r: 8, loraAlpha: 8, useRslora: false, scaleMode: 'module', init: 'lora', targetModules: 'model.*proj', loraDropout: 0, seed: 0 });
    expect(metadata).toEqual({ peftType: 'LORA', fanInFanOut: false, extra: { use_dora: false, bias: 'none', n: 3, eva_config: null } });
  });

  it('writes LORA configs with PEFT key names, sorted recursively as PEFT writes them, extras included', () => {
    const { config, metadata } = parseAdapterConfig({ peft_type: 'LORA', r: 4, lora_alpha: 8, rank_pattern: { z: 2, a: 4 }, zz: 1, corda_config: null });
    const json = adapterConfigToJson(config, metadata, 'lora');
    expect(Object.keys(json)).toEqual([...Object.keys(json)].sort());
    expect(Object.keys(json.rank_pattern as object)).toEqual(['a', 'z']);
    expect(json).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 8, use_rslora: false, target_modules: null, alpha_pattern: {}, zz: 1, corda_config: null });
    expect(errorOf(() => adapterConfigToJson({ ...config, n: 2 }, metadata, 'lora')).message).toMatch(/n = 1.*toLoraAdapter/);
  });

  it.each([
    ['use_dora', true],
    ['use_qalora', true],
    ['lora_bias', true],
    ['bias', 'lora_only'],
    ['modules_to_save', ['classifier']],
    ['trainable_token_indices', [1, 2]],
    ['alora_invocation_tokens', [5]],
    ['layer_replication', [[0, 4]]],
    ['target_parameters', ['experts.w1']],
  ])('rejects %s = %j with INVALID_CONFIG naming the field', (field, value) => {
    const e = errorOf(() => parseAdapterConfig({ peft_type: 'LORA', r: 8, [field]: value }));
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.message).toContain(`${field} is ${JSON.stringify(value)}`);
  });

  it('rejects bad input with INVALID_CONFIG: peft_type, JSON, UTF-8, missing n, resolveConfig errors in the file\'s own names', () => {
    expect(errorOf(() => parseAdapterConfig({ peft_type: 'LOHA', r: 8 })).message).toMatch(/peft_type is "LOHA"/);
    expect(errorOf(() => parseAdapterConfig({ r: 8 })).message).toMatch(/peft_type is undefined/);
    expect(errorOf(() => parseAdapterConfig('{"peft_type": ')).message).toMatch(/not valid JSON/);
    expect(errorOf(() => parseAdapterConfig(new Uint8Array([0x7b, 0xff, 0x7d]))).message).toMatch(/not valid UTF-8/);
    expect(errorOf(() => parseAdapterConfig('[1]')).message).toMatch(/expected a JSON object/);
    expect(errorOf(() => parseAdapterConfig({ peft_type: 'MULTILORA', r: 8 })).message).toMatch(/"n"/);
    const alpha = errorOf(() => parseAdapterConfig({ peft_type: 'LORA', r: 8, lora_alpha: -1 }));
    expect(alpha.code).toBe('INVALID_CONFIG');
    expect(alpha.message).toMatch(/^adapter_config\.json: lora_alpha is -1; expected a finite number > 0/);
    expect(errorOf(() => parseAdapterConfig({ peft_type: 'LORA', rank_pattern: { q: 0 } })).message).toMatch(/rank_pattern\["q"\] is 0/);
    expect(errorOf(() => parseAdapterConfig({ peft_type: 'LORA', fan_in_fan_out: 'yes' })).message).toMatch(/fan_in_fan_out/);
    expect(errorOf(() => parseAdapterConfig({ peft_type: 'LORA', task_type: 3 })).message).toMatch(/task_type is 3/);
  });
});
