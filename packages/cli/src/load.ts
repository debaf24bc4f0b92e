import { readFile, stat } from 'node:fs/promises';
import { readSafetensors, tensorToFloat64, type Adapter, type DenseMatrix, type SafetensorsTensor } from '@multilora/core';
import { readAdapterFolder } from '@multilora/core/node';
import { UsageError } from './errors.js';

const PREFIX = 'base_model.model.';

/** A weight update on disk: an adapter folder, or a .safetensors file of dense ΔW per module. */
export type LoadedUpdate = { adapter: Adapter } | { deltas: Map<string, DenseMatrix> };

async function kindOf(path: string, flag: string, expected: string): Promise<'dir' | 'file'> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new UsageError(`${flag} "${path}" does not exist; pass ${expected}.`);
  return info.isDirectory() ? 'dir' : 'file';
}

async function safetensors(path: string) {
  const bytes = await readFile(path);
  return readSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** A tensor of rank ≥ 2 as [shape[0], rest] (conv kernels flatten to [out, in·kh·kw]). */
function asMatrix(t: SafetensorsTensor): DenseMatrix {
  const rows = t.shape[0];
  const cols = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return { rows, cols, data: tensorToFloat64(t, { copy: true }) };
}

/** The module name of a delta key: without PEFT's `base_model.model.` prefix and a `.weight` suffix. */
function moduleName(key: string): string {
  const bare = key.startsWith(PREFIX) ? key.slice(PREFIX.length) : key;
  return bare.endsWith('.weight') ? bare.slice(0, -'.weight'.length) : bare;
}

/**
 * Loads an adapter folder, or (when `allowDelta`) a .safetensors file holding dense updates ΔW, one
 * tensor [out, in] per module keyed `<module>` or `<module>.weight`. 1-D tensors (biases) are skipped.
 */
export async function loadUpdate(path: string, flag: string, allowDelta: boolean): Promise<LoadedUpdate> {
  const folder = 'an adapter folder (adapter_config.json + adapter_model.safetensors)';
  const kind = await kindOf(path, flag, allowDelta ? `${folder} or a .safetensors file of dense updates` : folder);
  if (kind === 'dir') return { adapter: await readAdapterFolder(path) };
  if (!allowDelta) {
    throw new UsageError(`${flag} "${path}" is a file; expected an adapter folder with adapter_config.json and adapter_model.safetensors.`);
  }
  const file = await safetensors(path);
  const deltas = new Map<string, DenseMatrix>();
  for (const [key, t] of file.tensors) if (t.shape.length >= 2) deltas.set(moduleName(key), asMatrix(t));
  if (deltas.size === 0) {
    throw new UsageError(`${flag} "${path}" holds no tensor of rank ≥ 2; expected dense updates ΔW [out, in] keyed "<module>.weight".`);
  }
  return { deltas };
}

/** Module names, shapes [out, in] and whether the base stores the weight as [in, out], for matching base weights. */
function shapes(update: LoadedUpdate): Map<string, [number, number, boolean]> {
  if ('deltas' in update) return new Map([...update.deltas].map(([k, m]) => [k, [m.rows, m.cols, false]]));
  const fanInFanOut = update.adapter.metadata.fanInFanOut === true;
  return new Map([...update.adapter.modules.values()].map((m) => [m.name, [m.outFeatures, m.inFeatures, fanInFanOut || m.kind === 'embedding']]));
}

function transposeMatrix(m: DenseMatrix): DenseMatrix {
  const data = new Float64Array(m.data.length);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) data[j * m.rows + i] = m.data[i * m.cols + j];
  return { rows: m.cols, cols: m.rows, data };
}

/**
 * Base weights W0 for the update's modules from a .safetensors file: the tensor `<module>.weight`
 * [out, in], or the one key that `<module>.weight` ends with after a dot (checkpoints saved without
 * the model's top-level prefix, e.g. `h.0.attn.c_attn.weight` for `transformer.h.0.attn.c_attn`).
 * Weights stored [in, out] are transposed where the adapter says so: PEFT's fan_in_fan_out (GPT-2's
 * Conv1D) and embeddings ([vocab, dim], while ΔW is [dim, vocab]).
 */
export async function loadBase(path: string, update: LoadedUpdate): Promise<Map<string, DenseMatrix>> {
  if ((await kindOf(path, '--base', 'a .safetensors file of base weights')) !== 'file') throw new UsageError(`--base "${path}" is a folder; expected a .safetensors file of base weights.`);
  const file = await safetensors(path);
  const keys = [...file.tensors.keys()];
  const base = new Map<string, DenseMatrix>();
  for (const [name, [out, inF, storedInOut]] of shapes(update)) {
    const full = `${name}.weight`;
    const candidates = file.tensors.has(full) ? [full] : keys.filter((k) => full.endsWith(`.${k}`));
    if (candidates.length !== 1) continue;
    const t = file.tensors.get(candidates[0]) as SafetensorsTensor;
    let w = asMatrix(t);
    if (storedInOut && w.rows === inF && w.cols === out) w = transposeMatrix(w);
    if (w.rows !== out || w.cols !== inF) {
      throw new UsageError(`--base tensor "${candidates[0]}" has shape [${t.shape.join(', ')}] but module "${name}" needs [out, in] = [${out}, ${inF}]` +
        (w.rows === inF && w.cols === out ? '; it looks transposed ([in, out]): set "fan_in_fan_out": true in adapter_config.json or transpose the file.' : '.'));
    }
    base.set(name, w);
  }
  if (base.size === 0) {
    const sample = [...shapes(update).keys()].slice(0, 2).map((n) => `"${n}.weight"`).join(', ');
    throw new UsageError(`--base "${path}" has no weight for any adapted module; expected keys such as ${sample} ` +
      `(found e.g. ${keys.slice(0, 3).map((k) => `"${k}"`).join(', ') || 'no tensors'}).`);
  }
  return base;
}
