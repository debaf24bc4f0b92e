/**
 * MultiLoRA's kernels against their peers, in one run: @multilora/wasm-kernels (SIMD and scalar
 * modules), core's plain-TypeScript kernels, and tfjs doing the same math with its own ops on
 * tfjs-backend-wasm (XNNPACK, SIMD) and on tfjs's cpu backend. Measured: the adapter branch's fused
 * forward and forward + backward (no base weight) over T ∈ {1, 64, 512} tokens, d_in = d_out ∈ {256, 1024},
 * (n, r) ∈ {(1, 32), (4, 8), (8, 8)}; GEMM 512³; ΔW; and the machine's float32 peak from the module's
 * register-only multiply-add loop, so every kernel reports GFLOP/s and its fraction of that peak.
 * Inputs of the Kernels implementations are copied into wasm memory on every call (included in the
 * times); tfjs's inputs are resident tensors; every implementation reads its outputs back to JS.
 * The implementations are sampled round-robin (one batch of calls each per round, medians over rounds),
 * so a machine shared with other work slows them alike; the peak is the best of its samples.
 * Run: node --import tsx bench/kernels.bench.ts [--quick]   (quick: T = 512, d = 1024, (1, 32) and (4, 8))
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { SeededRandom, tsKernels, type Kernels } from '../packages/core/src/index.js';
import { loadWasmKernelsSync, type WasmKernels } from '../packages/wasm-kernels/src/index.js';
import { median, printTable, writeResults, type Timing } from './harness.js';

const quick = process.argv.includes('--quick');
const TOKENS = quick ? [512] : [1, 64, 512];
const DIMS = quick ? [1024] : [256, 1024];
const MODULES: [number, number][] = quick ? [[1, 32], [4, 8]] : [[1, 32], [4, 8], [8, 8]];
/** Rounds of round-robin sampling; each sample is a batch of calls lasting at least SAMPLE_MS. */
const ROUNDS = quick ? 5 : 9;
const SAMPLE_MS = quick ? 2 : 5;
const WARMUP_MS = 30;
const GAMMA = 2;

function random(length: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  return Float32Array.from({ length }, () => rng.uniform(-1, 1));
}

/**
 * Per-call timings of each function, sampled round-robin: every function is warmed up (≥ WARMUP_MS and
 * 5 calls, so the JIT and wasm tier-up are done), then each round takes one sample per function, a batch
 * of calls lasting ≥ SAMPLE_MS divided by its size. Medians (and extremes) over `rounds` samples.
 */
function measure(fns: Record<string, () => unknown>, rounds = ROUNDS): Record<string, Timing> {
  const batch: Record<string, number> = {};
  for (const [name, fn] of Object.entries(fns)) {
    const t0 = performance.now();
    let calls = 0;
    while (calls < 5 || performance.now() - t0 < WARMUP_MS) {
      fn();
      calls++;
    }
    batch[name] = Math.max(1, Math.ceil(SAMPLE_MS / ((performance.now() - t0) / calls)));
  }
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, fn] of Object.entries(fns)) {
      const t0 = performance.now();
      for (let i = 0; i < batch[name]; i++) fn();
      samples[name].push((performance.now() - t0) / batch[name]);
    }
  }
  return Object.fromEntries(
    Object.entries(samples).map(([name, v]) => [name, { medianMs: median(v), minMs: Math.min(...v), maxMs: Math.max(...v), repeats: rounds }]),
  );
}

interface Layer {
  T: number;
  d: number;
  n: number;
  r: number;
  x: Float32Array;
  a: Float32Array;
  b: Float32Array;
  scale: Float32Array;
  dy: Float32Array;
}

function makeLayer(T: number, d: number, n: number, r: number): Layer {
  const seed = T * 7919 + d * 31 + n * 7 + r;
  return { T, d, n, r, x: random(T * d, seed), a: random(n * r * d, seed + 1), b: random(d * n * r, seed + 2), scale: random(n, seed + 3), dy: random(T * d, seed + 4) };
}

/** The three measured operations of one implementation on one layer. */
interface Ops {
  forward: () => unknown;
  forwardBackward: () => unknown;
  delta: () => unknown;
}

