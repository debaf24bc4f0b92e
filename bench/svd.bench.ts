/**
 * SVD of an adapter's ΔW = L·R (L [N, p], R [p, N], p = n·r): our exact low-rank path against a dense
 * SVD of the materialised ΔW by numpy's LAPACK (python3, same run) and, at N = 1024 only, by our own
 * dense SVD. At N = 4096 our dense SVD is not run: pure TypeScript needs ~1 minute per call there
 * (O(N³) at a few GFLOP/s) and would only show what the low-rank path exists to avoid.
 * Also our dense SVD of a general 1024×1024 Gaussian matrix against numpy's.
 *
 * Our paths run twice: with @multilora/wasm-kernels registered (their f64x2 gemmF64 takes the large
 * float64 products, as in `multilora inspect`) and with core's TypeScript GEMM alone (core without
 * kernels, e.g. a browser without WebAssembly). The plain fields (lowRank, oursDense, ours) are the
 * wasm-registered run, the `…TsGemm` fields core alone.
 *
 * Targets, on the wasm-registered run: low-rank ≥ 100× faster than numpy's dense SVD at N = 4096,
 * p = 128, singular values equal to 1e-10 relative; our dense SVD at 1024×1024 within 5× of numpy's time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lowRankSvd, registerKernels, svd, SeededRandom, type DenseMatrix } from '@multilora/core';
import { loadWasmKernels } from '@multilora/wasm-kernels';
import { printTable, time, writeResults, type Timing } from './harness.js';

const CASES = [
  { size: 1024, p: 32 },
  { size: 1024, p: 128 },
  { size: 4096, p: 32 },
  { size: 4096, p: 128 },
];

function gaussian(rows: number, cols: number, seed: number, scale = 1): DenseMatrix {
  const rng = new SeededRandom(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = scale * rng.normal();
  return { rows, cols, data };
}

function product(l: DenseMatrix, r: DenseMatrix): DenseMatrix {
  const data = new Float64Array(l.rows * r.cols);
  for (let i = 0; i < l.rows; i++) {
    const row = data.subarray(i * r.cols, (i + 1) * r.cols);
    for (let q = 0; q < l.cols; q++) {
      const x = l.data[i * l.cols + q];
      const rq = r.data.subarray(q * r.cols, (q + 1) * r.cols);
      for (let j = 0; j < r.cols; j++) row[j] += x * rq[j];
    }
  }
  return { rows: l.rows, cols: r.cols, data };
}

interface NumpyTiming {
  valuesMs: number;
  fullMs: number;
  s: number[];
}

/**
 * numpy's dense SVD of `a` (or of L·R, materialised by numpy) in one python3 process: the median
 * of `repeats` (the statistic our side reports too) for values only (compute_uv=False) and with vectors (full_matrices=False). OpenBLAS's
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE overrides are removed for this child only.
 */
function numpySvd(dir: string, name: string, input: { a: DenseMatrix } | { l: DenseMatrix; r: DenseMatrix }, repeats: number): NumpyTiming {
  const save = (file: string, m: DenseMatrix) => writeFileSync(join(dir, file), new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
  const shapes: Record<string, [number, number]> = {};
  if ('a' in input) {
    save(`${name}-a.bin`, input.a);
    shapes.a = [input.a.rows, input.a.cols];
  } else {
    save(`${name}-l.bin`, input.l);
    save(`${name}-r.bin`, input.r);
    shapes.l = [input.l.rows, input.l.cols];
    shapes.r = [input.r.rows, input.r.cols];
  }
  const script = `
import json, sys, time, numpy as np
d, name, shapes, repeats = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
load = lambda k: np.fromfile(f"{d}/{name}-{k}.bin", dtype="<f8").reshape(shapes[k])
a = load("a") if "a" in shapes else load("l") @ load("r")
def median_ms(f):
    ts = []
    for _ in range(repeats):
        t = time.perf_counter(); out = f(); ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2] * 1000 if len(ts) % 2 else (ts[len(ts) // 2 - 1] + ts[len(ts) // 2]) * 500, out
v_ms, s = median_ms(lambda: np.linalg.svd(a, compute_uv=False))
f_ms, _ = median_ms(lambda: np.linalg.svd(a, full_matrices=False))
print(json.dumps({"valuesMs": v_ms, "fullMs": f_ms, "s": s[:256].tolist()}))
`;
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync('python3', ['-c', script, dir, name, JSON.stringify(shapes), String(repeats)], { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`python3/numpy failed (${r.error?.message ?? r.stderr}); the benchmark needs python3 with numpy.`);
  return JSON.parse(r.stdout) as NumpyTiming;
}

function maxRelativeDifference(ours: ArrayLike<number>, theirs: ArrayLike<number>, count: number): number {
  let worst = 0;
  for (let i = 0; i < count; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]) / theirs[i]);
  return worst;
}

