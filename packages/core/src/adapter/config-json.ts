import { resolveConfig, type MultiLoraConfig } from '../config.js';
import { MultiLoraError } from '../errors.js';
import type { AdapterMetadata } from './types.js';

/** The two kinds of adapter file: native MultiLoRA, or a plain PEFT LoRA. */
export type AdapterFormat = 'multilora' | 'lora';

/** A parsed adapter_config.json: the validated config and the facts the file records beside it. */
export interface ParsedAdapterConfig {
  config: MultiLoraConfig;
  metadata: AdapterMetadata;
}

/** Fields interpreted in both kinds of file; everything else lands in `metadata.extra`. */
const COMMON_FIELDS = [
  'peft_type', 'r', 'lora_alpha', 'use_rslora', 'target_modules', 'exclude_modules', 'lora_dropout',
  'rank_pattern', 'alpha_pattern', 'base_model_name_or_path', 'task_type', 'fan_in_fan_out',
];
const MULTILORA_FIELDS = [...COMMON_FIELDS, 'n', 'scale_mode', 'init', 'seed'];

/** The file's snake_case name of each config option, for error messages about the file. */
const SNAKE_CASE: Record<string, string> = {
  n: 'n', r: 'r', loraAlpha: 'lora_alpha', useRslora: 'use_rslora', scaleMode: 'scale_mode', init: 'init',
  targetModules: 'target_modules', excludeModules: 'exclude_modules', loraDropout: 'lora_dropout', seed: 'seed',
  rankPattern: 'rank_pattern', alphaPattern: 'alpha_pattern',
};

/** PEFT LoRA defaults (LoraConfig) for fields a LORA file may omit. */
const PEFT_DEFAULT_R = 8;
const PEFT_DEFAULT_ALPHA = 8;

/** PEFT options whose adapters carry more than (A, B, γ): which value turns them on, and what they add. */
const UNSUPPORTED: readonly { field: string; active: (v: unknown) => boolean; what: string }[] = [
  { field: 'use_dora', active: (v) => v === true, what: 'DoRA adds a learned magnitude vector per module' },
  { field: 'use_qalora', active: (v) => v === true, what: 'QA-LoRA pools the input in groups before A' },
  { field: 'lora_bias', active: (v) => v === true, what: 'lora_bias trains a bias on lora_B' },
  { field: 'bias', active: (v) => v != null && v !== 'none', what: 'bias "all"/"lora_only" trains the base model\'s biases' },
  { field: 'modules_to_save', active: nonEmptyList, what: 'modules_to_save stores full copies of whole modules' },
  { field: 'trainable_token_indices', active: (v) => v != null, what: 'trainable tokens store new embedding rows' },
  { field: 'alora_invocation_tokens', active: (v) => v != null, what: 'activated LoRA applies the update only after invocation tokens' },
  { field: 'layer_replication', active: (v) => v != null, what: 'layer replication changes the base model\'s layer stack' },
  { field: 'target_parameters', active: nonEmptyList, what: 'target_parameters adapts raw parameters instead of modules' },
];

function nonEmptyList(v: unknown): boolean {
  return Array.isArray(v) ? v.length > 0 : v != null;
}

function invalid(message: string): never {
  throw new MultiLoraError('INVALID_CONFIG', `adapter_config.json: ${message}`);
}

/** Turns adapter_config.json given as text, UTF-8 bytes or an already parsed object into a plain object. */
export function configObject(input: string | Uint8Array | object): Record<string, unknown> {
  let value: unknown = input;
  if (input instanceof Uint8Array) {
    try {
      value = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      invalid('is not valid UTF-8; expected the UTF-8 JSON text of the file.');
    }
  }
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (e) {
      invalid(`is not valid JSON (${(e as Error).message}); expected an object such as {"peft_type": "LORA", "r": 8, ...}.`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    invalid(`is ${Array.isArray(value) ? 'an array' : String(value)}; expected a JSON object.`);
  }
  return value as Record<string, unknown>;
}

/** `null`/absent → undefined; `{}` → undefined (PEFT writes empty patterns). */
function optional(json: Record<string, unknown>, field: string): unknown {
  const v = json[field];
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) return undefined;
  return v;
}

function optionalString(json: Record<string, unknown>, field: string): string | undefined {
  const v = optional(json, field);
  if (v !== undefined && typeof v !== 'string') invalid(`${field} is ${JSON.stringify(v)}; expected a string or null.`);
  return v;
}

/**
 * Reads an adapter_config.json (`peft_type` `MULTILORA` or PEFT's `LORA`) into a validated config and
 * metadata. A LORA file becomes n = 1, module scales, init `lora`, with PEFT's defaults (r = 8,
 * lora_alpha = 8) for absent fields. Fields this library does not interpret are kept in `metadata.extra`.
 * Throws INVALID_CONFIG naming the field: unknown `peft_type`, a PEFT variant that has more than
 * (A, B, γ) (e.g. `use_dora: true`), or any value `resolveConfig` rejects.
 */
