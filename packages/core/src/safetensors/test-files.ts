/**
 * Test support for the safetensors tests (not exported from the package): raw files built by hand, so
 * that tests can write exactly the malformed bytes they need.
 */
import { SeededRandom } from '../rng.js';

/** The path of the real PEFT fixture, relative to the repository root (see its SOURCE.md). */
export const PEFT_FIXTURE = new URL('../../../../../shared/fixtures/peft-gpt2-lora/adapter_model.safetensors', import.meta.url);

/**
 * A safetensors file from a header (a JSON string, written verbatim, or a value to stringify) and data
 * bytes (or a byte count, filled with seeded random bytes). `headerLength` overrides the length field.
 */
export function rawFile(header: string | object, data: Uint8Array | number = 0, headerLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const bytes = typeof data === 'number' ? randomBytes(data, 7) : data;
  const out = new Uint8Array(8 + json.length + bytes.length);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes, 8 + json.length);
  return out;
}

/** `n` seeded random bytes. */
export function randomBytes(n: number, seed: number): Uint8Array {
  const rng = new SeededRandom(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.nextUint32() & 0xff;
  return out;
}

/** `n` seeded normal floats scaled by `scale` (never all zeros). */
export function randomFloats(n: number, seed: number, scale = 1): Float64Array {
  const rng = new SeededRandom(seed);
  return Float64Array.from({ length: n }, () => rng.normal() * scale);
}
