import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { UsageError } from '../errors.js';

/** One training row: flattened input numbers and target numbers (a scalar target is one number). */
export interface Row {
  /** 1-based line in the file. */
  line: number;
  input: number[];
  target: number[];
  /** Whether the file gave the target as a single number (not an array). */
  scalarTarget: boolean;
}

/** A malformed row: its 1-based line number and what was wrong. */
export interface RowError {
  line: number;
  message: string;
}

/** Rows read from a dataset file, and every malformed row (nothing stops at the first error). */
export interface Dataset {
  rows: Row[];
  errors: RowError[];
  format: 'jsonl' | 'csv';
}

/** The documented format, for help texts and error messages. */
export const DATASET_FORMAT = `JSONL: one JSON object per line, {"input": [numbers], "target": number | [numbers]};
  "input" may be nested (e.g. [[1, 2], [3, 4]]) and is flattened to the model's input size;
  blank lines are skipped.
CSV: a header line naming the columns; columns named target or target_<k> are the target, all
  others the input, in file order; every cell a plain number (no quoting, comma-separated)`;

function flatten(value: unknown, out: number[]): boolean {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return false;
    out.push(value);
    return true;
  }
  return Array.isArray(value) && value.length > 0 && value.every((v) => flatten(v, out));
}

function jsonRow(text: string, line: number): Row | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return `not valid JSON (${(e as Error).message})`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected an object {"input": [...], "target": ...}';
  const { input, target } = value as Record<string, unknown>;
  if (input === undefined) return 'missing "input"; expected an array of numbers';
  if (target === undefined) return 'missing "target"; expected a number or an array of numbers';
  const inputs: number[] = [];
  if (!flatten(input, inputs)) return `"input" is ${JSON.stringify(input).slice(0, 60)}; expected a non-empty array of finite numbers`;
  const targets: number[] = [];
  if (!flatten(target, targets)) return `"target" is ${JSON.stringify(target).slice(0, 60)}; expected a finite number or a non-empty array of them`;
  return { line, input: inputs, target: targets, scalarTarget: typeof target === 'number' };
}

function parseJsonl(text: string): Dataset {
  const rows: Row[] = [];
  const errors: RowError[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const row = jsonRow(line, i + 1);
    if (typeof row === 'string') errors.push({ line: i + 1, message: row });
    else rows.push(row);
  });
  return { rows, errors, format: 'jsonl' };
}

function parseCsv(text: string): Dataset {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((c) => c.trim());
  const isTarget = header.map((h) => /^target(_\d+)?$/i.test(h));
  if (!isTarget.some(Boolean) || isTarget.every(Boolean)) {
    throw new UsageError(`CSV header "${lines[0] ?? ''}" needs input columns and a "target" (or target_0, target_1, …) column.`);
  }
  const rows: Row[] = [];
  const errors: RowError[] = [];
  const single = isTarget.filter(Boolean).length === 1;
  lines.slice(1).forEach((line, i) => {
    if (line.trim() === '') return;
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== header.length) {
      errors.push({ line: i + 2, message: `${cells.length} cells; expected ${header.length} (${header.join(', ')})` });
      return;
    }
    const bad = cells.findIndex((c) => c === '' || !Number.isFinite(Number(c)));
    if (bad >= 0) {
      errors.push({ line: i + 2, message: `column "${header[bad]}" is "${cells[bad]}"; expected a number` });
      return;
    }
    const nums = cells.map(Number);
    rows.push({ line: i + 2, input: nums.filter((_, c) => !isTarget[c]), target: nums.filter((_, c) => isTarget[c]), scalarTarget: single });
  });
  return { rows, errors, format: 'csv' };
}

/** Reads a .jsonl / .json-lines or .csv dataset, collecting every malformed row with its line number. */
export async function readDataset(path: string): Promise<Dataset> {
  const ext = extname(path).toLowerCase();
  if (!['.jsonl', '.ndjson', '.csv'].includes(ext)) {
    throw new UsageError(`dataset "${path}" has extension "${ext || '(none)'}"; expected .jsonl (or .ndjson) or .csv.\n${DATASET_FORMAT}`);
  }
  const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read dataset "${path}" (${e.code ?? e.message}); check the path.`);
  });
  return ext === '.csv' ? parseCsv(text) : parseJsonl(text);
}

/**
 * Checks rows against the model's input size and the target size the loss needs, adding an error
 * (with its line number) for each row that does not fit; returns the rows that do.
 */
export function fitRows(dataset: Dataset, check: (row: Row) => string | undefined): { rows: Row[]; errors: RowError[] } {
  const rows: Row[] = [];
  const errors = [...dataset.errors];
  for (const row of dataset.rows) {
    const problem = check(row);
    if (problem) errors.push({ line: row.line, message: problem });
    else rows.push(row);
  }
  errors.sort((a, b) => a.line - b.line);
  return { rows, errors };
}
