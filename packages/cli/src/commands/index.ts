import type { CommandEntry } from './command.js';

/**
 * Every command, in the order `multilora --help` lists them. Each loads on first use, so `--help`,
 * `--version` and a command that needs neither tfjs nor transformers.js do not pay for loading them.
 */
export const commands: readonly CommandEntry[] = [
  {
    name: 'demo',
    summary: 'full fine-tuning vs LoRA vs MultiLoRA on a synthetic multi-task mixture (report + adapters)',
    load: async () => (await import('./demo.js')).demoCommand,
  },
  {
    name: 'train',
    summary: 'train a MultiLoRA adapter on a tfjs model (model.json) from a JSONL or CSV dataset',
    load: async () => (await import('./train.js')).trainCommand,
  },
  {
    name: 'inspect',
    summary: 'spectrum diagnostics of an adapter (table, report.json, SVG figures, report.html)',
    load: async () => (await import('./inspect.js')).inspectCommand,
  },
  {
    name: 'convert',
    summary: 'MultiLoRA adapter → PEFT LoRA (lossless), PEFT LoRA → MultiLoRA (n = 1)',
    load: async () => (await import('./convert.js')).convertCommand,
  },
  {
    name: 'merge',
    summary: 'merge an adapter into a transformers.js (ONNX) model folder, writing a new folder',
    load: async () => (await import('./merge.js')).mergeCommand,
  },
];
