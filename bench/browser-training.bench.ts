/**
 * The paper's Figure 3 in the browser: training-step throughput of the Figure-3 model of
 * bench/tfjs-training.bench.ts (2 transformer-like blocks, 6 Dense layers each, hidden 256, seq 32,
 * batch 8) with a frozen base, LoRA r ∈ {8, 32, 64} and MultiLoRA n×r ∈ {4×8, 8×8, 2×32}, on every tfjs
 * backend of headless Chromium here (webgpu and webgl on SwiftShader, i.e. on the CPU; wasm; cpu with the
 * fused kernel on @multilora/wasm-kernels), in one browser session driving the demo page
 * (examples/browser, `window.multilora.benchmark`). Steps are timed round-robin across variants.
 *
 * Run: node --import tsx bench/browser-training.bench.ts [--quick] [--backends=webgpu,webgl,wasm,cpu]
 * WebGPU on SwiftShader takes seconds per step, so it gets 3 timed steps after 1 warm-up (others: 5 after 2;
 * --quick: 3 after 1 everywhere); the first step of each variant compiles its shaders, hence the warm-up.
 * Needs Debian's chromium (apt-get install -y chromium libvulkan1) and the packages built (npm run build).
 */
import { buildPage, launchChromium, missingChromium, serveStatic } from '../test/browser/harness.js';
import { printTable, writeResults } from './harness.js';

const QUICK = process.argv.includes('--quick');
const wanted = process.argv.find((a) => a.startsWith('--backends='))?.slice('--backends='.length).split(',');
const stepsOf = (backend: string) => (QUICK || backend === 'webgpu' ? { steps: 3, warmup: 1 } : { steps: 5, warmup: 2 });

const missing = missingChromium();
if (missing) {
  console.error(missing);
  process.exit(1);
}
const server = await serveStatic(await buildPage());
const browser = await launchChromium();
const rows: Record<string, string | number>[] = [];
let backends: string[] = [];
try {
  const page = await browser.newPage();
  page.on('console', (m) => { if (m.type() === 'error') console.error(`[page] ${m.text()}`); });
  await page.goto(server.url);
  await page.waitForFunction(() => document.body.dataset.state === 'idle', undefined, { timeout: 60_000 });
  const offered = await page.evaluate(() => (window as unknown as { multilora: { backends: string[] } }).multilora.backends);
  backends = wanted ?? offered;
  console.log(`Chromium offers: ${offered.join(', ')}; measuring ${backends.join(', ')}${QUICK ? ' (quick)' : ''}`);
  for (const backend of backends) {
    const t0 = performance.now();
    const result = await page.evaluate(
      (o) => (window as unknown as { multilora: { benchmark(o: object): Promise<Record<string, number | string>[]> } }).multilora.benchmark(o),
      { backends: [backend], size: QUICK ? 'quick' : 'full', ...stepsOf(backend) },
    );
    for (const r of result) console.log(`${r.backend} | ${r.variant}: ${Number(r.stepMs).toFixed(1)} ms/step, ${Number(r.samplesPerSec).toFixed(1)} samples/s`);
    console.log(`(${backend}: ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    rows.push(...result.map((r) => ({ backend: r.backend, variant: r.variant, steps: stepsOf(backend).steps, 'step ms': r.stepMs, 'min ms': r.minMs, 'samples/s': r.samplesPerSec, trainable: r.trainable })));
  }
  await page.close();
} finally {
  await browser.close();
  await server.close();
}

const ratios = [...new Set(rows.map((r) => r.backend as string))].map((backend) => {
  const get = (v: string) => rows.find((r) => r.backend === backend && r.variant === v)?.['samples/s'] as number | undefined;
  const [l32, m4] = [get('LoRA r=32'), get('MultiLoRA 4×8')];
  return { backend, 'MultiLoRA 4×8 / LoRA r=32 samples/s': l32 && m4 ? m4 / l32 : 'n/a' };
});
const version = await (async () => {
  const { execFileSync } = await import('node:child_process');
  return execFileSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
})();
console.log(`\nTraining step in ${version}, Figure-3 model${QUICK ? ' (quick)' : ''}:`);
printTable(rows);
console.log('');
printTable(ratios);
const path = writeResults('browser-training', { quick: QUICK, browser: version, backends, results: rows, ratios });
console.log(`\nwrote ${path}`);
