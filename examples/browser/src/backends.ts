/**
 * tfjs backends in the page: which ones this browser offers, and switching between them. The wasm
 * backend's .wasm files are served from `<base>tfjs-wasm/` (copied there by scripts/prepare.ts);
 * @multilora/wasm-kernels needs nothing served (its modules are embedded in the bundle).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { getKernels } from '@multilora/core';
import { registerWasmKernels } from '@multilora/wasm-kernels';
import { fastKernelActive } from '@multilora/tfjs';

/** The backends the page knows, fastest first. */
export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

setWasmPaths(`${import.meta.env.BASE_URL}tfjs-wasm/`);
let kernelsReady: Promise<unknown> | undefined;

/** Registers @multilora/wasm-kernels with core once (the fused kernel on cpu and wasm then runs on them). */
export function ensureWasmKernels(): Promise<unknown> {
  kernelsReady ??= registerWasmKernels();
  return kernelsReady;
}

/** Switches tfjs to `name`; throws with the reason when this browser cannot run it. */
export async function useBackend(name: BackendName): Promise<void> {
  await ensureWasmKernels();
  if (tf.getBackend() === name) return;
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs backend "${name}" failed to initialise in this browser${name === 'webgpu' ? ' (no WebGPU adapter: Chromium needs --enable-unsafe-webgpu without a GPU)' : ''}.`);
  await tf.ready();
}

/** Which of {@link BACKENDS} initialise here (tries each, then returns to the first that works). */
export async function availableBackends(): Promise<BackendName[]> {
  const ok: BackendName[] = [];
  for (const name of BACKENDS) {
    try {
      if (await tf.setBackend(name)) ok.push(name);
    } catch {
      // not offered by this browser
    }
  }
  if (ok.length > 0) await tf.setBackend(ok[0]);
  return ok;
}

/** A one-line description of the current backend and the fused kernel's implementation. */
export function backendLabel(): string {
  const backend = tf.getBackend();
  const fused = fastKernelActive() ? `fused kernel on ${getKernels().name}` : 'tfjs ops';
  return `${backend} (${fused})`;
}
