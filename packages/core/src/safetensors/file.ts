/**
 * Node-only: writing a safetensors file straight to disk, tensor by tensor, like the reference's
 * `serialize_to_file`. It never holds the whole file in memory: F32/F64 data already in the stored type
 * goes to the file from the caller's arrays without a copy.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { planSafetensors, tensorBytes, type TensorsToWrite } from './plan.js';

/**
 * Writes the same bytes as `writeSafetensors(tensors, metadata)` to the file at `path` (created or
 * truncated), without building them in memory first. Inputs are validated before the file is opened,
 * with the same MultiLoraError codes as `writeSafetensors`.
 */
export function writeSafetensorsFile(path: string, tensors: TensorsToWrite, metadata?: Record<string, string>): void {
  const plan = planSafetensors(tensors, metadata);
  const fd = openSync(path, 'w');
  try {
    writeAll(fd, plan.header);
    for (const t of plan.tensors) writeAll(fd, tensorBytes(t));
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
}
