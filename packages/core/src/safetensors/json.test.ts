import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonNonInteger, MAX_JSON_DEPTH, parseStrictJson, type JsonValue } from './json.js';
import { errorOf } from '../testing.js';

/** The plain JavaScript value of a parsed value (Maps → objects, non-integers → numbers), to compare with JSON.parse. */
function plain(v: JsonValue): unknown {
  if (v instanceof JsonNonInteger) return v.value;
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]));
  return v;
}

describe('parseStrictJson', () => {
  it('agrees with JSON.parse on 500 seeded random JSON documents (compact and indented)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.boolean(), (value, indent) => {
        const text = JSON.stringify(value, null, indent ? 2 : undefined);
        expect(plain(parseStrictJson(text))).toEqual(JSON.parse(text));
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('keeps keys in order as Maps, "__proto__" as an ordinary key, and marks numbers with a fraction or exponent', () => {
    const v = parseStrictJson('{"b":1,"__proto__":[1.0,2e3,-0,7],"a":"\\u00e9\\ud83d\\ude00\\n"}') as Map<string, JsonValue>;
    expect([...v.keys()]).toEqual(['b', '__proto__', 'a']);
    const [f, g, z, i] = v.get('__proto__') as JsonValue[];
    expect(f).toEqual(new JsonNonInteger('1.0', 1));
    expect(g).toEqual(new JsonNonInteger('2e3', 2000));
    expect(Object.is(z, -0)).toBe(true);
    expect(i).toBe(7);
    expect(v.get('a')).toBe('é😀\n');
  });

  it.each([
    ['top level', '{"x":1,"y":2,"x":3}', '"x" twice'],
    ['inside an entry', '{"t":{"dtype":"F32","shape":[1],"dtype":"F16"}}', '"dtype" twice inside "t"'],
    ['inside __metadata__', '{"__metadata__":{"k":"a","k":"b"}}', '"k" twice inside "__metadata__"'],
    ['deeply nested', '{"a":{"b":[{"c":1,"c":2}]}}', '"c" twice inside "a" → "b"'],
    ['equal after unescaping', '{"ab":1,"a\\u0062":2}', '"ab" twice'],
  ])('rejects a duplicate key %s with SAFETENSORS_DUPLICATE_NAME naming the key', (_where, text, named) => {
    const error = errorOf(() => parseStrictJson(text));
    expect(error.code).toBe('SAFETENSORS_DUPLICATE_NAME');
    expect(error.message).toContain(named);
  });

  it.each([
    ['empty', '', 'unexpected end'],
    ['trailing text', '{} x', 'after the end'],
    ['trailing comma', '{"a":1,}', 'string key'],
    ['byte-order mark', '\ufeff{}', 'expected a JSON value'],
    ['raw newline in a string', '{"a\nb":1}', 'control character'],
    ['lone high surrogate escape', '{"\\ud800":1}', 'unpaired surrogate'],
    ['lone low surrogate escape', '["\\udc00x"]', 'unpaired surrogate'],
    ['bad escape', '["\\x41"]', 'invalid escape'],
    ['short \\u escape', '["\\u12"]', 'four hex digits'],
    ['leading zero', '[01]', "expected ',' or ']'"],
    ['bare fraction', '[.5]', 'expected a JSON value'],
    ['missing exponent digits', '[1e]', "expected ',' or ']'"],
    ['NaN', '[NaN]', 'expected a JSON value'],
    ['single quotes', "{'a':1}", 'string key'],
    ['unterminated string', '{"abc', 'unterminated string'],
    ['unterminated object', '{"a":1', "expected ',' or '}'"],
    ['missing colon', '{"a" 1}', "expected ':'"],
  ])('rejects %s with SAFETENSORS_INVALID_JSON and a position', (_what, text, problem) => {
    const error = errorOf(() => parseStrictJson(text));
    expect(error.code).toBe('SAFETENSORS_INVALID_JSON');
    expect(error.message).toContain(problem);
    expect(error.message).toMatch(/at character \d+/);
  });

  it(`accepts nesting ${MAX_JSON_DEPTH} deep and rejects ${MAX_JSON_DEPTH + 1} (no stack overflow even at 100000)`, () => {
    const nest = (d: number) => '['.repeat(d) + ']'.repeat(d);
    expect(() => parseStrictJson(nest(MAX_JSON_DEPTH))).not.toThrow();
    expect(errorOf(() => parseStrictJson(nest(MAX_JSON_DEPTH + 1))).message).toContain('nested deeper');
    expect(errorOf(() => parseStrictJson(nest(100_000))).code).toBe('SAFETENSORS_INVALID_JSON');
  });

  it('parses a 1 MB safetensors-like header (≈ 8000 entries) in under 2 s (a loose bound: ≈ 30–100 ms here, on a shared machine)', () => {
    const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
    for (let i = 0; i < 8000; i++) {
      header[`base_model.model.layers.${i}.self_attn.q_proj.lora_A.weight`] = {
        dtype: 'F32',
        shape: [8, 4096],
        data_offsets: [i * 131072, (i + 1) * 131072],
      };
    }
    const text = JSON.stringify(header);
    expect(text.length).toBeGreaterThan(1_000_000);
    const t0 = performance.now();
    const parsed = parseStrictJson(text) as Map<string, JsonValue>;
    const ms = performance.now() - t0;
    expect(parsed.size).toBe(8001);
    expect(ms).toBeLessThan(2000);
  });
});
