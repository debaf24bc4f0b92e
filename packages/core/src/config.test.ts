import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, loraScaling, resolveConfig } from './config.js';
import type { MultiLoraConfig } from './config.js';
import { MultiLoraError } from './errors.js';

function errorOf(input: unknown): MultiLoraError {
  try {
    resolveConfig(input as Partial<MultiLoraConfig>);
  } catch (e) {
    expect(e).toBeInstanceOf(MultiLoraError);
    expect((e as MultiLoraError).code).toBe('INVALID_CONFIG');
    return e as MultiLoraError;
  }
  throw new Error(`resolveConfig accepted ${JSON.stringify(input)}`);
}

describe('resolveConfig defaults', () => {
  it('fills every default, with loraAlpha = r', () => {
    expect(resolveConfig()).toEqual({ n: 4, r: 8, loraAlpha: 8, useRslora: false, scaleMode: 'module', init: 'multilora', loraDropout: 0, seed: 0 });
    expect(resolveConfig({})).toEqual(resolveConfig());
    expect(DEFAULT_CONFIG.n).toBe(4);
  });

  it('defaults loraAlpha to the given r and keeps given values', () => {
    const c = resolveConfig({ n: 2, r: 16, scaleMode: 'channel', init: 'lora', loraDropout: 0.1, seed: -3, useRslora: true });
    expect(c).toMatchObject({ n: 2, r: 16, loraAlpha: 16, scaleMode: 'channel', init: 'lora', loraDropout: 0.1, seed: -3, useRslora: true });
    expect(resolveConfig({ r: 4, loraAlpha: 32 }).loraAlpha).toBe(32);
  });

  it('leaves optional fields absent when not given, copies lists and patterns when given', () => {
    const c = resolveConfig();
    for (const key of ['targetModules', 'excludeModules', 'rankPattern', 'alphaPattern']) expect(c).not.toHaveProperty(key);
    const targets = ['q_proj', 'v_proj'];
    const full = resolveConfig({ targetModules: targets, excludeModules: '.*lm_head', rankPattern: { q_proj: 4 }, alphaPattern: { 'layers\\.0\\..*': 2.5 } });
    expect(full.targetModules).toEqual(targets);
    expect(full.targetModules).not.toBe(targets);
    expect(full.excludeModules).toBe('.*lm_head');
    expect(full.rankPattern).toEqual({ q_proj: 4 });
    expect(full.alphaPattern).toEqual({ 'layers\\.0\\..*': 2.5 });
    expect(resolveConfig({ targetModules: 'all-linear' }).targetModules).toBe('all-linear');
  });
});

describe('resolveConfig validation names the field, the value and what is allowed', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ n: 0 }, /^config\.n is 0; expected a positive integer\.$/],
    [{ n: 2.5 }, /^config\.n is 2\.5; expected a positive integer\.$/],
    [{ n: '4' }, /^config\.n is "4"; expected a positive integer\.$/],
    [{ r: -1 }, /^config\.r is -1; expected a positive integer\.$/],
    [{ r: NaN }, /^config\.r is NaN; expected a positive integer\.$/],
    [{ loraAlpha: 0 }, /^config\.loraAlpha is 0; expected a finite number > 0\.$/],
    [{ loraAlpha: Infinity }, /^config\.loraAlpha is Infinity; expected a finite number > 0\.$/],
    [{ useRslora: 'yes' }, /^config\.useRslora is "yes"; expected true or false\.$/],
    [{ scaleMode: 'row' }, /^config\.scaleMode is "row"; expected "module" or "channel"\.$/],
    [{ init: 'pissa' }, /^config\.init is "pissa"; expected "multilora" or "lora"\.$/],
    [{ loraDropout: 1 }, /^config\.loraDropout is 1; expected a number in \[0, 1\)\.$/],
    [{ loraDropout: -0.1 }, /^config\.loraDropout is -0\.1; expected a number in \[0, 1\)\.$/],
    [{ loraDropout: NaN }, /^config\.loraDropout is NaN; expected a number in \[0, 1\)\.$/],
    [{ seed: 1.5 }, /^config\.seed is 1\.5; expected an integer\.$/],
    [{ targetModules: ['q_proj', ''] }, /^config\.targetModules is \["q_proj",""\]; expected a list of module names, a regular expression string, or "all-linear"\.$/],
    [{ targetModules: 5 }, /^config\.targetModules is 5; expected a list of module names/],
    [{ targetModules: '(q_proj' }, /^config\.targetModules is "\(q_proj"; expected a valid regular expression \(.+\)\.$/],
    [{ excludeModules: { a: 1 } }, /^config\.excludeModules is \{"a":1\}; expected a list of module names/],
    [{ rankPattern: ['q'] }, /^config\.rankPattern is \["q"\]; expected an object of module pattern → number\.$/],
    [{ rankPattern: { q_proj: 0 } }, /^config\.rankPattern\["q_proj"\] is 0; expected a positive integer\.$/],
    [{ alphaPattern: { v_proj: -2 } }, /^config\.alphaPattern\["v_proj"\] is -2; expected a finite number > 0\.$/],
    [{ n: () => 4 }, /^config\.n is function; expected a positive integer\.$/],
  ];
  for (const [input, message] of cases) {
    it(`${Object.keys(input)[0]}: ${String(Object.values(input)[0])}`, () => {
      expect(errorOf(input).message).toMatch(message);
    });
  }

  it('rejects a config that is not an object', () => {
    for (const bad of [null, 5, 'r=8', [1]]) expect(errorOf(bad).message).toMatch(/^config is .*; expected an object such as \{ n: 4, r: 8 \}\.$/);
  });

  it('rejects unknown keys with a "did you mean" and the list of known options', () => {
    expect(errorOf({ lora_alpha: 16 }).message).toMatch(/^config\.lora_alpha is not a MultiLoRA option; did you mean "loraAlpha"\? Known options: n, r, loraAlpha, /);
    expect(errorOf({ targetModule: ['q'] }).message).toMatch(/did you mean "targetModules"\?/);
    expect(errorOf({ lora_dropout: 0.1 }).message).toMatch(/did you mean "loraDropout"\?/);
    expect(errorOf({ use_rslora: true }).message).toMatch(/did you mean "useRslora"\?/);
    expect(errorOf({ rank: 4 }).message).toMatch(/did you mean "r"\?/);
    expect(errorOf({ alpha: 4 }).message).toMatch(/did you mean "loraAlpha"\?/);
    expect(errorOf({ constructor: 4 }).message).toMatch(/^config\.constructor is not a MultiLoRA option\. Known/);
  });

  it('gives no hint for a key close to nothing, and still ends the sentence', () => {
    expect(errorOf({ completelyDifferent: 1 }).message).toMatch(/^config\.completelyDifferent is not a MultiLoRA option\. Known options: n, r, .*alphaPattern\.$/);
  });
});

describe('loraScaling', () => {
  it('is alpha / r, or alpha / √r with rsLoRA (exact)', () => {
    expect(loraScaling(16, 8, false)).toBe(2);
    expect(loraScaling(16, 4, true)).toBe(8);
    expect(loraScaling(12, 9, true)).toBe(4);
    expect(loraScaling(1, 3, false)).toBe(1 / 3);
  });
});
