import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../safetensors/write.js';
import { errorOf, randomFloat32 } from '../testing.js';
import { parseAdapter } from './serialize.js';
import { MIXED_SPECS, randomAdapter } from './testing.js';
import { validateAdapter } from './validate.js';

const NATIVE_CONFIG = { peft_type: 'MULTILORA', n: 2, r: 3, lora_alpha: 6 };
const P = 'base_model.model.';

/** An adapter file pair with seeded random tensors; `poke` may change the data before writing. */
function files(config: object, shapes: Record<string, number[]>, poke?: (key: string, data: Float32Array) => void) {
  const tensors = Object.fromEntries(Object.entries(shapes).map(([key, shape], i) => {
    const data = randomFloat32(shape.reduce((p, d) => p * d, 1), 7 + i);
    poke?.(key, data);
    return [P + key, { shape, data }];
  }));
  return { config: JSON.stringify(config), weights: writeSafetensors(tensors) };
}

/** A consistent native module `m` (n = 2, r = 3, in 5, out 4) with `change` applied to its shapes. */
function native(change: Record<string, number[] | undefined> = {}, config: object = NATIVE_CONFIG) {
  const shapes: Record<string, number[] | undefined> = {
    'm.multilora_A.weight': [2, 3, 5],
    'm.multilora_B.weight': [2, 4, 3],
    'm.multilora_scale': [2],
    ...change,
  };
  return files(config, Object.fromEntries(Object.entries(shapes).filter((e): e is [string, number[]] => e[1] !== undefined)));
}

describe('parseAdapter rejects inconsistent files, naming module and shapes', () => {
  it('accepts the consistent baseline', () => {
    expect(parseAdapter(native()).modules.get('m')).toMatchObject({ n: 2, r: 3, outFeatures: 4, gamma: 2 });
  });

  it.each([
    ['B rank ≠ A rank', { 'm.multilora_B.weight': [2, 4, 5] }, /module "m": "base_model\.model\.m\.multilora_B\.weight" has shape \[2, 4, 5\] but .*\[2, 3, 5\] needs \[2, out, 3\]/],
    ['B n ≠ A n', { 'm.multilora_B.weight': [3, 4, 3] }, /\[3, 4, 3\] but .*\[2, 3, 5\]/],
    ['A n ≠ config n', { 'm.multilora_A.weight': [3, 3, 5] }, /module "m": .*\[3, 3, 5\] has n = 3, but adapter_config\.json says n = 2/],
    ['A rank ≠ config r', { 'm.multilora_A.weight': [2, 4, 5], 'm.multilora_B.weight': [2, 4, 4] }, /\[2, 4, 5\] has rank 4, but adapter_config\.json gives r = 3/],
    ['scale length ≠ n', { 'm.multilora_scale': [3] }, /module "m": .*multilora_scale" has shape \[3\]; scale_mode "module" with .*\[2, 4, 3\] needs \[2\]/],
    ['A with one dim too few', { 'm.multilora_A.weight': [2, 3] }, /has shape \[2, 3\]; expected \[n, r, in\]/],
  ])('%s → ADAPTER_SHAPE_MISMATCH', (_, change, message) => {
    const e = errorOf(() => parseAdapter(native(change)));
    expect(e.code).toBe('ADAPTER_SHAPE_MISMATCH');
    expect(e.message).toMatch(message);
  });

  it('channel mode needs scales [n, out]', () => {
    const e = errorOf(() => parseAdapter(native({}, { ...NATIVE_CONFIG, scale_mode: 'channel' })));
    expect(e.code).toBe('ADAPTER_SHAPE_MISMATCH');
    expect(e.message).toMatch(/has shape \[2\]; scale_mode "channel" with .*\[2, 4, 3\] needs \[2, 4\]/);
  });

  it.each([
    ['A without B', { 'm.multilora_B.weight': undefined }, /module "m": .*"base_model\.model\.m\.multilora_A\.weight" \[2, 3, 5\] but no "base_model\.model\.m\.multilora_B\.weight"/],
    ['B without A', { 'm.multilora_A.weight': undefined }, /has "base_model\.model\.m\.multilora_B\.weight" \[2, 4, 3\] but no ".*multilora_A\.weight"/],
    ['no scale', { 'm.multilora_scale': undefined }, /module "m": .*\[2, 3, 5\] and .*\[2, 4, 3\] but no "base_model\.model\.m\.multilora_scale"/],
  ])('%s → ADAPTER_MISSING_TENSOR', (_, change, message) => {
    const e = errorOf(() => parseAdapter(native(change)));
    expect(e.code).toBe('ADAPTER_MISSING_TENSOR');
    expect(e.message).toMatch(message);
  });

  it('a file without tensors → ADAPTER_MISSING_TENSOR', () => {
    expect(errorOf(() => parseAdapter(files(NATIVE_CONFIG, {}))).code).toBe('ADAPTER_MISSING_TENSOR');
  });

  it('unexpected tensors → ADAPTER_UNEXPECTED_TENSOR listing the first five and a count', () => {
    const extra = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`m.extra_${i}`, [2]]));
    const e = errorOf(() => parseAdapter(native(extra)));
    expect(e.code).toBe('ADAPTER_UNEXPECTED_TENSOR');
    expect(e.message).toMatch(/7 tensor\(s\) .*"base_model\.model\.m\.extra_0".*"base_model\.model\.m\.extra_4" and 2 more/);
    expect(e.message).not.toContain('extra_5');
    const lora = errorOf(() => parseAdapter(native({ 'q.lora_A.weight': [3, 5] })));
    expect(lora.message).toMatch(/lora_A\.weight.*peft_type/);
    const both = errorOf(() => parseAdapter(native({ 'm.multilora_embedding_B': [2, 4, 3] })));
    expect(both.code).toBe('ADAPTER_UNEXPECTED_TENSOR');
    expect(both.message).toMatch(/module "m" has both/);
  });

  it('a config that is not valid → INVALID_CONFIG (resolveConfig\'s message, in the file\'s names)', () => {
    const e = errorOf(() => parseAdapter(native({}, { ...NATIVE_CONFIG, scale_mode: 'row' })));
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.message).toMatch(/scale_mode is "row"; expected "module" or "channel"/);
  });

  it.each([
    ['NaN in B', 'm.multilora_B.weight', Number.NaN, /module "m": b\[5\] is NaN/],
    ['Infinity in A', 'm.multilora_A.weight', Number.POSITIVE_INFINITY, /module "m": a\[5\] is Infinity/],
    ['-Infinity in the scale', 'm.multilora_scale', Number.NEGATIVE_INFINITY, /module "m": scale\[1\] is -Infinity/],
  ])('%s → ADAPTER_NOT_FINITE naming module, array and index', (_, key, value, message) => {
    const f = files(NATIVE_CONFIG, { 'm.multilora_A.weight': [2, 3, 5], 'm.multilora_B.weight': [2, 4, 3], 'm.multilora_scale': [2] },
      (k, data) => { if (k === key) data[Math.min(5, data.length - 1)] = value; });
    const e = errorOf(() => parseAdapter(f));
    expect(e.code).toBe('ADAPTER_NOT_FINITE');
    expect(e.message).toMatch(message);
  });

  it.each([
    ['B rank ≠ A rank', {}, { 'm.lora_A.weight': [3, 5], 'm.lora_B.weight': [4, 2] }, /"base_model\.model\.m\.lora_B\.weight" has shape \[4, 2\] but .*\[3, 5\] needs \[out, 3\]/],
    ['conv B not 1×1', {}, { 'm.lora_A.weight': [3, 2, 3, 3], 'm.lora_B.weight': [4, 3, 3, 3] }, /has shape \[4, 3, 3, 3\] but .*\[3, 2, 3, 3\] needs \[out, 3, 1, 1\]/],
    ['rank ≠ rank_pattern', { rank_pattern: { m: 2 } }, { 'm.lora_A.weight': [3, 5], 'm.lora_B.weight': [4, 3] }, /\[3, 5\] has rank 3, but adapter_config\.json gives r = 2 \(after rank_pattern\)/],
  ])('PEFT LoRA: %s → ADAPTER_SHAPE_MISMATCH', (_, config, shapes, message) => {
    const e = errorOf(() => parseAdapter(files({ peft_type: 'LORA', r: 3, ...config }, shapes)));
    expect(e.code).toBe('ADAPTER_SHAPE_MISMATCH');
    expect(e.message).toMatch(/^module "m": /);
    expect(e.message).toMatch(message);
  });
});

