/**
 * The adapters `applyMultiLoRA` accepts: an in-memory {@link Adapter}, the two files' contents
 * (`{ config, weights }`), or (Node) the path of an adapter folder; native MultiLoRA or PEFT LoRA
 * (rsLoRA, rank_pattern and alpha_pattern are resolved by core). One adapter is named `default`;
 * a record names them.
 */
import { MultiLoraError, parseAdapter, type Adapter, type AdapterFileInput } from '@multilora/core';
import { readAdapterPath } from './files.js';

/** One adapter as accepted by applyMultiLoRA. */
export type AdapterInput = Adapter | AdapterFileInput | string;

/** An adapter with its name. */
export interface NamedAdapter {
  name: string;
  adapter: Adapter;
}

function isAdapter(v: unknown): v is Adapter {
  return !!v && typeof v === 'object' && (v as Adapter).modules instanceof Map && typeof (v as Adapter).config === 'object';
}

function isFiles(v: unknown): v is AdapterFileInput {
  return !!v && typeof v === 'object' && (v as AdapterFileInput).weights instanceof Uint8Array && 'config' in (v as object);
}

async function load(input: AdapterInput, name: string): Promise<Adapter> {
  if (isAdapter(input)) return input;
  if (isFiles(input)) return parseAdapter(input);
  if (typeof input === 'string') return readAdapterPath(input);
  throw new MultiLoraError('INVALID_CONFIG', `adapter "${name}" is ${input === null ? 'null' : typeof input}; expected an Adapter, ` +
    '{ config, weights } (adapter_config.json and adapter_model.safetensors contents) or an adapter folder path.');
}

/** The named adapters of `input` (one adapter → `default`). */
export async function loadAdapters(input: AdapterInput | Record<string, AdapterInput>): Promise<NamedAdapter[]> {
  if (isAdapter(input) || isFiles(input) || typeof input === 'string') return [{ name: 'default', adapter: await load(input, 'default') }];
  if (!input || typeof input !== 'object' || Object.keys(input).length === 0) {
    throw new MultiLoraError('INVALID_CONFIG', 'no adapters given; pass an adapter or a record { name: adapter }.');
  }
  return Promise.all(Object.entries(input).map(async ([name, a]) => ({ name, adapter: await load(a, name) })));
}
