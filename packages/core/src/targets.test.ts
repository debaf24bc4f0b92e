import { describe, expect, it, vi } from 'vitest';
import { MultiLoraError } from './errors.js';
import { isTargeted, matchesModule, patternValue } from './targets.js';

describe('matchesModule with a list (PEFT: equal, or ends with "." + entry)', () => {
  const list = ['q_proj', 'self_attn.v_proj'];
  const cases: [string, boolean][] = [
    ['q_proj', true],
    ['model.layers.0.self_attn.q_proj', true],
    ['model.layers.0.self_attn.xq_proj', false], // suffix without the dot
    ['model.layers.0.q_proj.lora', false], // entry in the middle
    ['model.layers.0.self_attn.v_proj', true], // dotted entry as a suffix
    ['model.layers.0.cross_attn.v_proj', false],
    ['self_attn.v_proj', true],
    ['v_proj', false],
    ['proj', false],
  ];
  for (const [name, expected] of cases) {
    it(`${name} → ${expected}`, () => expect(matchesModule(name, list)).toBe(expected));
  }

  it('an empty list matches nothing', () => expect(matchesModule('q_proj', [])).toBe(false));
});

describe('matchesModule with a string (a regular expression over the whole name)', () => {
  it('must match the whole name, not a part of it', () => {
    expect(matchesModule('model.layers.0.q_proj', 'q_proj')).toBe(false);
    expect(matchesModule('q_proj', 'q_proj')).toBe(true);
    expect(matchesModule('model.layers.0.q_proj', '.*q_proj')).toBe(true);
    expect(matchesModule('model.layers.0.q_proj_extra', '.*q_proj')).toBe(false);
  });

  it('anchors every alternative of an alternation', () => {
    expect(matchesModule('q_proj', 'q_proj|.*\\.v_proj')).toBe(true);
    expect(matchesModule('a.v_proj', 'q_proj|.*\\.v_proj')).toBe(true);
    expect(matchesModule('x.q_proj', 'q_proj|.*\\.v_proj')).toBe(false);
    expect(matchesModule('a.v_proj.b', 'q_proj|.*\\.v_proj')).toBe(false);
  });

  it('selects layers by index', () => {
    const re = '.*layers\\.(0|1)\\.self_attn\\.(q|v)_proj';
    expect(matchesModule('model.layers.1.self_attn.v_proj', re)).toBe(true);
    expect(matchesModule('model.layers.10.self_attn.v_proj', re)).toBe(false);
    expect(matchesModule('model.layers.0.self_attn.k_proj', re)).toBe(false);
  });

  it('"all-linear" matches nothing here (the plugin decides)', () => {
    expect(matchesModule('dense', 'all-linear')).toBe(false);
    expect(matchesModule('all-linear', 'all-linear')).toBe(false);
  });

  it('an invalid regular expression is a MultiLoraError naming it', () => {
    expect(() => matchesModule('q', '(q')).toThrow(MultiLoraError);
    expect(() => matchesModule('q', '(q')).toThrow(/target pattern "\(q" is not a valid regular expression/);
  });
});

describe('isTargeted', () => {
  it('follows targetModules and never calls the default when they are given', () => {
    const isDefault = vi.fn(() => true);
    expect(isTargeted('m.q_proj', { targetModules: ['q_proj'] }, isDefault)).toBe(true);
    expect(isTargeted('m.k_proj', { targetModules: ['q_proj'] }, isDefault)).toBe(false);
    expect(isDefault).not.toHaveBeenCalled();
  });

  it('asks isDefaultTarget when targets are unset or "all-linear"', () => {
    expect(isTargeted('dense', {}, () => true)).toBe(true);
    expect(isTargeted('dense', {}, () => false)).toBe(false);
    expect(isTargeted('dense', { targetModules: 'all-linear' }, () => true)).toBe(true);
  });

  it('excludeModules wins over targets and over the default (list and regex)', () => {
    expect(isTargeted('layers.0.q_proj', { targetModules: ['q_proj'], excludeModules: ['layers.0.q_proj'] }, () => true)).toBe(false);
    expect(isTargeted('layers.1.q_proj', { targetModules: ['q_proj'], excludeModules: ['layers.0.q_proj'] }, () => true)).toBe(true);
    expect(isTargeted('lm_head', { excludeModules: '.*head' }, () => true)).toBe(false);
    expect(isTargeted('model.lm_head', { targetModules: '.*', excludeModules: ['lm_head'] }, () => true)).toBe(false);
  });
});

describe('patternValue (PEFT rank_pattern / alpha_pattern)', () => {
  const patterns = { 'layers.0.q_proj': 4, v_proj: 16, '.*\\.1\\.k_proj': 2 };
  it('matches a key equal to the name or ending with "." + key', () => {
    expect(patternValue('model.layers.0.q_proj', patterns, 8)).toBe(4);
    expect(patternValue('model.layers.3.v_proj', patterns, 8)).toBe(16);
    expect(patternValue('v_proj', patterns, 8)).toBe(16);
    expect(patternValue('model.layers.3.xv_proj', patterns, 8)).toBe(8);
  });

  it('tries keys as regular expressions over the whole name, after an optional dotted prefix', () => {
    expect(patternValue('model.layers.1.k_proj', patterns, 8)).toBe(2);
    expect(patternValue('model.layers.11.k_proj', patterns, 8)).toBe(8);
  });

  it('returns the fallback when nothing matches or there are no patterns, and the first match wins', () => {
    expect(patternValue('model.layers.0.o_proj', patterns, 8)).toBe(8);
    expect(patternValue('q_proj', undefined, 3)).toBe(3);
    expect(patternValue('a.b', { b: 1, 'a\\.b': 2 }, 0)).toBe(1);
  });

  it('a key that is not a valid regular expression matches by name only', () => {
    expect(patternValue('m.proj(', { 'proj(': 5 }, 1)).toBe(5);
    expect(patternValue('m.other', { 'proj(': 5 }, 1)).toBe(1);
  });
});
