/**
 * A strict JSON parser for safetensors headers. `JSON.parse` silently keeps the last of two equal keys;
 * this parser rejects duplicate keys at every level, and it is as strict as the reference reader
 * (serde_json): no BOM, no trailing garbage, no raw control characters or lone surrogates in strings,
 * nesting at most 128 deep. Objects become `Map`s (so a key such as `__proto__` is just a key).
 */
import { MultiLoraError } from '../errors.js';

/** A number written with a fraction or an exponent (`1.0`, `2e3`): kept apart from plain integers. */
export class JsonNonInteger {
  /** @param text the number as written; @param value its value */
  constructor(
    readonly text: string,
    readonly value: number,
  ) {}
}

/** A parsed JSON value. Numbers written as plain integers are `number`s; others are {@link JsonNonInteger}. */
export type JsonValue = null | boolean | number | string | JsonNonInteger | JsonValue[] | JsonObject;

/** A parsed JSON object, keys in the order written. */
export type JsonObject = Map<string, JsonValue>;

/** The deepest nesting of arrays and objects accepted (serde_json's default recursion limit). */
export const MAX_JSON_DEPTH = 128;

/**
 * Parses `text` as one JSON value. Throws MultiLoraError `SAFETENSORS_INVALID_JSON` for malformed text
 * and `SAFETENSORS_DUPLICATE_NAME` for a key that appears twice in one object; messages give the
 * character position and the path of the offending key. `text` is expected to be well-formed UTF-16, as
 * decoded UTF-8 always is; unpaired surrogates written as `\u` escapes are rejected.
 */
export function parseStrictJson(text: string): JsonValue {
  return new Parser(text).parseDocument();
}

const TAB = 9;
const NEWLINE = 10;
const RETURN = 13;
const SPACE = 32;
const QUOTE = 34;
const COMMA = 44;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;
const COLON = 58;
const OPEN_BRACKET = 91;
const BACKSLASH = 92;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

