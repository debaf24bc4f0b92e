/**
 * safetensors throughput against the file system itself, in one run: a ~105 MB adapter-like file
 * (Llama-2-13B shapes, LoRA r = 16 on q/k/v/o of 40 layers: 320 F32 tensors) read with
 * readFileSync alone vs readFileSync + readSafetensors + tensorToFloat32 of every tensor, and written
 * with writeFileSync of ready bytes vs writeSafetensors + writeFileSync and vs the streaming
 * writeSafetensorsFile (no whole-file buffer). Warm page cache (warm-up runs).
 * Run: node --import tsx bench/safetensors.bench.ts
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  readSafetensors,
  SeededRandom,
  tensorToFloat32,
  writeSafetensors,
  type TensorToWrite,
} from '../packages/core/src/index.js';
import { writeSafetensorsFile } from '../packages/core/src/node.js';
import { printTable, time, writeResults, type Timing } from './harness.js';

const LAYERS = 40;
const HIDDEN = 5120;
const RANK = 16;
const REPEATS = 7;

/** The adapter's tensors: A [r, hidden] and B [hidden, r] per projection, seeded uniform values. */
function buildTensors(): Map<string, TensorToWrite> {
  const rng = new SeededRandom(2024);
  const tensors = new Map<string, TensorToWrite>();
  const make = (shape: number[]): TensorToWrite => {
    const data = new Float32Array(shape[0] * shape[1]);
    for (let i = 0; i < data.length; i++) data[i] = rng.next() - 0.5;
    return { shape, data };
  };
  for (let layer = 0; layer < LAYERS; layer++) {
    for (const proj of ['q_proj', 'k_proj', 'v_proj', 'o_proj']) {
      const prefix = `base_model.model.model.layers.${layer}.self_attn.${proj}`;
      tensors.set(`${prefix}.lora_A.weight`, make([RANK, HIDDEN]));
      tensors.set(`${prefix}.lora_B.weight`, make([HIDDEN, RANK]));
    }
  }
  return tensors;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'multilora-safetensors-bench-'));
try {
  const tensors = buildTensors();
  const metadata = { format: 'pt' };
  const bytes = writeSafetensors(tensors, metadata);
  const file = path.join(dir, 'adapter_model.safetensors');
  const copy = path.join(dir, 'copy.safetensors');
  writeFileSync(file, bytes);
  const megabytes = bytes.length / 1e6;

  let checksum = 0; // keeps the conversions observable
  const readAll = (copyData: boolean) => () => {
    const parsed = readSafetensors(readFileSync(file));
    for (const t of parsed.tensors.values()) checksum += tensorToFloat32(t, { copy: copyData })[0];
  };
  const timings: Record<string, Timing> = {
    plainRead: await time(() => readFileSync(file), { repeats: REPEATS }),
    read: await time(readAll(false), { repeats: REPEATS }),
    readCopy: await time(readAll(true), { repeats: REPEATS }),
    plainWrite: await time(() => writeFileSync(copy, bytes), { repeats: REPEATS }),
    write: await time(() => writeFileSync(copy, writeSafetensors(tensors, metadata)), { repeats: REPEATS }),
    writeFile: await time(() => writeSafetensorsFile(copy, tensors, metadata), { repeats: REPEATS }),
    // The floor of any in-memory writer here: a fresh buffer of the file's size, filled once (page faults).
    freshBuffer: await time(() => new Uint8Array(bytes.length).set(bytes), { repeats: REPEATS }),
  };
  if (Buffer.compare(readFileSync(copy), bytes) !== 0) throw new Error('written file differs from the reference bytes');

  const mbps = (t: Timing) => megabytes / (t.medianMs / 1000);
  const row = (what: string, t: Timing, plain: Timing) => ({
    what,
    'median ms': t.medianMs,
    'min ms': t.minMs,
    'MB/s': mbps(t),
    'ours/plain': mbps(t) / mbps(plain),
  });
  const rows = [
    row('readFileSync (plain)', timings.plainRead, timings.plainRead),
    row('read + parse + tensorToFloat32 (zero-copy)', timings.read, timings.plainRead),
    row('read + parse + tensorToFloat32 {copy: true}', timings.readCopy, timings.plainRead),
    row('writeFileSync (plain)', timings.plainWrite, timings.plainWrite),
    row('writeSafetensors + writeFileSync', timings.write, timings.plainWrite),
    row('writeSafetensorsFile (streaming)', timings.writeFile, timings.plainWrite),
    row('(floor) fresh file-sized buffer + copy, no I/O', timings.freshBuffer, timings.plainWrite),
  ];
  console.log(`safetensors: ${tensors.size} F32 tensors, ${megabytes.toFixed(1)} MB, ${REPEATS} repeats (medians), checksum ${checksum.toFixed(3)}`);
  printTable(rows);
  const readRatio = rows[1]['ours/plain'];
  console.log(`read ratio ${readRatio.toFixed(2)} (target ≥ 0.5): ${readRatio >= 0.5 ? 'met' : 'NOT met'}`);
  const out = writeResults('safetensors', {
    file: { bytes: bytes.length, tensors: tensors.size, shapes: `${LAYERS} layers × q,k,v,o × [${RANK},${HIDDEN}] + [${HIDDEN},${RANK}] F32` },
    repeats: REPEATS,
    timings,
    rows,
    readRatio,
    readTargetMet: readRatio >= 0.5,
    writeRatio: rows[4]['ours/plain'],
    streamingWriteRatio: rows[5]['ours/plain'],
  });
  console.log(`results: ${out}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
