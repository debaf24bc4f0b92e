import { MultiLoraError } from './errors.js';

/** How the learnable scales act: one scalar per module, or one vector of length `out` per module. */
export type ScaleMode = 'module' | 'channel';

/**
 * How the adapter starts. `multilora`: A and B Kaiming-uniform, scales 0 (the paper).
 * `lora`: A Kaiming-uniform, B = 0, scales 1 (with n = 1 exactly PEFT's LoRA).
 */
export type InitMode = 'multilora' | 'lora';

/**
 * Which modules to adapt. A list matches a module whose name equals an entry or ends with `.` + entry;
 * a single string is a regular expression that must match the whole name; `'all-linear'` means every
 * linear layer except the output layer (decided by the plugin that knows the model). PEFT's rules.
 */
export type TargetModules = readonly string[] | string;

/** Everything that defines a MultiLoRA adapter, with PEFT's names where the idea is the same. */
export interface MultiLoraConfig {
  /** Number of parallel LoRA modules. */
  n: number;
  /** Rank of each module. */
  r: number;
  /** LoRA's alpha: the branch is scaled by γ = alpha / r (or alpha / √r with `useRslora`). */
  loraAlpha: number;
  /** Rank-stabilised scaling γ = alpha / √r. */
  useRslora: boolean;
  /** Scalar scales per module, or per-channel vectors. */
  scaleMode: ScaleMode;
  /** Initialisation scheme. */
  init: InitMode;
  /** Modules to adapt; `undefined` leaves the choice to the plugin's default. */
  targetModules?: TargetModules;
  /** Modules never to adapt, even where `targetModules` matches (same matching rules). */
  excludeModules?: TargetModules;
  /** Dropout probability on the adapter branch's input, in [0, 1). */
  loraDropout: number;
  /** Seed of the initialisation: the same seed gives the same adapter on every backend. */
  seed: number;
  /** Per-module rank overrides: module pattern (PEFT matching) → r. */
  rankPattern?: Readonly<Record<string, number>>;
  /** Per-module alpha overrides: module pattern (PEFT matching) → alpha. */
  alphaPattern?: Readonly<Record<string, number>>;
}

/** The defaults `resolveConfig` fills in. `loraAlpha` defaults to `r` (γ = 1). */
export const DEFAULT_CONFIG = {
  n: 4,
  r: 8,
  useRslora: false,
  scaleMode: 'module',
  init: 'multilora',
  loraDropout: 0,
  seed: 0,
} as const satisfies Partial<MultiLoraConfig>;

const KNOWN_KEYS: readonly (keyof MultiLoraConfig)[] = [
  'n', 'r', 'loraAlpha', 'useRslora', 'scaleMode', 'init', 'targetModules', 'excludeModules',
  'loraDropout', 'seed', 'rankPattern', 'alphaPattern',
];

function fail(field: string, value: unknown, expected: string): never {
  throw new MultiLoraError('INVALID_CONFIG', `config.${field} is ${describe(value)}; expected ${expected}.`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  try {
    // JSON.stringify gives undefined for functions and symbols
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

function positiveInteger(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) fail(field, value, 'a positive integer');
  return value;
}

function positiveFinite(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(field, value, 'a finite number > 0');
  return value;
}

function targets(field: string, value: unknown): TargetModules | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    try {
      new RegExp(value);
    } catch (e) {
      fail(field, value, `a valid regular expression (${(e as Error).message})`);
    }
    return value;
  }
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' && v.length > 0)) return [...value];
  return fail(field, value, 'a list of module names, a regular expression string, or "all-linear"');
}

function pattern(field: string, value: unknown, check: (key: string, v: unknown) => number) {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, value, 'an object of module pattern → number');
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, check(`${field}[${JSON.stringify(k)}]`, v)]));
}

/** Names users reach for that no edit distance finds (normalised: lower case, no `_`). */
const SYNONYMS: Readonly<Record<string, string>> = { rank: 'r', nummodules: 'n' };

/**
 * The closest known key to `key` for "did you mean" hints: by edit distance ignoring case and `_`
 * (so PEFT's `lora_alpha` finds `loraAlpha`), a synonym (`rank` → `r`), or a known key that contains it
 * (`dropout` → `loraDropout`).
 */
function closest(key: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/_/g, '');
  const k = norm(key);
  if (Object.hasOwn(SYNONYMS, k)) return SYNONYMS[k];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(k, norm(c));
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  if (bestDistance <= Math.max(2, k.length / 3)) return best;
  return k.length >= 4 ? candidates.find((c) => norm(c).includes(k)) : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/**
 * Validates a user's config and fills in defaults. Throws `MultiLoraError('INVALID_CONFIG')` naming
 * the field, the value and what is allowed; unknown keys are errors (with a "did you mean").
 */
export function resolveConfig(input: Partial<MultiLoraConfig> = {}): MultiLoraConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new MultiLoraError('INVALID_CONFIG', `config is ${describe(input)}; expected an object such as { n: 4, r: 8 }.`);
  }
  for (const key of Object.keys(input)) {
    if (!(KNOWN_KEYS as readonly string[]).includes(key)) {
      const hint = closest(key, KNOWN_KEYS);
      throw new MultiLoraError(
        'INVALID_CONFIG',
        `config.${key} is not a MultiLoRA option${hint ? `; did you mean "${hint}"?` : '.'} Known options: ${KNOWN_KEYS.join(', ')}.`,
      );
    }
  }
  const n = positiveInteger('n', input.n ?? DEFAULT_CONFIG.n);
  const r = positiveInteger('r', input.r ?? DEFAULT_CONFIG.r);
  const loraAlpha = positiveFinite('loraAlpha', input.loraAlpha ?? r);
  const useRslora = input.useRslora ?? DEFAULT_CONFIG.useRslora;
  if (typeof useRslora !== 'boolean') fail('useRslora', useRslora, 'true or false');
  const scaleMode = input.scaleMode ?? DEFAULT_CONFIG.scaleMode;
  if (scaleMode !== 'module' && scaleMode !== 'channel') fail('scaleMode', scaleMode, '"module" or "channel"');
  const init = input.init ?? DEFAULT_CONFIG.init;
  if (init !== 'multilora' && init !== 'lora') fail('init', init, '"multilora" or "lora"');
  const loraDropout = input.loraDropout ?? DEFAULT_CONFIG.loraDropout;
  if (typeof loraDropout !== 'number' || !(loraDropout >= 0 && loraDropout < 1)) fail('loraDropout', loraDropout, 'a number in [0, 1)');
  const seed = input.seed ?? DEFAULT_CONFIG.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) fail('seed', seed, 'an integer');
  const config: MultiLoraConfig = { n, r, loraAlpha, useRslora, scaleMode, init, loraDropout, seed };
  const targetModules = targets('targetModules', input.targetModules);
  if (targetModules !== undefined) config.targetModules = targetModules;
  const excludeModules = targets('excludeModules', input.excludeModules);
  if (excludeModules !== undefined) config.excludeModules = excludeModules;
  const rankPattern = pattern('rankPattern', input.rankPattern, positiveInteger);
  if (rankPattern) config.rankPattern = rankPattern;
  const alphaPattern = pattern('alphaPattern', input.alphaPattern, positiveFinite);
  if (alphaPattern) config.alphaPattern = alphaPattern;
  return config;
}

/** The branch scaling γ: alpha / r, or alpha / √r with rsLoRA. */
export function loraScaling(loraAlpha: number, r: number, useRslora: boolean): number {
  return useRslora ? loraAlpha / Math.sqrt(r) : loraAlpha / r;
}