const wasmKernels = await loadWasmKernels();
type Gemm = 'wasm' | 'ts';

/** Times `fn` (see `time`) with the wasm kernels registered, or with core's TypeScript GEMM alone. */
async function timeWith(gemm: Gemm, fn: () => unknown, options: { repeats: number; warmup: number }): Promise<Timing> {
  const unregister = gemm === 'wasm' ? registerKernels(wasmKernels) : undefined;
  try {
    return await time(fn, options);
  } finally {
    unregister?.();
  }
}

/** `fn()` once with the wasm kernels registered, or with core's TypeScript GEMM alone. */
function runWith<T>(gemm: Gemm, fn: () => T): T {
  const unregister = gemm === 'wasm' ? registerKernels(wasmKernels) : undefined;
  try {
    return fn();
  } finally {
    unregister?.();
  }
}

/** One low-rank case in the JSON: plain fields with the wasm kernels registered, `…TsGemm` with core alone. */
interface CaseResult {
  size: number;
  p: number;
  lowRank: { values: Timing; full: Timing };
  lowRankTsGemm: { values: Timing; full: Timing };
  numpy: { valuesMs: number; fullMs: number };
  oursDense: DenseRun | null;
  oursDenseTsGemm: DenseRun | null;
  maxRelativeDifference: number;
  maxRelativeDifferenceTsGemm: number;
}

interface DenseRun {
  valuesMs: number;
  fullMs: number;
  diff: number;
}