export function parseAdapterConfig(input: string | Uint8Array | object): ParsedAdapterConfig {
  const json = configObject(input);
  const peftType = json.peft_type;
  if (peftType !== 'MULTILORA' && peftType !== 'LORA') {
    invalid(`peft_type is ${JSON.stringify(peftType)}; expected "MULTILORA" or "LORA" (other PEFT methods are not supported).`);
  }
  for (const u of UNSUPPORTED) {
    if (u.active(json[u.field])) {
      invalid(`${u.field} is ${JSON.stringify(json[u.field])}, which this library cannot represent (${u.what}). ` +
        'Merge the adapter into the base model with PEFT, or train without this option.');
    }
  }
  const native = peftType === 'MULTILORA';
  if (native) {
    for (const field of ['n', 'r']) if (json[field] == null) invalid(`has no "${field}"; a MULTILORA config needs "n" and "r".`);
  }
  const fanInFanOut = optional(json, 'fan_in_fan_out');
  if (fanInFanOut !== undefined && typeof fanInFanOut !== 'boolean') invalid(`fan_in_fan_out is ${JSON.stringify(fanInFanOut)}; expected true or false.`);
  const options: Record<string, unknown> = {
    n: native ? json.n : 1,
    r: json.r ?? (native ? undefined : PEFT_DEFAULT_R),
    loraAlpha: json.lora_alpha ?? (native ? undefined : PEFT_DEFAULT_ALPHA),
    useRslora: optional(json, 'use_rslora'),
    scaleMode: native ? optional(json, 'scale_mode') : 'module',
    init: native ? optional(json, 'init') : 'lora',
    targetModules: optional(json, 'target_modules'),
    excludeModules: optional(json, 'exclude_modules'),
    loraDropout: optional(json, 'lora_dropout'),
    seed: native ? optional(json, 'seed') : undefined,
    rankPattern: optional(json, 'rank_pattern'),
    alphaPattern: optional(json, 'alpha_pattern'),
  };
  for (const k of Object.keys(options)) if (options[k] === undefined) delete options[k];
  let config: MultiLoraConfig;
  try {
    config = resolveConfig(options as Partial<MultiLoraConfig>);
  } catch (e) {
    if (e instanceof MultiLoraError) invalid(e.message.replace(/config\.(\w+)/g, (m, key: string) => SNAKE_CASE[key] ?? m));
    throw e;
  }
  const interpreted = native ? MULTILORA_FIELDS : COMMON_FIELDS;
  const extra = Object.fromEntries(Object.entries(json).filter(([k]) => !interpreted.includes(k)));
  const metadata: AdapterMetadata = { peftType, extra };
  const base = optionalString(json, 'base_model_name_or_path');
  if (base !== undefined) metadata.baseModelNameOrPath = base;
  const task = optionalString(json, 'task_type');
  if (task !== undefined) metadata.taskType = task;
  if (fanInFanOut !== undefined) metadata.fanInFanOut = fanInFanOut;
  return { config, metadata };
}

/** Recursively sorts object keys, as PEFT's `json.dumps(..., sort_keys=True)` writes them. */
function sortKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
}

/**
 * The adapter_config.json object for `config` and `metadata` in `format`. `multilora` writes every
 * MultiLoRA field (spec order, then `metadata.extra`); `lora` writes PEFT's LoRA fields and the extras
 * with keys sorted as PEFT writes them, and needs a plain-LoRA config (n = 1, module scales: see
 * `toLoraAdapter`).
 */
export function adapterConfigToJson(config: MultiLoraConfig, metadata: AdapterMetadata, format: AdapterFormat): Record<string, unknown> {
  const extra = Object.fromEntries(Object.entries(metadata.extra).filter(([k]) => !MULTILORA_FIELDS.includes(k)));
  const optionalFields = {
    base_model_name_or_path: metadata.baseModelNameOrPath ?? null,
    task_type: metadata.taskType ?? null,
  };
  if (format === 'lora') {
    if (config.n !== 1 || config.scaleMode !== 'module') {
      throw new MultiLoraError('INVALID_CONFIG', `a LORA adapter_config.json needs n = 1 and scaleMode "module" (got n = ${config.n}, ` +
        `scaleMode "${config.scaleMode}"); convert the adapter with toLoraAdapter first.`);
    }
    return sortKeys({
      ...extra,
      peft_type: 'LORA',
      r: config.r,
      lora_alpha: config.loraAlpha,
      use_rslora: config.useRslora,
      target_modules: config.targetModules ?? null,
      exclude_modules: config.excludeModules ?? null,
      lora_dropout: config.loraDropout,
      rank_pattern: config.rankPattern ?? {},
      alpha_pattern: config.alphaPattern ?? {},
      fan_in_fan_out: metadata.fanInFanOut ?? false,
      ...optionalFields,
    }) as Record<string, unknown>;
  }
  const json: Record<string, unknown> = {
    peft_type: 'MULTILORA',
    r: config.r,
    n: config.n,
    lora_alpha: config.loraAlpha,
    use_rslora: config.useRslora,
    scale_mode: config.scaleMode,
    init: config.init,
    target_modules: config.targetModules ?? null,
    lora_dropout: config.loraDropout,
    seed: config.seed,
    ...optionalFields,
  };
  if (config.excludeModules !== undefined) json.exclude_modules = config.excludeModules;
  if (config.rankPattern !== undefined) json.rank_pattern = config.rankPattern;
  if (config.alphaPattern !== undefined) json.alpha_pattern = config.alphaPattern;
  if (metadata.fanInFanOut !== undefined) json.fan_in_fan_out = metadata.fanInFanOut;
  return { ...json, ...extra };
}