describe('validateAdapter (in memory)', () => {
  const fresh = () => randomAdapter({ n: 2, r: 3, scaleMode: 'channel' }, MIXED_SPECS, 9);

  it('accepts a consistent adapter and returns it', () => {
    const adapter = fresh();
    expect(validateAdapter(adapter)).toBe(adapter);
  });

  it.each([
    ['b too short', 'ADAPTER_SHAPE_MISMATCH', (a: ReturnType<typeof fresh>) => { const m = a.modules.get('vision.conv1')!; m.b = m.b.subarray(1); }, /module "vision\.conv1": b has 59 values; its shape \[2, 10, 3\] needs 60/],
    ['scale in module layout under channel mode', 'ADAPTER_SHAPE_MISMATCH', (a: ReturnType<typeof fresh>) => { a.modules.get('model.embed_tokens')!.scale = new Float32Array(2); }, /scale has 2 values; its shape \[2, 12\] needs 24/],
    ['module n ≠ config n', 'ADAPTER_SHAPE_MISMATCH', (a: ReturnType<typeof fresh>) => { a.config = { ...a.config, n: 3 }; }, /has n = 2 but the adapter's config has n = 3/],
    ['inFeatures ≠ ∏ inShape', 'ADAPTER_SHAPE_MISMATCH', (a: ReturnType<typeof fresh>) => { a.modules.get('vision.conv1')!.inFeatures = 9; }, /inFeatures is 9 but inShape \[3, 3, 3\] holds 27/],
    ['map key ≠ name', 'ADAPTER_SHAPE_MISMATCH', (a: ReturnType<typeof fresh>) => { a.modules.set('other', a.modules.get('vision.conv1')!); }, /stored under "other" but its name is "vision\.conv1"/],
    ['γ ≠ config', 'INVALID_CONFIG', (a: ReturnType<typeof fresh>) => { a.modules.get('vision.conv1')!.gamma = 3; }, /module "vision\.conv1" has gamma 3, but the config .* gives 1/],
    ['bad config', 'INVALID_CONFIG', (a: ReturnType<typeof fresh>) => { a.config = { ...a.config, loraDropout: 2 }; }, /loraDropout is 2/],
    ['NaN weight', 'ADAPTER_NOT_FINITE', (a: ReturnType<typeof fresh>) => { a.modules.get('model.embed_tokens')!.a[17] = Number.NaN; }, /module "model\.embed_tokens": a\[17\] is NaN/],
  ] as const)('%s → %s', (_, code, change, message) => {
    const adapter = fresh();
    change(adapter);
    const e = errorOf(() => validateAdapter(adapter));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });
});
