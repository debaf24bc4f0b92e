import type { MultiLoraConfig } from '../config.js';
import type { ModuleSpec } from '../init.js';
import { referenceDeltaWeight } from '../math/delta.js';
import { randomizeAdapter } from '../testing.js';
import { createAdapter } from './create.js';
import type { Adapter, AdapterModule } from './types.js';

/**
 * Test support for adapter files (not exported from the package): specs of every module kind,
 * adapters with non-zero random scales, and ΔW comparison against the float64 reference.
 */

/** One module of each kind: linear [in 24 → out 20], embedding [vocab 30 → 12], conv [3×3×3 → 10]. */
export const MIXED_SPECS: ModuleSpec[] = [
  { name: 'model.layers.0.self_attn.q_proj', kind: 'linear', inShape: [24], outFeatures: 20 },
  { name: 'model.embed_tokens', kind: 'embedding', inShape: [30], outFeatures: 12 },
  { name: 'vision.conv1', kind: 'conv', inShape: [3, 3, 3], outFeatures: 10 },
];

/**
 * `createAdapter(config, specs)` with every scale replaced by a seeded non-zero value (|s| in [0.5, 1.5),
 * random sign) and, under init `lora`, B made random too: an adapter whose ΔW is not zero.
 */
export function randomAdapter(config: Partial<MultiLoraConfig>, specs: ModuleSpec[], seed: number): Adapter {
  const adapter = createAdapter({ seed, ...config }, specs);
  return randomizeAdapter(adapter, seed ^ 0x5bd1e995, { bRange: adapter.config.init === 'lora' ? 1 : 0 });
}

/** Whether two typed arrays hold the same bytes (fast; vitest's deep equality is slow on large arrays). */
export function sameBytes(x: ArrayBufferView, y: ArrayBufferView): boolean {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}

/** Module `x` equals `y`: every field, the arrays bit for bit. */
export function sameModule(x: AdapterModule, y: AdapterModule): boolean {
  const { a, b, scale, ...rest } = x;
  const { a: a2, b: b2, scale: s2, ...rest2 } = y;
  return JSON.stringify(rest) === JSON.stringify(rest2) && sameBytes(a, a2) && sameBytes(b, b2) && sameBytes(scale, s2);
}

/** ‖ΔW(actual) − ΔW(expected)‖_F / ‖ΔW(expected)‖_F per module name, ΔW from the float64 reference. */
export function deltaWeightErrors(actual: Adapter, expected: Adapter): Map<string, number> {
  const errors = new Map<string, number>();
  for (const [name, e] of expected.modules) {
    const a = actual.modules.get(name);
    if (!a) throw new Error(`module ${name} is missing from the adapter under test`);
    const dA = referenceDeltaWeight(a);
    const dE = referenceDeltaWeight(e);
    if (dA.length !== dE.length) throw new Error(`module ${name}: ΔW sizes ${dA.length} and ${dE.length} differ`);
    let num = 0;
    let den = 0;
    for (let i = 0; i < dE.length; i++) {
      num += (dA[i] - dE[i]) ** 2;
      den += dE[i] ** 2;
    }
    if (den === 0) throw new Error(`module ${name}: reference ΔW is zero; the test input is degenerate`);
    errors.set(name, Math.sqrt(num / den));
  }
  return errors;
}
