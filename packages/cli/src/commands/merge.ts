import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { readAdapterFolder } from '@multilora/core/node';
import { applyMultiLoRA } from '@multilora/transformers';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { parseCommandArgs, type Command } from './command.js';

const HELP = `Usage: multilora merge <model-dir> <adapter-dir> <out-dir> [options]

Merges an adapter (MultiLoRA or PEFT LoRA folder) into a transformers.js model folder and writes a
new model folder that loads without any plugin: onnx/<the same file> with W0 + ΔW in its float
weights, plus the folder's config.json, tokenizer and generation files. The model is loaded offline
through @huggingface/transformers (env.allowRemoteModels = false) from <model-dir>, which must hold
config.json and onnx/model.onnx (Optimum's layout; fp32 or fp16). Quantized models (q8, q4) cannot be
merged into their weights: use @multilora/transformers' branch mode for those.

Options:
  --dtype <fp32|fp16>   which model file to load and write (default fp32: onnx/model.onnx)
  --class <name>        transformers.js class that loads the model (default AutoModel; e.g.
                        AutoModelForCausalLM, AutoModelForSequenceClassification)
  -h, --help            this help`;

const OPTIONS = {
  dtype: { type: 'string' },
  class: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() === true;
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (positionals.length !== 3) throw new UsageError(`expected <model-dir> <adapter-dir> <out-dir>, got ${positionals.length} argument(s).`);
  const [modelDir, adapterDir, outDir] = positionals.map((p) => resolve(p));
  const dtype = values.dtype ?? 'fp32';
  if (dtype !== 'fp32' && dtype !== 'fp16') throw new UsageError(`--dtype is "${dtype}"; expected fp32 or fp16 (quantized models cannot be merged into their weights).`);
  if (!(await isDir(modelDir)) || !(await stat(join(modelDir, 'config.json')).catch(() => undefined))) {
    throw new UsageError(`<model-dir> "${positionals[0]}" is not a transformers.js model folder; expected a folder with config.json and onnx/model.onnx.`);
  }
  if (outDir === modelDir) throw new UsageError('<out-dir> is <model-dir>; write the merged model to a new folder.');
  const adapter = await readAdapterFolder(adapterDir);
  const T = await import('@huggingface/transformers');
  const className = values.class ?? 'AutoModel';
  const cls = (T as unknown as Record<string, { from_pretrained?: (id: string, o: object) => Promise<unknown> }>)[className];
  if (!cls?.from_pretrained) throw new UsageError(`--class "${className}" is not a transformers.js model class; try AutoModel or AutoModelForCausalLM.`);
  // Offline loading from the model's parent folder; the library's settings are restored afterwards.
  const saved = { allowRemoteModels: T.env.allowRemoteModels, allowLocalModels: T.env.allowLocalModels, localModelPath: T.env.localModelPath };
  Object.assign(T.env, { allowRemoteModels: false, allowLocalModels: true, localModelPath: `${dirname(modelDir)}/` });
  io.err(`loading ${modelDir} (${dtype}) with ${className} …`);
  let model: unknown;
  try {
    model = await cls.from_pretrained(basename(modelDir), { dtype });
  } finally {
    Object.assign(T.env, saved);
  }
  const handle = await applyMultiLoRA(model, adapter, { mode: 'merge', modelPath: modelDir });
  await handle.saveMerged(outDir);
  io.out(`merged ${adapter.modules.size} module(s) of ${adapterDir} into ${modelDir}; wrote ${outDir}`);
  io.out(`load it without the plugin: env.localModelPath = '${dirname(outDir)}/'; ${className}.from_pretrained('${basename(outDir)}', { dtype: '${dtype}' })`);
  await handle.remove();
  await (model as { dispose?: () => Promise<unknown> }).dispose?.();
  return 0;
}

/** `multilora merge`: a transformers.js model folder + an adapter → a merged model folder. */
export const mergeCommand: Command = {
  name: 'merge',
  help: HELP,
  run,
};
