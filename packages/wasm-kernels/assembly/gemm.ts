// The blocked GEMM driver (BLIS loop order): for each NC-column block of op(B), for each KC-deep
// slice: pack B; for each MC-row block of op(A): pack A; sweep the MR×NR micro-kernel over the block.

import { KC, MC, MR, NC, NR, packABuffer, packBBuffer } from './blocking';
import { gemvDots, gemvRows } from './gemv';
import { microKernel } from './microkernel';
import { packA, packB } from './pack';

/** Depths below this take the row form even with many rows: packing would dominate. */
const SHALLOW: i32 = 4;

/** C = beta · C over an m × n block with row stride ldc (0 when beta is 0, whatever C held). */
function scaleMatrix(m: i32, n: i32, c: usize, ldc: i32, beta: f32): void {
  for (let i = 0; i < m; i++) {
    const row = c + (<usize>i * <usize>ldc << 2);
    for (let j = 0; j < n; j++) {
      const p = row + (<usize>j << 2);
      store<f32>(p, beta == 0 ? 0 : beta * load<f32>(p));
    }
  }
}

/**
 * C = alpha · op(A) · op(B) + beta · C on float32, with op(A)[i, p] = a[i·rsA + p·csA] ([m, k]),
 * op(B)[p, j] = b[p·rsB + j·csB] ([k, n]) and C row-major with row stride ldc (strides in elements,
 * pointers in bytes). With beta = 0 the previous content of C is never read.
 */
export function gemm(
  m: i32, n: i32, k: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, ldc: i32,
  alpha: f32, beta: f32,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    scaleMatrix(m, n, c, ldc, beta);
    return;
  }
  if ((m < MR || k < SHALLOW) && csB == 1) {
    gemvRows(m, n, k, a, rsA, csA, b, rsB, c, ldc, alpha, beta);
    return;
  }
  if (m < MR && rsB == 1 && csA == 1) {
    gemvDots(m, n, k, a, rsA, b, csB, c, ldc, alpha, beta);
    return;
  }
  const pa = packABuffer();
  const pb = packBBuffer();
  const ldcBytes = <usize>ldc << 2;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const betaBlock: f32 = pc == 0 ? beta : 1;
      packB(b, rsB, csB, pc, jc, kc, nc, pb);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(a, rsA, csA, ic, pc, mc, kc, pa);
        const cBlock = c + (<usize>ic * ldcBytes) + (<usize>jc << 2);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const panelB = pb + (<usize>jr * <usize>kc << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            microKernel(kc, pa + (<usize>ir * <usize>kc << 2), panelB, cBlock + <usize>ir * ldcBytes + (<usize>jr << 2), ldcBytes, alpha, betaBlock, mr, nr);
          }
        }
      }
    }
  }
}
