import { MultiLoraError, check } from '../errors.js';

/**
 * A dense real matrix in row-major order (PyTorch's layout): element (i, j) is `data[i · cols + j]`.
 * Weight updates ΔW are [out, in].
 */
export interface DenseMatrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** A {@link DenseMatrix} of `rows × cols` holding a float64 copy of `data` (zeros when absent). */
export function denseMatrix(rows: number, cols: number, data?: ArrayLike<number>): DenseMatrix {
  check(Number.isInteger(rows) && rows >= 0 && Number.isInteger(cols) && cols >= 0, 'SHAPE_MISMATCH', () =>
    `matrix shape [${rows}, ${cols}] is invalid; expected non-negative integers.`);
  const out = new Float64Array(rows * cols);
  if (data) {
    check(data.length === rows * cols, 'SHAPE_MISMATCH', () =>
      `matrix data has ${data.length} values; expected rows × cols = ${rows} × ${cols} = ${rows * cols}.`);
    out.set(data);
  }
  return { rows, cols, data: out };
}

/**
 * Checks that `m` is a non-empty [rows, cols] matrix of finite values whose data length matches:
 * SHAPE_MISMATCH, DIAGNOSTICS_EMPTY or DIAGNOSTICS_NOT_FINITE (naming `label` and the first bad entry).
 */
export function checkMatrix(m: DenseMatrix, label: string): void {
  check(Number.isInteger(m.rows) && Number.isInteger(m.cols) && m.rows >= 0 && m.cols >= 0, 'SHAPE_MISMATCH', () =>
    `${label} has shape [${m.rows}, ${m.cols}]; expected non-negative integers.`);
  check(m.data.length === m.rows * m.cols, 'SHAPE_MISMATCH', () =>
    `${label} has ${m.data.length} values but shape [${m.rows}, ${m.cols}] needs ${m.rows * m.cols}; pass data in row-major order.`);
  check(m.rows > 0 && m.cols > 0, 'DIAGNOSTICS_EMPTY', () =>
    `${label} is empty (shape [${m.rows}, ${m.cols}]); an SVD needs at least one row and one column.`);
  checkFinite(m.data, label, m.cols);
}

/** Throws DIAGNOSTICS_NOT_FINITE naming `label` and the first NaN or infinity (as [row, col] when `cols` is given). */
export function checkFinite(values: ArrayLike<number>, label: string, cols?: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v !== 0) {
      const where = cols ? `[${Math.floor(i / cols)}, ${i % cols}]` : `[${i}]`;
      throw new MultiLoraError('DIAGNOSTICS_NOT_FINITE',
        `${label}${where} is ${v}; diagnostics need finite values. Check the file or training run that produced it.`);
    }
  }
}

/**
 * A column-major copy of a row-major matrix (the layout the factorisations work in), written into
 * `out` (length rows · cols) when given.
 */
export function toColumnMajor(m: DenseMatrix, out: Float64Array = new Float64Array(m.rows * m.cols)): Float64Array {
  const { rows, cols, data } = m;
  // 8 × 8 tiles, written along the output's columns: with power-of-two sizes, wider tiles make the
  // strided side map onto one cache set and run several times slower (measured at 4096 × 128).
  for (let j0 = 0; j0 < cols; j0 += 8) {
    const j1 = Math.min(cols, j0 + 8);
    for (let i0 = 0; i0 < rows; i0 += 8) {
      const i1 = Math.min(rows, i0 + 8);
      for (let j = j0; j < j1; j++) {
        const oo = j * rows;
        for (let i = i0; i < i1; i++) out[oo + i] = data[i * cols + j];
      }
    }
  }
  return out;
}

/** The row-major {@link DenseMatrix} of the column-major [rows, cols] array `cm`. */
export function fromColumnMajor(cm: Float64Array, rows: number, cols: number): DenseMatrix {
  return { rows, cols, data: toColumnMajor({ rows: cols, cols: rows, data: cm }) };
}

/** Aᵀ as a new row-major matrix. */
export function transpose(m: DenseMatrix): DenseMatrix {
  return { rows: m.cols, cols: m.rows, data: toColumnMajor(m) };
}

/** The first `k` columns of `m`. */
export function leadingColumns(m: DenseMatrix, k: number): DenseMatrix {
  if (k >= m.cols) return m;
  const data = new Float64Array(m.rows * k);
  for (let i = 0; i < m.rows; i++) data.set(m.data.subarray(i * m.cols, i * m.cols + k), i * k);
  return { rows: m.rows, cols: k, data };
}
