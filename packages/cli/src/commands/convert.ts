import { basename, resolve } from 'node:path';
import { lowRankFrobenius, moduleFactors, type Adapter, type FloatDtype, type LowRankFactors } from '@multilora/core';
import { readAdapterFolder, writeAdapterFolder } from '@multilora/core/node';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { cell } from '../table.js';
import { parseCommandArgs, type Command } from './command.js';

const HELP = `Usage: multilora convert <adapter-dir> <out-dir> [options]

Converts an adapter folder (adapter_config.json + adapter_model.safetensors) between the two formats:
  MultiLoRA → PEFT LoRA: losslessly, as a plain LoRA of rank n·r per module (lora_A = [A_1 … A_n],
                         lora_B = γ·[s_1 B_1 … s_n B_n], lora_alpha = n·r): loads in PEFT, transformers.js
                         plugins and anything else that reads LoRA. ΔW is the same up to one float32
                         rounding of B.
  PEFT LoRA → MultiLoRA: as a MultiLoRA adapter with n = 1 (scale 1), e.g. to keep training it with
                         @multilora/tfjs.
After writing, the output is read back and its ΔW compared with the input's for every module; the
largest relative difference is printed.

Options:
  --to <lora|multilora>   target format (default: the other one)
  --dtype <f32|f16|bf16>  storage dtype of A and B (default f32; f16/bf16 round, so are not lossless)
  -h, --help              this help`;

const OPTIONS = {
  to: { type: 'string' },
  dtype: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const DTYPES: Record<string, FloatDtype> = { f32: 'F32', f16: 'F16', bf16: 'BF16' };

/** ΔW_a − ΔW_b as factors: [left_a, −left_b] · [right_a; right_b] (never a dense [out, in] matrix). */
function difference(a: LowRankFactors, b: LowRankFactors): LowRankFactors {
  const [pa, pb, out] = [a.left.cols, b.left.cols, a.left.rows];
  const left = new Float64Array(out * (pa + pb));
  for (let o = 0; o < out; o++) {
    left.set(a.left.data.subarray(o * pa, (o + 1) * pa), o * (pa + pb));
    for (let j = 0; j < pb; j++) left[o * (pa + pb) + pa + j] = -b.left.data[o * pb + j];
  }
  const right = new Float64Array((pa + pb) * a.right.cols);
  right.set(a.right.data);
  right.set(b.right.data, a.right.data.length);
  return { left: { rows: out, cols: pa + pb, data: left }, right: { rows: pa + pb, cols: a.right.cols, data: right } };
}

/**
 * The largest ‖ΔW_a − ΔW_b‖_F / ‖ΔW_a‖_F over modules, exactly in float64 from the low-rank factors
 * (modules with ΔW_a = 0 compare absolutely; a module missing from b gives Infinity).
 */
export function largestDeltaDifference(a: Adapter, b: Adapter): number {
  let worst = 0;
  for (const [name, m] of a.modules) {
    const other = b.modules.get(name);
    if (!other) return Infinity;
    const fa = moduleFactors(m);
    const num = lowRankFrobenius(difference(fa, moduleFactors(other)));
    const den = lowRankFrobenius(fa);
    worst = Math.max(worst, den > 0 ? num / den : num);
  }
  return worst;
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (positionals.length !== 2) {
    throw new UsageError(`expected <adapter-dir> <out-dir>, got ${positionals.length} argument${positionals.length === 1 ? '' : 's'}` +
      `${positionals.length ? `: ${positionals.join(' ')}` : ''}.`);
  }
  const [from, to] = positionals;
  if (resolve(from) === resolve(to)) throw new UsageError(`<out-dir> is the input folder "${from}"; write the converted adapter to another folder.`);
  const dtype = DTYPES[values.dtype ?? 'f32'];
  if (!dtype) throw new UsageError(`--dtype is "${values.dtype}"; expected f32, f16 or bf16.`);
  const adapter = await readAdapterFolder(from);
  const source = adapter.metadata.peftType === 'LORA' ? 'lora' : 'multilora';
  const target = values.to ?? (source === 'lora' ? 'multilora' : 'lora');
  if (target !== 'lora' && target !== 'multilora') throw new UsageError(`--to is "${target}"; expected "lora" or "multilora".`);
  const converted: Adapter = target === 'multilora' ? { ...adapter, metadata: { ...adapter.metadata, peftType: 'MULTILORA' } } : adapter;
  await writeAdapterFolder(to, converted, { format: target, dtype });
  const back = await readAdapterFolder(to);
  const diff = largestDeltaDifference(adapter, back);
  const first = [...back.modules.values()][0];
  io.out(`${basename(resolve(from))} (${source === 'lora' ? 'PEFT LoRA' : 'MultiLoRA'}, ${adapter.modules.size} modules) → ${to} ` +
    `(${target === 'lora' ? 'PEFT LoRA' : 'MultiLoRA'}, n = ${first?.n ?? '—'}, r = ${first?.r ?? '—'}, ${dtype})`);
  io.out(`read back: largest relative ΔW difference over modules ${cell(diff)}${dtype === 'F32' ? ' (float32 rounding only)' : ` (${dtype} storage rounds)`}`);
  return 0;
}

/** `multilora convert`: MultiLoRA ↔ PEFT LoRA adapter folders, verified by ΔW. */
export const convertCommand: Command = {
  name: 'convert',
  help: HELP,
  run,
};
