/**
 * A transformers.js model with a MultiLoRA adapter in the browser: the tiny Llama fixture
 * (test/fixtures/onnx-models, written into public/models by scripts/prepare.ts) runs on onnxruntime-web,
 * whose wasm files are served from `<base>ort/`; @multilora/transformers merges a demo adapter
 * (public/adapters/tiny-llama-demo) into it. Loaded on demand, so the training page stays light.
 */
import { applyMultiLoRA } from '@multilora/transformers';

/** The fixture model's id under `<base>models/`. */
export const MODEL_ID = 'multilora/tiny-llama';
/** The prompt's token ids (the Node tests' prompt). */
export const PROMPT_IDS = [1, 5, 9, 22, 31, 47];

/** What the demo shows and the tests compare. */
export interface TransformersResult {
  promptIds: number[];
  baseTokens: number[];
  adaptedTokens: number[];
  /** Logits of the last prompt position, base and adapted. */
  baseLogits: number[];
  adaptedLogits: number[];
  maxAbsLogitChange: number;
  adaptedModules: number;
  ms: number;
}

async function bytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}; run examples/browser/scripts/prepare.ts before building the page.`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Loads the fixture model, runs it, merges the demo adapter, runs it again. */
export async function runTransformersDemo(): Promise<TransformersResult> {
  const t0 = performance.now();
  const base = new URL(import.meta.env.BASE_URL, location.href).href;
  const T = await import('@huggingface/transformers');
  T.env.allowRemoteModels = false;
  T.env.allowLocalModels = true;
  T.env.localModelPath = `${base}models/`;
  T.env.useBrowserCache = false;
  const wasm = T.env.backends.onnx.wasm!;
  wasm.wasmPaths = { mjs: `${base}ort/ort-wasm-simd-threaded.asyncify.mjs`, wasm: `${base}ort/ort-wasm-simd-threaded.asyncify.wasm` };
  wasm.numThreads = 1;
  const model = await T.AutoModelForCausalLM.from_pretrained(MODEL_ID, { dtype: 'fp32', device: 'wasm' });
  const prompt = () => ({
    input_ids: new T.Tensor('int64', BigInt64Array.from(PROMPT_IDS.map(BigInt)), [1, PROMPT_IDS.length]),
    attention_mask: new T.Tensor('int64', new BigInt64Array(PROMPT_IDS.length).fill(1n), [1, PROMPT_IDS.length]),
  });
  const run = async () => {
    const out = await (model as unknown as (i: object) => Promise<{ logits: { data: Float32Array; dims: number[] } }>)(prompt());
    const vocab = out.logits.dims[2];
    const logits = Array.from(out.logits.data.subarray(out.logits.data.length - vocab));
    const generated = await model.generate({ ...prompt(), max_new_tokens: 8, min_new_tokens: 8, do_sample: false }) as unknown as { tolist(): bigint[][] };
    return { logits, tokens: generated.tolist()[0].slice(PROMPT_IDS.length).map(Number) };
  };
  const before = await run();
  const [config, weights, onnx] = await Promise.all([
    bytes(`${base}adapters/tiny-llama-demo/adapter_config.json`),
    bytes(`${base}adapters/tiny-llama-demo/adapter_model.safetensors`),
    bytes(`${base}models/${MODEL_ID}/onnx/model.onnx`),
  ]);
  const handle = await applyMultiLoRA(model, { config, weights }, { mode: 'merge', files: { model: onnx } });
  const after = await run();
  const maxAbsLogitChange = Math.max(...before.logits.map((v, i) => Math.abs(v - after.logits[i])));
  const adaptedModules = handle.modules.length;
  return {
    promptIds: PROMPT_IDS, baseTokens: before.tokens, adaptedTokens: after.tokens, baseLogits: before.logits,
    adaptedLogits: after.logits, maxAbsLogitChange, adaptedModules, ms: performance.now() - t0,
  };
}