const dir = mkdtempSync(join(tmpdir(), 'multilora-svd-bench-'));
const rows: Record<string, string | number>[] = [];
const results: CaseResult[] = [];
try {
  for (const { size, p } of CASES) {
    const l = gaussian(size, p, size + p, 1 / Math.sqrt(p));
    const r = gaussian(p, size, size * 7 + p, 1 / Math.sqrt(size));
    const factors = { left: l, right: r };
    const lowRank = async (gemm: Gemm) => ({
      values: await timeWith(gemm, () => lowRankSvd(factors, { vectors: 'none' }), { repeats: 9, warmup: 2 }),
      full: await timeWith(gemm, () => lowRankSvd(factors, { vectors: 'both' }), { repeats: 9, warmup: 2 }),
      s: runWith(gemm, () => lowRankSvd(factors, { vectors: 'none' }).s),
    });
    const ours = await lowRank('wasm');
    const oursTs = await lowRank('ts');
    const numpy = numpySvd(dir, `lr${size}-${p}`, { l, r }, size > 2048 ? 1 : 3);
    const diff = maxRelativeDifference(ours.s, numpy.s, p);
    const diffTs = maxRelativeDifference(oursTs.s, numpy.s, p);
    const denseRun = async (gemm: Gemm, delta: DenseMatrix): Promise<DenseRun> => ({
      valuesMs: (await timeWith(gemm, () => svd(delta, { vectors: 'none' }), { repeats: 2, warmup: 1 })).medianMs,
      fullMs: (await timeWith(gemm, () => svd(delta, { vectors: 'both' }), { repeats: 1, warmup: 0 })).medianMs,
      diff: maxRelativeDifference(runWith(gemm, () => svd(delta, { vectors: 'none' }).s), numpy.s, p),
    });
    let dense: DenseRun | undefined;
    let denseTs: DenseRun | undefined;
    if (size <= 1024) {
      const delta = product(l, r);
      dense = await denseRun('wasm', delta);
      denseTs = await denseRun('ts', delta);
    }
    rows.push({
      'N × N, n·r': `${size}×${size}, ${p}`,
      'low-rank values ms': ours.values.medianMs,
      'low-rank values ms, TS GEMM': oursTs.values.medianMs,
      'low-rank U,S,V ms': ours.full.medianMs,
      'low-rank U,S,V ms, TS GEMM': oursTs.full.medianMs,
      'numpy dense values ms': numpy.valuesMs,
      'numpy dense U,S,V ms': numpy.fullMs,
      'ours dense values ms': dense ? dense.valuesMs : 'not run',
      'ours dense values ms, TS GEMM': denseTs ? denseTs.valuesMs : 'not run',
      'ours dense U,S,V ms': dense ? dense.fullMs : 'not run',
      'ours dense U,S,V ms, TS GEMM': denseTs ? denseTs.fullMs : 'not run',
      'speedup values': numpy.valuesMs / ours.values.medianMs,
      'speedup values, TS GEMM': numpy.valuesMs / oursTs.values.medianMs,
      'speedup U,S,V': numpy.fullMs / ours.full.medianMs,
      'speedup U,S,V, TS GEMM': numpy.fullMs / oursTs.full.medianMs,
      'max rel diff (top n·r)': Math.max(diff, diffTs).toExponential(1),
    });
    results.push({
      size, p,
      lowRank: { values: ours.values, full: ours.full },
      lowRankTsGemm: { values: oursTs.values, full: oursTs.full },
      numpy: { valuesMs: numpy.valuesMs, fullMs: numpy.fullMs },
      oursDense: dense ?? null,
      oursDenseTsGemm: denseTs ?? null,
      maxRelativeDifference: diff,
      maxRelativeDifferenceTsGemm: diffTs,
    });
  }
  // A general dense matrix (full rank): our dense SVD against numpy's at 1024×1024.
  const g = gaussian(1024, 1024, 99);
  const gaussianRun = async (gemm: Gemm) => ({
    values: await timeWith(gemm, () => svd(g, { vectors: 'none' }), { repeats: 5, warmup: 1 }),
    full: await timeWith(gemm, () => svd(g, { vectors: 'both' }), { repeats: 3, warmup: 0 }),
    s: runWith(gemm, () => svd(g, { vectors: 'none' }).s),
  });
  const gw = await gaussianRun('wasm');
  const gt = await gaussianRun('ts');
  const gn = numpySvd(dir, 'gauss1024', { a: g }, 5);
  const gDiff = maxRelativeDifference(gw.s, gn.s, 256);
  const gDiffTs = maxRelativeDifference(gt.s, gn.s, 256);
  printTable(rows);
  console.log(`\nGeneral dense 1024×1024 (Gaussian); ours with ${wasmKernels.name} registered, then with core's TS GEMM alone:`);
  const gaussianRow = (gemm: string, run: typeof gw, diff: number) => ({
    'GEMM': gemm,
    'ours values ms': run.values.medianMs, 'numpy values ms': gn.valuesMs, 'ratio values': run.values.medianMs / gn.valuesMs,
    'ours U,S,V ms': run.full.medianMs, 'numpy U,S,V ms': gn.fullMs, 'ratio U,S,V': run.full.medianMs / gn.fullMs,
    'max rel diff (top 256)': diff.toExponential(1),
  });
  printTable([gaussianRow(wasmKernels.name, gw, gDiff), gaussianRow('core TS', gt, gDiffTs)]);
  const target = results.find((x) => x.size === 4096 && x.p === 128)!;
  const summary = {
    gemm: wasmKernels.name,
    lowRankSpeedupValuesAt4096p128: target.numpy.valuesMs / target.lowRank.values.medianMs,
    lowRankSpeedupFullAt4096p128: target.numpy.fullMs / target.lowRank.full.medianMs,
    maxRelativeDifference: Math.max(...results.map((x) => x.maxRelativeDifference), gDiff),
    denseRatioValuesAt1024: gw.values.medianMs / gn.valuesMs,
    denseRatioFullAt1024: gw.full.medianMs / gn.fullMs,
    lowRankSpeedupValuesAt4096p128TsGemm: target.numpy.valuesMs / target.lowRankTsGemm.values.medianMs,
    lowRankSpeedupFullAt4096p128TsGemm: target.numpy.fullMs / target.lowRankTsGemm.full.medianMs,
    maxRelativeDifferenceTsGemm: Math.max(...results.map((x) => x.maxRelativeDifferenceTsGemm), gDiffTs),
    denseRatioValuesAt1024TsGemm: gt.values.medianMs / gn.valuesMs,
    denseRatioFullAt1024TsGemm: gt.full.medianMs / gn.fullMs,
  };
  console.log(`\nTargets (on the run with ${wasmKernels.name} registered): low-rank ≥ 100× numpy at 4096, n·r = 128; values equal to 1e-10 relative; dense within 5× of numpy at 1024.`);
  console.log(JSON.stringify(summary, null, 2));
  const path = writeResults('svd', {
    cases: results,
    gaussian1024: {
      ours: { values: gw.values, full: gw.full },
      oursTsGemm: { values: gt.values, full: gt.full },
      numpy: { valuesMs: gn.valuesMs, fullMs: gn.fullMs },
      maxRelativeDifference: gDiff,
      maxRelativeDifferenceTsGemm: gDiffTs,
    },
    summary,
    notes: 'numpy: median of 3 (5 for the Gaussian, 1 at 4096) in a python3 child without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE; ours: medians. ' +
      `Ours with ${wasmKernels.name} registered (plain fields, and the summary's targets) and with core's TypeScript GEMM alone (…TsGemm fields). ` +
      'Our dense SVD is not run at 4096 (about a minute per call).',
  });
  console.log(`\nwrote ${path}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
