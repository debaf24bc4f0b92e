/**
 * Writes the page's generated public/ folder (git-ignored): the tiny Llama fixture model (fp32) from
 * test/fixtures/onnx-models, a seeded demo adapter for it, onnxruntime-web's wasm build that
 * transformers.js uses, and tfjs-backend-wasm's .wasm files. Nothing is fetched from the network.
 *
 * Run: node --import tsx examples/browser/scripts/prepare.ts (the browser tests call preparePublicDir).
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serializeAdapter } from '@multilora/core';
import { randomAdapter } from '../../../test/fixtures/onnx-models/adapters.js';
import { TINY_LLAMA, writeFixtureModel } from '../../../test/fixtures/onnx-models/index.js';

/** The page's folder. */
export const PAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/** A package in the workspace root's node_modules (npm hoists them there). */
const packageDir = (name: string) => fileURLToPath(new URL(`../../../node_modules/${name}/`, import.meta.url));

/** The seeded demo adapter of the tiny Llama fixture: MultiLoRA 2×2 on q_proj and v_proj. */
export const demoAdapter = () => randomAdapter(TINY_LLAMA, { targets: ['q_proj', 'v_proj'], n: 2, r: 2, seed: 5 });

/** Writes `<page>/public` (or `dir`) and returns its path. */
export async function preparePublicDir(dir = join(PAGE_DIR, 'public')): Promise<string> {
  await writeFixtureModel(join(dir, 'models'), 'multilora/tiny-llama', TINY_LLAMA, { variants: ['fp32'], overwrite: true });
  const adapterDir = join(dir, 'adapters', 'tiny-llama-demo');
  await mkdir(adapterDir, { recursive: true });
  const files = serializeAdapter(demoAdapter());
  await writeFile(join(adapterDir, 'adapter_config.json'), files.config);
  await writeFile(join(adapterDir, 'adapter_model.safetensors'), files.weights);
  const ort = join(packageDir('onnxruntime-web'), 'dist');
  await mkdir(join(dir, 'ort'), { recursive: true });
  for (const f of ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm']) await copyFile(join(ort, f), join(dir, 'ort', f));
  const tfjsWasm = join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist');
  await mkdir(join(dir, 'tfjs-wasm'), { recursive: true });
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    await copyFile(join(tfjsWasm, f), join(dir, 'tfjs-wasm', f));
  }
  return dir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(`wrote ${await preparePublicDir()}`);
}
