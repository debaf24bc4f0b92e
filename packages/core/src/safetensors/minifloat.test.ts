import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../rng.js';
import { tensorToFloat32, tensorToFloat64 } from './convert.js';
import { bf16ToNumber, f16ToNumber, numberToBf16, numberToF16 } from './minifloat.js';
import type { SafetensorsTensor } from './types.js';

/** Float64 reference decode of a 16-bit pattern with `e` exponent and `f` fraction bits (1 sign bit). */
function referenceDecode(bits: number, e: number, f: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> f) & ((1 << e) - 1);
  const frac = bits & ((1 << f) - 1);
  const bias = (1 << (e - 1)) - 1;
  if (exp === (1 << e) - 1) return frac === 0 ? sign * Infinity : NaN;
  if (exp === 0) return sign * frac * Math.pow(2, 1 - bias - f);
  return sign * Math.pow(2, exp - bias) * (1 + frac / Math.pow(2, f));
}

const FORMATS = [
  { dtype: 'F16' as const, e: 5, f: 10, encode: numberToF16, decode: f16ToNumber, maxFinite: 65504 },
  { dtype: 'BF16' as const, e: 8, f: 7, encode: numberToBf16, decode: bf16ToNumber, maxFinite: 3.3895313892515355e38 },
];

/** A tensor holding every 16-bit pattern once, little-endian, at an odd (unaligned) byte offset. */
function allPatterns(dtype: 'F16' | 'BF16'): SafetensorsTensor {
  const buffer = new Uint8Array(1 + 2 * 65536);
  for (let bits = 0; bits < 65536; bits++) {
    buffer[1 + 2 * bits] = bits & 0xff;
    buffer[2 + 2 * bits] = bits >> 8;
  }
  return { name: `all-${dtype}`, dtype, shape: [65536], bytes: buffer.subarray(1) };
}

/** Equality that treats NaN as equal to NaN and tells -0 from +0. */
const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

describe.each(FORMATS)('$dtype', ({ dtype, e, f, encode, decode, maxFinite }) => {
  it('decodes all 65536 bit patterns exactly as the float64 reference (tolerance 0, NaN for NaN, signed zeros)', () => {
    const as32 = tensorToFloat32(allPatterns(dtype));
    const as64 = tensorToFloat64(allPatterns(dtype));
    let nan = 0;
    for (let bits = 0; bits < 65536; bits++) {
      const want = referenceDecode(bits, e, f);
      if (Number.isNaN(want)) nan++;
      if (!same(as32[bits], want) || !same(as64[bits], want) || !same(decode(bits), want)) {
        expect.fail(`${dtype} pattern 0x${bits.toString(16)}: got ${as32[bits]} / ${as64[bits]}, want ${want}`);
      }
    }
    expect(nan).toBe(2 * ((1 << f) - 1));
    expect(as32[0x0001]).toBeGreaterThan(0); // smallest subnormal is not flushed to zero
  });

  it('encodes every non-NaN value back to its own bit pattern (including -0, subnormals, ±Infinity)', () => {
    for (let bits = 0; bits < 65536; bits++) {
      const value = referenceDecode(bits, e, f);
      if (Number.isNaN(value)) expect(Number.isNaN(referenceDecode(encode(value), e, f))).toBe(true);
      else if (encode(value) !== bits) expect.fail(`0x${bits.toString(16)} → ${value} → 0x${encode(value).toString(16)}`);
    }
  });

  it('rounds every midpoint between neighbours to the even one, and just off the midpoint to the nearer one', () => {
    // Consecutive positive patterns p, p+1 are neighbours in value (including the largest finite → Infinity).
    for (let p = 0; p < (((1 << e) - 1) << f); p++) {
      const lo = referenceDecode(p, e, f);
      const hi = referenceDecode(p + 1, e, f);
      const mid = (lo + hi) / 2; // exact in float64 (hi = Infinity: the overflow threshold)
      const midpoint = hi === Infinity ? maxFinite + (maxFinite - referenceDecode(p - 1, e, f)) / 2 : mid;
      const even = p % 2 === 0 ? p : p + 1;
      for (const sign of [1, -1]) {
        const s = sign < 0 ? 0x8000 : 0;
        if (encode(sign * midpoint) !== (s | even)) expect.fail(`midpoint ${sign * midpoint} of 0x${p.toString(16)}`);
        const below = midpoint - Math.max(Number.MIN_VALUE, Math.abs(midpoint) * 2 ** -52);
        const above = midpoint + Math.max(Number.MIN_VALUE, Math.abs(midpoint) * 2 ** -52);
        if (encode(sign * below) !== (s | p)) expect.fail(`just below midpoint ${sign * below}`);
        if (encode(sign * above) !== (s | (p + 1))) expect.fail(`just above midpoint ${sign * above}`);
      }
    }
  });

  it('picks the nearest pattern for 20000 seeded random doubles across the range (checked against both neighbours)', () => {
    const rng = new SeededRandom(dtype === 'F16' ? 11 : 12);
    const bias = (1 << (e - 1)) - 1;
    for (let i = 0; i < 20000; i++) {
      const x = (rng.next() < 0.5 ? -1 : 1) * rng.next() * 2 ** Math.floor(rng.uniform(-bias - f - 2, bias + 1));
      const bits = encode(x);
      const got = referenceDecode(bits, e, f);
      const err = Math.abs(got - x);
      for (const neighbour of [bits - 1, bits + 1]) {
        if ((neighbour & 0x7fff) >= ((1 << e) - 1) << f || (neighbour & 0x8000) !== (bits & 0x8000)) continue;
        if (Math.abs(referenceDecode(neighbour, e, f) - x) < err) expect.fail(`${x} → 0x${bits.toString(16)}, neighbour is nearer`);
      }
      if (!Number.isFinite(got)) expect.fail(`${x} (below the largest finite ${maxFinite}) → ${got}`);
    }
  });

  it('maps NaN to a NaN pattern and huge values to ±Infinity', () => {
    expect(Number.isNaN(referenceDecode(encode(NaN), e, f))).toBe(true);
    expect(referenceDecode(encode(1e300), e, f)).toBe(Infinity);
    expect(referenceDecode(encode(-Infinity), e, f)).toBe(-Infinity);
    expect(Object.is(referenceDecode(encode(-1e-300), e, f), -0)).toBe(true);
  });
});

it('rounds a float64 once, not twice through float32 (x = 1 + 2^-11 + 2^-40 → F16 1 + 2^-10, not 1)', () => {
  const x = 1 + 2 ** -11 + 2 ** -40;
  expect(Math.fround(x)).toBe(1 + 2 ** -11); // through float32 it would be a tie, rounding down to 1
  expect(numberToF16(x)).toBe(0x3c01);
  const y = 1 + 2 ** -8 + 2 ** -40;
  expect(numberToBf16(y)).toBe(0x3f81);
});
