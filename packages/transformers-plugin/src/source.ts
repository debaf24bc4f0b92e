/**
 * Where a session's ONNX graph comes from. A loaded session does not expose its model (in Node,
 * transformers.js 3+ hands ONNX Runtime a file path; 2.x hands it bytes it does not keep), so the
 * plugin reads the file again: from `files[sessionName]` or `files[fileStem]` (bytes or a path) or
 * from the model folder `modelPath` (`<modelPath>/<subfolder>/<stem><suffix>.onnx`). The suffix follows
 * the dtype (transformers.js's mapping: fp32 '', fp16 `_fp16`, q8 `_quantized`, int8 `_int8`, uint8
 * `_uint8`, q4 `_q4`, q4f16 `_q4f16`, bnb4 `_bnb4`), taken from the session (3+) or from `dtype`. Among
 * the files with that suffix, the one whose graph inputs and outputs are the session's is used.
 * Bytes get the file name transformers.js loads the session from, `<slot stem><suffix>.onnx`
 * (e.g. `encoder_model_quantized.onnx`): mapping rule 4 and saveMerged read it. Paths are read
 * through files.ts (Node only; the browser build rejects them and asks for bytes).
 */
import { MultiLoraError } from '@multilora/core';
import { listModelFolder, readModelFile } from './files.js';
import { decodeModel, type GraphProto, type ModelProto } from './onnx/proto.js';
import type { OrtSession, SessionSlot } from './sessions.js';

/** transformers.js's dtype → file suffix. */
export const DTYPE_SUFFIX: Record<string, string> = {
  fp32: '', fp16: '_fp16', int8: '_int8', uint8: '_uint8', q8: '_quantized', q4: '_q4', q4f16: '_q4f16', bnb4: '_bnb4',
};

/** Where to read the model's graphs. */
export interface ModelSource {
  /** The model folder (`<env.localModelPath>/<model id>`, or a path given to from_pretrained). */
  modelPath?: string;
  /** The ONNX subfolder of `modelPath` (default `onnx`, as from_pretrained's `subfolder`). */
  subfolder?: string;
  /** The dtype the model was loaded with; needed for transformers.js 2.x (`fp32`, or `q8` for `quantized: true`). */
  dtype?: string;
  /**
   * Per session (by session name, e.g. 3+'s `model` / 2.x's `session`, or by file stem, e.g.
   * `encoder_model`, `decoder_model_merged`): the .onnx file's bytes or path (overrides `modelPath`).
   */
  files?: Record<string, Uint8Array | string>;
}

/** A session's graph (decoded, and the file's bytes that builds decode afresh) and its file name. */
export interface SessionSource {
  model: ModelProto;
  bytes: Uint8Array;
  /** File name inside the ONNX subfolder (e.g. `model_q4.onnx`), for saveMerged. */
  fileName: string;
}

/** File stems tried after the slot's own, in this order, when several files match a session. */
const STEMS = ['model', 'decoder_model_merged', 'encoder_model'];

function matchesSession(model: ModelProto, session: OrtSession): boolean {
  const g = model.graph as GraphProto;
  const inits = new Set(g.initializer.map((t) => t.name));
  const inputs = g.input.map((v) => String(v.name)).filter((n) => !inits.has(n));
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));
  return same(inputs, session.inputNames) && same(g.output.map((v) => String(v.name)), session.outputNames);
}

function suffixesFor(slot: SessionSlot, dtype: string | undefined): string[] {
  const tagged = (slot.get().config as { dtype?: string } | undefined)?.dtype;
  const d = dtype ?? tagged;
  if (d !== undefined) {
    if (!(d in DTYPE_SUFFIX)) {
      throw new MultiLoraError('INVALID_CONFIG', `dtype "${d}" is unknown; expected one of ${Object.keys(DTYPE_SUFFIX).join(', ')}.`);
    }
    return [DTYPE_SUFFIX[d]];
  }
  return ['', '_quantized'];
}

/** The entry of `files` for `slot` (by session name, else by file stem), with its key. */
export function givenFile(slot: SessionSlot, files: ModelSource['files']): { key: string; file: Uint8Array | string } | undefined {
  const key = [slot.name, slot.stem].find((k) => files?.[k] !== undefined);
  return key === undefined ? undefined : { key, file: files![key] };
}

/** Reads the graph of `slot`'s session from `source` (see the file comment). */
export async function readSessionSource(slot: SessionSlot, source: ModelSource): Promise<SessionSource> {
  const given = givenFile(slot, source.files);
  if (given) {
    const { key, file } = given;
    const bytes = typeof file === 'string' ? await readModelFile(file) : file;
    const fileName = typeof file === 'string' ? file.split(/[\\/]/).pop()! : `${slot.stem}${suffixesFor(slot, source.dtype)[0]}.onnx`;
    return { model: decodeModel(bytes, `files["${key}"]`), bytes, fileName };
  }
  if (!source.modelPath) {
    throw new MultiLoraError('ONNX_MODEL_FILE_NOT_FOUND', `cannot read the graph of session "${slot.name}": transformers.js ` +
      'does not keep it. Pass modelPath (the model folder, e.g. join(env.localModelPath, modelId)) or files ' +
      `{ "${slot.stem}": <bytes or path of the .onnx file> } in the options.`);
  }
  const { dir, entries } = await listModelFolder(source.modelPath, source.subfolder ?? 'onnx');
  const present = entries.map((e) => e.name);
  const known = Object.values(DTYPE_SUFFIX).filter((s) => s !== '');
  const suffixes = suffixesFor(slot, source.dtype);
  const stemOf = (f: string, suffix: string) => {
    const stem = f.slice(0, -'.onnx'.length);
    if (suffix === '') return known.some((k) => stem.endsWith(k)) ? undefined : stem;
    return stem.endsWith(suffix) ? stem.slice(0, -suffix.length) : undefined;
  };
  const preferred = [slot.stem, ...STEMS];
  const candidates = entries.filter((e) => e.name.endsWith('.onnx'))
    .flatMap((e) => suffixes.map((s) => ({ f: e.name, path: e.path, stem: stemOf(e.name, s) })))
    .filter((c) => c.stem !== undefined)
    .sort((a, b) => (preferred.indexOf(a.stem!) + 1 || 99) - (preferred.indexOf(b.stem!) + 1 || 99));
  const matches: SessionSource[] = [];
  for (const { f, path } of candidates) {
    const bytes = await readModelFile(path);
    const model = decodeModel(bytes, `"${path}"`);
    if (matchesSession(model, slot.get())) matches.push({ model, bytes, fileName: f });
    if (matches.length > 0 && suffixes.length === 1) break;
  }
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    throw new MultiLoraError('ONNX_MODEL_FILE_NOT_FOUND', `session "${slot.name}" matches several files in "${dir}": ` +
      `${matches.map((m) => m.fileName).join(', ')}. Pass dtype ("fp32", or "q8" when the model was loaded with quantized: true).`);
  }
  throw new MultiLoraError('ONNX_MODEL_FILE_NOT_FOUND', `no .onnx file in "${dir}" has the inputs and outputs of session ` +
    `"${slot.name}" (suffix ${suffixes.map((s) => JSON.stringify(s)).join(' or ')}); the folder has ` +
    `${present.map((p) => JSON.stringify(p)).join(', ') || 'nothing'}. Check modelPath and dtype, or pass files.`);
}