function kernelOps(k: Kernels, L: Layer): Ops {
  const args = { tokens: L.T, inFeatures: L.d, outFeatures: L.d, n: L.n, r: L.r, scaleMode: 'module' as const, gamma: GAMMA, a: L.a, b: L.b, scale: L.scale, x: L.x };
  const y = new Float32Array(L.T * L.d);
  const w = new Float32Array(L.d * L.d);
  return {
    forward: () => k.fusedForward({ ...args, y }),
    forwardBackward: () => {
      const { z } = k.fusedForward({ ...args, y });
      return k.fusedBackward({ ...args, dy: L.dy, z });
    },
    delta: () => k.deltaWeight({ ...args, out: w }),
  };
}

/** The same math with tfjs ops on the current backend (module-mode scales): y, then dX, dA, dB, ds. */
function tfjsOps(L: Layer): Ops & { dispose: () => void } {
  const nr = L.n * L.r;
  const sRep = new Float32Array(nr).map((_, k) => GAMMA * L.scale[Math.floor(k / L.r)]);
  const x = tf.tensor2d(L.x, [L.T, L.d]);
  const a = tf.tensor2d(L.a, [nr, L.d]);
  const b = tf.tensor2d(L.b, [L.d, nr]);
  const s = tf.tensor2d(sRep, [1, nr]);
  const dy = tf.tensor2d(L.dy, [L.T, L.d]);
  const read = (ts: tf.Tensor[]) => {
    const data = ts.map((t) => t.dataSync() as Float32Array); // outside tidy (tidy walks returned typed arrays)
    tf.dispose(ts);
    return data;
  };
  return {
    forward: () => read([tf.tidy(() => tf.matMul(tf.mul(tf.matMul(x, a, false, true), s), b, false, true))]),
    forwardBackward: () =>
      read(
        tf.tidy(() => {
          const z = tf.matMul(x, a, false, true);
          const zs = tf.mul(z, s);
          const y = tf.matMul(zs, b, false, true);
          const dyB = tf.matMul(dy, b); // dY · B_cat [T, nr]
          const dz = tf.mul(dyB, s); // γ s_rep ⊙ (dY B_cat)
          const db = tf.matMul(dy, zs, true, false); // γ dYᵀ (Z ⊙ s_rep)
          const ds = tf.mul(tf.sum(tf.reshape(tf.sum(tf.mul(dyB, z), 0), [L.n, L.r]), 1), GAMMA);
          const da = tf.matMul(dz, x, true, false);
          const dx = tf.matMul(dz, a);
          return [y, dx, da, db, ds];
        }),
      ),
    delta: () => read([tf.tidy(() => tf.matMul(tf.mul(b, s), a))]),
    dispose: () => tf.dispose([x, a, b, s, dy]),
  };
}

/** Throws unless the tfjs op sequence computes what the kernels compute (y, dX, dA, dB, ds; 1e-4 relative). */
function checkSameMath(backend: string): void {
  const L = makeLayer(5, 24, 3, 2);
  const ops = tfjsOps(L);
  const theirs = ops.forwardBackward() as Float32Array[];
  ops.dispose();
  const mine = kernelOps(simd, L);
  const y = (mine.forward() as { y: Float32Array }).y;
  const g = mine.forwardBackward() as { dx: Float32Array; da: Float32Array; db: Float32Array; ds: Float32Array };
  [y, g.dx, g.da, g.db, g.ds].forEach((ours, i) => {
    const scale = Math.max(1, ...ours.map(Math.abs));
    const err = Math.max(...ours.map((v, j) => Math.abs(v - theirs[i][j])));
    if (!(err <= 1e-4 * scale)) throw new Error(`tfjs (${backend}) output ${i} differs from the kernels' by ${err}`);
  });
}

const flopsForward = (L: Layer) => 4 * L.T * L.d * L.n * L.r;
const flopsForwardBackward = (L: Layer) => 12 * L.T * L.d * L.n * L.r;
const flopsDelta = (L: Layer) => 2 * L.d * L.d * L.n * L.r;

const simd = loadWasmKernelsSync({ simd: true });
const scalar = loadWasmKernelsSync({ simd: false });

/** The best GFLOP/s of the module's multiply-add loop over 15 samples (its median in `timing`). */
function peakOf(k: WasmKernels): { gflops: number; timing: Timing } {
  const flops = k.peak(1_000_000);
  const timing = measure({ peak: () => k.peak(1_000_000) }, 15).peak;
  return { gflops: flops / timing.minMs / 1e6, timing };
}

const peakSimd = peakOf(simd);
const peakScalar = peakOf(scalar);
const peak = peakSimd.gflops;

