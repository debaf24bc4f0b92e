/**
 * IEEE binary16 (F16) and bfloat16 (BF16): exact decoding to float32 values and encoding with
 * round-to-nearest-even from any float64 value (so a Float64Array is rounded once, never twice).
 */

/** Exponent and fraction widths of a small binary floating-point format. */
interface MiniFormat {
  expBits: number;
  fracBits: number;
}

const F16: MiniFormat = { expBits: 5, fracBits: 10 };
const BF16: MiniFormat = { expBits: 8, fracBits: 7 };

let f16Table: Float32Array | undefined;

/**
 * The float32 value of every F16 bit pattern (65536 entries, 256 KiB), built on first use. Every F16
 * value is exactly representable in float32; NaN patterns decode to NaN.
 */
export function f16DecodeTable(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) f16Table[bits] = decodeMini(bits, F16);
  }
  return f16Table;
}

/** The value of the F16 bit pattern `bits` (0 … 65535). */
export function f16ToNumber(bits: number): number {
  return f16DecodeTable()[bits & 0xffff];
}

/** The value of the BF16 bit pattern `bits` (0 … 65535): the upper half of a float32. */
export function bf16ToNumber(bits: number): number {
  scratchU32[0] = (bits & 0xffff) << 16;
  return scratchF32[0];
}

/** The F16 bit pattern nearest to `value` (ties to even; overflow to ±Infinity; NaN → 0x7e00). */
export function numberToF16(value: number): number {
  return encodeMini(value, F16);
}

/** The BF16 bit pattern nearest to `value` (ties to even; overflow to ±Infinity; NaN → 0x7fc0). */
export function numberToBf16(value: number): number {
  return encodeMini(value, BF16);
}

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

function decodeMini(bits: number, { expBits, fracBits }: MiniFormat): number {
  const expMax = (1 << expBits) - 1;
  const bias = (expMax >> 1);
  const sign = bits >> (expBits + fracBits) ? -1 : 1;
  const exp = (bits >> fracBits) & expMax;
  const frac = bits & ((1 << fracBits) - 1);
  if (exp === expMax) return frac ? NaN : sign * Infinity;
  if (exp === 0) return sign * frac * 2 ** (1 - bias - fracBits);
  return sign * (1 + frac / 2 ** fracBits) * 2 ** (exp - bias);
}

function encodeMini(value: number, { expBits, fracBits }: MiniFormat): number {
  const expMax = (1 << expBits) - 1;
  const bias = expMax >> 1;
  const signBit = value < 0 || Object.is(value, -0) ? 1 << (expBits + fracBits) : 0;
  const infinity = signBit | (expMax << fracBits);
  if (value !== value) return infinity | (1 << (fracBits - 1));
  const abs = Math.abs(value);
  // Halfway between the largest finite value and the next power of two rounds (to even) up to infinity.
  if (abs >= (2 - 2 ** -(fracBits + 1)) * 2 ** bias) return infinity;
  const minNormalExp = 1 - bias;
  if (abs < 2 ** minNormalExp) {
    // Subnormal (or rounding up into the smallest normal, whose pattern follows on naturally).
    return signBit | roundHalfEven(abs * 2 ** (fracBits - minNormalExp));
  }
  let exp = Math.floor(Math.log2(abs));
  if (2 ** exp > abs) exp--;
  else if (2 ** (exp + 1) <= abs) exp++;
  // (abs / 2^exp − 1) · 2^fracBits is exact in float64; a carry into the exponent field is correct too.
  const frac = roundHalfEven((abs * 2 ** -exp - 1) * 2 ** fracBits);
  return signBit | (((exp + bias) << fracBits) + frac);
}

/** Rounds a non-negative float64 to the nearest integer, ties to even. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const rest = x - floor;
  return rest > 0.5 || (rest === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
}