const SIMPLE_ESCAPES = new Map([
  ['"', '"'],
  ['\\', '\\'],
  ['/', '/'],
  ['b', '\b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
]);

class Parser {
  private pos = 0;
  /** Keys from the root to the value being parsed, for messages. */
  private readonly path: string[] = [];

  constructor(private readonly text: string) {}

  parseDocument(): JsonValue {
    this.skipWhitespace();
    const value = this.parseValue(0);
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail('unexpected text after the end of the JSON value');
    return value;
  }

  private parseValue(depth: number): JsonValue {
    const c = this.text.charCodeAt(this.pos);
    if (c === OPEN_BRACE) return this.parseObject(depth + 1);
    if (c === OPEN_BRACKET) return this.parseArray(depth + 1);
    if (c === QUOTE) return this.parseString();
    if (c === MINUS || (c >= ZERO && c <= NINE)) return this.parseNumber();
    if (this.text.startsWith('true', this.pos)) return this.literal(4, true);
    if (this.text.startsWith('false', this.pos)) return this.literal(5, false);
    if (this.text.startsWith('null', this.pos)) return this.literal(4, null);
    return this.fail(this.pos < this.text.length ? 'expected a JSON value' : 'unexpected end of the header');
  }

  private literal<T>(length: number, value: T): T {
    this.pos += length;
    return value;
  }

  private parseObject(depth: number): JsonObject {
    this.checkDepth(depth);
    const object: JsonObject = new Map();
    this.pos++;
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === CLOSE_BRACE) {
      this.pos++;
      return object;
    }
    for (;;) {
      if (this.text.charCodeAt(this.pos) !== QUOTE) this.fail('expected a string key');
      const keyStart = this.pos;
      const key = this.parseString();
      if (object.has(key)) {
        const where = this.path.length ? ` inside ${this.path.map((k) => JSON.stringify(k)).join(' → ')}` : '';
        throw new MultiLoraError(
          'SAFETENSORS_DUPLICATE_NAME',
          `safetensors header has the key ${JSON.stringify(key)} twice${where} (second at character ${keyStart}); ` +
            'every tensor name and every key must be unique: rewrite the file with a conforming writer',
        );
      }
      this.skipWhitespace();
      this.expect(COLON, "':' after a key");
      this.skipWhitespace();
      this.path.push(key);
      object.set(key, this.parseValue(depth));
      this.path.pop();
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos++);
      if (c === CLOSE_BRACE) return object;
      if (c !== COMMA) this.fail("expected ',' or '}'", this.pos - 1);
      this.skipWhitespace();
    }
  }

  private parseArray(depth: number): JsonValue[] {
    this.checkDepth(depth);
    const array: JsonValue[] = [];
    this.pos++;
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === CLOSE_BRACKET) {
      this.pos++;
      return array;
    }
    for (;;) {
      array.push(this.parseValue(depth));
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos++);
      if (c === CLOSE_BRACKET) return array;
      if (c !== COMMA) this.fail("expected ',' or ']'", this.pos - 1);
      this.skipWhitespace();
    }
  }

  private parseString(): string {
    const text = this.text;
    const start = ++this.pos;
    // Fast path: no escapes. Raw surrogates come from the UTF-8 decoder and are always paired.
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        this.pos = i + 1;
        return text.slice(start, i);
      }
      if (c === BACKSLASH) break;
      if (c < 0x20) this.fail('raw control character in a string (escape it)', i);
    }
    return this.parseEscapedString(start);
  }

  private parseEscapedString(start: number): string {
    const text = this.text;
    let out = '';
    let i = start;
    for (;;) {
      if (i >= text.length) this.fail('unterminated string', start - 1);
      const c = text.charCodeAt(i);
      if (c === QUOTE) break;
      if (c < 0x20) this.fail('raw control character in a string (escape it)', i);
      if (c !== BACKSLASH) {
        out += text[i++];
        continue;
      }
      const e = text[i + 1];
      if (e === 'u') {
        out += String.fromCharCode(this.hex4(i + 2));
        i += 6;
      } else if (e !== undefined && SIMPLE_ESCAPES.has(e)) {
        out += SIMPLE_ESCAPES.get(e);
        i += 2;
      } else {
        this.fail('invalid escape sequence in a string', i);
      }
    }
    if (LONE_SURROGATE.test(out)) this.fail('string contains an unpaired surrogate escape', start);
    this.pos = i + 1;
    return out;
  }

  private hex4(at: number): number {
    const digits = this.text.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) this.fail('\\u must be followed by four hex digits', at - 2);
    return parseInt(digits, 16);
  }

  private parseNumber(): number | JsonNonInteger {
    const start = this.pos;
    NUMBER.lastIndex = start;
    const match = NUMBER.exec(this.text);
    if (!match) this.fail('invalid number', start);
    const literal = match[0];
    this.pos += literal.length;
    const value = Number(literal);
    return match[1] === undefined && match[2] === undefined ? value : new JsonNonInteger(literal, value);
  }

  private checkDepth(depth: number): void {
    if (depth > MAX_JSON_DEPTH) this.fail(`arrays and objects nested deeper than ${MAX_JSON_DEPTH} levels`);
  }

  private skipWhitespace(): void {
    const text = this.text;
    let i = this.pos;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c !== SPACE && c !== NEWLINE && c !== RETURN && c !== TAB) break;
      i++;
    }
    this.pos = i;
  }

  private expect(code: number, what: string): void {
    if (this.text.charCodeAt(this.pos) !== code) this.fail(`expected ${what}`);
    this.pos++;
  }

  private fail(problem: string, at = this.pos): never {
    const near = this.text.slice(Math.max(0, at - 20), at + 20);
    throw new MultiLoraError(
      'SAFETENSORS_INVALID_JSON',
      `safetensors header is not valid JSON: ${problem} at character ${at} of ${this.text.length} ` +
        `(near ${JSON.stringify(near)}); the file is damaged or was not written as safetensors`,
    );
  }
}

/** A JSON number at `lastIndex`; group 1 is the fraction, group 2 the exponent. */
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;
const LONE_SURROGATE = /\p{Surrogate}/u;