type ImplName = 'wasm-simd' | 'wasm-scalar' | 'ts' | 'tfjs-wasm' | 'tfjs-cpu';
type OpName = keyof Ops;
const IMPLS: ImplName[] = ['wasm-simd', 'wasm-scalar', 'ts', 'tfjs-wasm', 'tfjs-cpu'];
interface Entry {
  op: OpName;
  impl: ImplName;
  T: number;
  d: number;
  n: number;
  r: number;
  flops: number;
  timing: Timing;
  gflops: number;
  fractionOfPeak: number;
}
const entries: Entry[] = [];
const layers = TOKENS.flatMap((T) => DIMS.flatMap((d) => MODULES.map(([n, r]) => makeLayer(T, d, n, r))));
const flopsOf: Record<OpName, (L: Layer) => number> = { forward: flopsForward, forwardBackward: flopsForwardBackward, delta: flopsDelta };

/** Measures the operations of `impls` on layer L together (ΔW only once per d and (n, r)). */
function record(L: Layer, impls: Partial<Record<ImplName, Ops>>, rounds = ROUNDS): void {
  const ops: OpName[] = L.T === TOKENS[0] ? ['forward', 'forwardBackward', 'delta'] : ['forward', 'forwardBackward'];
  for (const op of ops) {
    const timings = measure(Object.fromEntries(Object.entries(impls).map(([impl, o]) => [impl, o[op]])), rounds);
    for (const [impl, timing] of Object.entries(timings)) {
      const flops = flopsOf[op](L);
      const gflops = flops / timing.medianMs / 1e6;
      entries.push({ op, impl: impl as ImplName, T: L.T, d: L.d, n: L.n, r: L.r, flops, timing, gflops, fractionOfPeak: gflops / peak });
    }
  }
}

const G = 512;
const ga = random(G * G, 1);
const gb = random(G * G, 2);
const gc = new Float32Array(G * G);
const gemmOf = (k: Kernels, transA = false, transB = false) => () => k.gemm({ m: G, n: G, k: G, a: ga, b: gb, c: gc, transA, transB });
const tfGemm = () => {
  const [ta, tb] = [tf.tensor2d(ga, [G, G]), tf.tensor2d(gb, [G, G])];
  return {
    run: () => {
      const c = tf.matMul(ta, tb);
      c.dataSync();
      c.dispose();
    },
    dispose: () => tf.dispose([ta, tb]),
  };
};

// phase 1, tfjs on its wasm backend: every Kernels implementation and tfjs-wasm sampled together
await tf.setBackend('wasm');
await tf.ready();
const tfjsWasmSimd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
checkSameMath('wasm');
for (const L of layers) {
  const tfOps = tfjsOps(L);
  record(L, { 'wasm-simd': kernelOps(simd, L), 'wasm-scalar': kernelOps(scalar, L), ts: kernelOps(tsKernels, L), 'tfjs-wasm': tfOps });
  tfOps.dispose();
}
// the MultiLoRA-vs-LoRA ratio from its own interleaved samples: equal FLOPs, so only noise separates them
const lora = makeLayer(512, 1024, 1, 32);
const multiLora = makeLayer(512, 1024, 4, 8);
const pair = measure({ lora: kernelOps(simd, lora).forwardBackward, multiLora: kernelOps(simd, multiLora).forwardBackward }, 15);
const tfWasmGemm = tfGemm();
const gemmTimings: Record<string, Timing> = measure({
  'wasm-simd': gemmOf(simd),
  'wasm-simd (A·Bᵀ)': gemmOf(simd, false, true),
  'wasm-simd (Aᵀ·B)': gemmOf(simd, true, false),
  'wasm-scalar': gemmOf(scalar),
  ts: gemmOf(tsKernels),
  'tfjs-wasm': tfWasmGemm.run,
});
tfWasmGemm.dispose();

// phase 2, tfjs's cpu backend (slow: fewer rounds)
await tf.setBackend('cpu');
await tf.ready();
checkSameMath('cpu');
for (const L of layers) {
  const tfOps = tfjsOps(L);
  record(L, { 'tfjs-cpu': tfOps }, 3);
  tfOps.dispose();
}
const tfCpuGemm = tfGemm();
gemmTimings['tfjs-cpu'] = measure({ 'tfjs-cpu': tfCpuGemm.run }, 3)['tfjs-cpu'];
tfCpuGemm.dispose();

