import * as tf from '@tensorflow/tfjs';

/**
 * Switches tfjs to a backend for the cross-backend tests: `cpu`, `wasm` (tfjs-backend-wasm, SIMD, no
 * threads) or `webgpu` (tfjs-backend-webgpu on Dawn for Node, the npm package `webgpu`). Returns
 * `undefined` on success, or a sentence saying why the backend is not available on this machine.
 */
export async function useBackend(name: 'cpu' | 'wasm' | 'webgpu'): Promise<string | undefined> {
  if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  if (name === 'webgpu') {
    const reason = await installWebGpu();
    if (reason) return reason;
  }
  const ok = await tf.setBackend(name);
  await tf.ready();
  return ok && tf.getBackend() === name ? undefined : `tf.setBackend('${name}') failed`;
}

/**
 * Node has no `navigator.gpu`: create one from Dawn. Without a GPU, Dawn's OpenGL ES backend on Mesa's
 * llvmpipe (EGL surfaceless; needs Debian's libvulkan1 and Mesa) serves adapters of the
 * `compatibility` feature level only, which tfjs does not ask for, so requests are given that level.
 */
async function installWebGpu(): Promise<string | undefined> {
  if ((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) return undefined;
  process.env.EGL_PLATFORM ??= 'surfaceless';
  let webgpu: typeof import('webgpu');
  try {
    webgpu = await import('webgpu');
  } catch (e) {
    return `the webgpu package (Dawn for Node) did not load: ${(e as Error).message}`;
  }
  Object.assign(globalThis, webgpu.globals);
  const options = (o: GPURequestAdapterOptions = {}) => ({ ...o, featureLevel: 'compatibility' }) as GPURequestAdapterOptions;
  let gpu: GPU;
  try {
    gpu = webgpu.create(['backend=opengles']);
    if (!(await gpu.requestAdapter(options()))) throw new Error('requestAdapter returned null');
  } catch (e) {
    return `Dawn found no WebGPU adapter (${(e as Error).message}; install libvulkan1 and Mesa, EGL_PLATFORM=surfaceless)`;
  }
  const shim = Object.create(gpu) as GPU;
  shim.requestAdapter = (o) => gpu.requestAdapter(options(o));
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: shim }, configurable: true, writable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  return undefined;
}
