import type { MultiLoraConfig } from '../config.js';
import { validateAdapter } from './validate.js';
import type { Adapter, AdapterModule } from './types.js';

/** n = 1, module scales, every s = 1: already a LoRA whose γ the config gives (validateAdapter checked γ). */
function isPlainLora(adapter: Adapter): boolean {
  if (adapter.config.n !== 1 || adapter.config.scaleMode !== 'module') return false;
  for (const m of adapter.modules.values()) if (m.scale[0] !== 1) return false;
  return true;
}

/**
 * The config's targets, or (where unset) the adapted modules' full names: PEFT reading `target_modules:
 * null` would fall back to its per-architecture defaults and silently drop the other modules' weights.
 */
function targetsOf(adapter: Adapter): MultiLoraConfig['targetModules'] {
  return adapter.config.targetModules ?? [...adapter.modules.keys()];
}

/**
 * lora_B = (γ / γ') · [s_1 B_1 … s_n B_n] (channel mode: diag(s_i) B_i) with γ' = 1, computed in float64,
 * rounded once to float32; in the file's layout [1, out, R].
 */
function exportedB(m: AdapterModule): Float32Array {
  const { n, r, outFeatures: out, gamma } = m;
  const R = n * r;
  const b = new Float32Array(out * R);
  for (let i = 0; i < n; i++) {
    for (let o = 0; o < out; o++) {
      const s = gamma * (m.scaleMode === 'module' ? m.scale[i] : m.scale[i * out + o]);
      for (let j = 0; j < r; j++) b[o * R + i * r + j] = s * m.b[(i * out + o) * r + j];
    }
  }
  return b;
}

/**
 * The adapter as an exactly equivalent plain LoRA (PEFT's `LORA`): per module rank R = n·r,
 * lora_A = A_cat (the same values), lora_B = γ · [s_1 B_1 … s_n B_n] (channel mode: diag(s_i) B_i), and
 * α' = R without rsLoRA so that γ' = 1. ΔW is unchanged up to one float32 rounding of B. Modules whose
 * rank differs from n·config.r get `rankPattern` and `alphaPattern` entries under their full name.
 * An adapter that already is a plain LoRA (n = 1, module scales all 1) is returned as a copy with its
 * own r, alpha and patterns, so exporting an imported PEFT LoRA gives back the same tensors. Unset
 * `targetModules` become the list of adapted module names.
 * Throws as {@link validateAdapter} for an inconsistent adapter.
 */
export function toLoraAdapter(adapter: Adapter): Adapter {
  validateAdapter(adapter);
  const metadata = { ...adapter.metadata, peftType: 'LORA' as const, extra: { ...adapter.metadata.extra } };
  if (isPlainLora(adapter)) {
    const modules = new Map([...adapter.modules].map(([k, m]) => [k, { ...m, inShape: [...m.inShape], a: m.a.slice(), b: m.b.slice(), scale: m.scale.slice() }]));
    return { config: { ...adapter.config, init: 'lora', targetModules: targetsOf(adapter) }, modules, metadata };
  }
  const { config } = adapter;
  const rank = config.n * config.r;
  const rankPattern: Record<string, number> = {};
  const modules = new Map<string, AdapterModule>();
  for (const [key, m] of adapter.modules) {
    const R = m.n * m.r;
    if (R !== rank) rankPattern[m.name] = R;
    modules.set(key, {
      ...m,
      n: 1,
      r: R,
      inShape: [...m.inShape],
      scaleMode: 'module',
      gamma: 1,
      a: m.a.slice(),
      b: exportedB(m),
      scale: new Float32Array([1]),
    });
  }
  const exported: MultiLoraConfig = {
    ...config,
    n: 1,
    r: rank,
    loraAlpha: rank,
    useRslora: false,
    scaleMode: 'module',
    init: 'lora',
    targetModules: targetsOf(adapter),
  };
  delete exported.rankPattern;
  delete exported.alphaPattern;
  if (Object.keys(rankPattern).length > 0) {
    exported.rankPattern = rankPattern;
    exported.alphaPattern = { ...rankPattern };
  }
  return { config: exported, modules, metadata };
}