const find = (op: OpName, impl: ImplName, L: { T: number; d: number; n: number; r: number }) =>
  entries.find((e) => e.op === op && e.impl === impl && e.T === L.T && e.d === L.d && e.n === L.n && e.r === L.r);

console.log(`\nfloat32 peak of the multiply-add loop (best sample): ${peak.toFixed(1)} GFLOP/s (f32x4), ${peakScalar.gflops.toFixed(1)} GFLOP/s (scalar); tfjs-wasm SIMD: ${tfjsWasmSimd}`);
const titles: Record<OpName, string> = {
  forward: 'adapter forward',
  forwardBackward: 'adapter forward + backward',
  delta: 'ΔW = γ B_eff A_cat [d, d]',
};
for (const op of ['forward', 'forwardBackward', 'delta'] as const) {
  console.log(`\n${titles[op]} (median ms per call; GFLOP/s and % of the f32x4 peak for wasm-simd)`);
  const rows = layers
    .filter((L) => find(op, 'wasm-simd', L))
    .map((L) => {
      const row: Record<string, string | number> = op === 'delta' ? { d: L.d, 'n×r': `${L.n}×${L.r}` } : { T: L.T, d: L.d, 'n×r': `${L.n}×${L.r}` };
      for (const impl of IMPLS) row[impl] = find(op, impl, L)?.timing.medianMs ?? '';
      const best = find(op, 'wasm-simd', L);
      row['GFLOP/s'] = best?.gflops ?? '';
      row['% peak'] = best ? `${(100 * best.fractionOfPeak).toFixed(0)}%` : '';
      const tfw = find(op, 'tfjs-wasm', L);
      row['× vs tfjs-wasm'] = best && tfw ? tfw.timing.medianMs / best.timing.medianMs : '';
      return row;
    });
  printTable(rows);
}

console.log(`\nGEMM ${G}³ (median ms, GFLOP/s, % of the f32x4 peak)`);
const gemmFlops = 2 * G ** 3;
printTable(
  Object.entries(gemmTimings).map(([impl, t]) => ({
    impl,
    ms: t.medianMs,
    'GFLOP/s': gemmFlops / t.medianMs / 1e6,
    '% peak': `${((100 * gemmFlops) / t.medianMs / 1e6 / peak).toFixed(0)}%`,
  })),
);

// targets at T = 512, d = 1024 (medians; the JSON also has the ratios of the best samples)
const target = { T: 512, d: 1024 };
const fb = (impl: ImplName, n: number, r: number) => find('forwardBackward', impl, { ...target, n, r })?.timing;
const ratio = (num?: Timing, den?: Timing) => ({ median: (num?.medianMs ?? NaN) / (den?.medianMs ?? NaN), best: (num?.minMs ?? NaN) / (den?.minMs ?? NaN) });
const targets = {
  fusedVsTfjsWasm: { ...ratio(fb('tfjs-wasm', 4, 8), fb('wasm-simd', 4, 8)), goal: '≥ 1.5: tfjs-wasm time / wasm-simd time, fwd+bwd, T=512, d=1024, (n, r) = (4, 8)' },
  gemmVsTfjsWasm: { ...ratio(gemmTimings['tfjs-wasm'], gemmTimings['wasm-simd']), goal: '≥ 0.8: tfjs-wasm time / wasm-simd time, GEMM 512³' },
  multiLoraVsLora: { ...ratio(pair.multiLora, pair.lora), goal: '≤ 1.1: wasm-simd fwd+bwd time, (4, 8) over (1, 32), T=512, d=1024 (15 interleaved rounds)' },
};
console.log('\ntargets');
printTable(Object.entries(targets).map(([name, t]) => ({ target: name, 'median ratio': t.median, 'best ratio': t.best, goal: t.goal })));

const path = writeResults('kernels', {
  quick,
  rounds: ROUNDS,
  peak: { simdGflops: peak, scalarGflops: peakScalar.gflops, simdTiming: peakSimd.timing, scalarTiming: peakScalar.timing },
  tfjsWasmSimd,
  entries,
  gemm512: Object.fromEntries(Object.entries(gemmTimings).map(([k, t]) => [k, { ...t, gflops: gemmFlops / t.medianMs / 1e6 }])),
  loraVsMultiLora: pair,
  targets,
});
console.log(`\nresults: ${path}`);
