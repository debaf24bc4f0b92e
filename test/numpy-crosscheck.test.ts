/**
 * Cross-check of the float64 SVDs against numpy's LAPACK (python3 + numpy, called as a child process).
 * Fails with instructions where python3/numpy is missing, unless MULTILORA_SKIP_NUMPY=1 opts out.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lowRankSvd, moduleFactors, referenceDeltaWeight, svd, type DenseMatrix } from '@multilora/core';
import { randomModule } from '@multilora/core/testing';

const SKIP = process.env.MULTILORA_SKIP_NUMPY === '1';
const INSTALL_HINT = 'Install it (e.g. `apt-get install -y python3-numpy`) or set MULTILORA_SKIP_NUMPY=1 to skip this cross-check.';

function numpyVersion(): string | undefined {
  const r = spawnSync('python3', ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function gaussian(rows: number, cols: number, seed: number): DenseMatrix {
  // Irwin–Hall (sum of 4 uniforms) from a linear congruential stream: deterministic, light-tailed.
  let x = seed >>> 0;
  const u = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = u() + u() + u() + u() - 2;
  return { rows, cols, data };
}

/** Runs numpy's SVD on every matrix in one python3 process: values, and U, V for those asking for vectors. */
function numpySvd(matrices: { a: DenseMatrix; vectors: boolean }[]): { s: Float64Array; u?: Float64Array; v?: Float64Array }[] {
  const dir = mkdtempSync(join(tmpdir(), 'multilora-numpy-'));
  try {
    const manifest = matrices.map(({ a, vectors }, i) => {
      writeFileSync(join(dir, `a${i}.bin`), new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength));
      return { i, rows: a.rows, cols: a.cols, vectors };
    });
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const script = [
      'import json, sys, numpy as np',
      'd = sys.argv[1]',
      'for m in json.load(open(d + "/manifest.json")):',
      '    a = np.fromfile(f"{d}/a{m[\'i\']}.bin", dtype="<f8").reshape(m["rows"], m["cols"])',
      '    if m["vectors"]:',
      '        u, s, vt = np.linalg.svd(a, full_matrices=False)',
      '        u.astype("<f8").tofile(f"{d}/u{m[\'i\']}.bin"); vt.T.copy().astype("<f8").tofile(f"{d}/v{m[\'i\']}.bin")',
      '    else:',
      '        s = np.linalg.svd(a, compute_uv=False)',
      '    s.astype("<f8").tofile(f"{d}/s{m[\'i\']}.bin")',
    ].join('\n');
    const r = spawnSync('python3', ['-c', script, dir], { encoding: 'utf8' });
    if (r.status !== 0) {
      throw new Error(`python3 with numpy failed (${r.error?.message ?? r.stderr.trim()}). ${INSTALL_HINT}`);
    }
    const read = (name: string) => new Float64Array(new Uint8Array(readFileSync(join(dir, name))).buffer);
    return matrices.map(({ vectors }, i) => (vectors ? { s: read(`s${i}.bin`), u: read(`u${i}.bin`), v: read(`v${i}.bin`) } : { s: read(`s${i}.bin`) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('SVD cross-check against numpy (LAPACK), float64', () => {
  it.skipIf(SKIP)('python3 with numpy is available (set MULTILORA_SKIP_NUMPY=1 to skip this cross-check)', () => {
    const version = numpyVersion();
    if (!version) {
      throw new Error(`python3 with numpy is needed for the LAPACK cross-check but \`python3 -c "import numpy"\` failed. ${INSTALL_HINT}`);
    }
    expect(version).toMatch(/^\d+\.\d+/);
  });

  it.skipIf(SKIP)('singular values agree to 1e-10 relative (dense: tall, wide, square past the blocked crossover, vector, graded)', () => {
    const graded = gaussian(60, 60, 9);
    for (let i = 0; i < 60; i++) for (let j = 0; j < 60; j++) graded.data[i * 60 + j] *= 10 ** (-j / 10);
    const cases = [gaussian(200, 120, 1), gaussian(120, 200, 2), gaussian(300, 300, 3), gaussian(1, 50, 4), gaussian(50, 1, 5), graded];
    const ref = numpySvd(cases.map((a) => ({ a, vectors: false })));
    cases.forEach((a, c) => {
      const ours = svd(a, { vectors: 'none' }).s;
      const s = ref[c].s;
      expect(ours.length).toBe(s.length);
      for (let i = 0; i < s.length; i++) {
        const rel = Math.abs(ours[i] - s[i]) / s[i];
        if (!(rel <= 1e-10)) throw new Error(`case ${c} (${a.rows}×${a.cols}): s[${i}] = ${ours[i]} vs numpy ${s[i]}, relative difference ${rel.toExponential(2)} > 1e-10`);
      }
    });
  });

  it.skipIf(SKIP)('leading singular vectors agree with LAPACK’s up to sign: |cos| ≥ 1 − 1e-10 for the top 10', () => {
    const a = gaussian(180, 140, 11);
    const [ref] = numpySvd([{ a, vectors: true }]);
    const ours = svd(a);
    const k = 140;
    for (const [mine, theirs, rows] of [[ours.u!.data, ref.u!, 180], [ours.v!.data, ref.v!, 140]] as const) {
      for (let j = 0; j < 10; j++) {
        let d = 0;
        for (let i = 0; i < rows; i++) d += mine[i * k + j] * theirs[i * k + j];
        expect(Math.abs(Math.abs(d) - 1)).toBeLessThan(1e-10);
      }
    }
  });

  it.skipIf(SKIP)('the low-rank path on an adapter module equals LAPACK on the materialised ΔW: 1e-10 relative for the n·r values, the rest ≤ 1e-12 · s₁', () => {
    const module = randomModule({ n: 4, r: 4, inFeatures: 96, outFeatures: 80, scaleMode: 'channel', gamma: 2 }, 7);
    const delta: DenseMatrix = { rows: 80, cols: 96, data: referenceDeltaWeight(module) };
    const [ref] = numpySvd([{ a: delta, vectors: false }]);
    const ours = lowRankSvd(moduleFactors(module), { vectors: 'none' }).s;
    expect(ours.length).toBe(16);
    for (let i = 0; i < 16; i++) expect(Math.abs(ours[i] - ref.s[i]) / ref.s[i]).toBeLessThan(1e-10);
    for (let i = 16; i < ref.s.length; i++) expect(ref.s[i]).toBeLessThan(1e-12 * ref.s[0]);
  });
});
