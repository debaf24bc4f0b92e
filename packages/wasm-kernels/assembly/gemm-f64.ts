// The float64 GEMM for core's diagnostics (its SVD and QR): the blocked driver of gemm.ts (BLIS loop
// order) over column-major C, with the float64 blocks of blocking.ts and the 4×4 micro-kernel of
// microkernel-f64.ts. Every product runs packed: the host sends only products big enough to pay for it.

import { KC64, MC64, MR64, NC64, NR64, packABuffer, packBBuffer } from './blocking';
import { microKernelF64 } from './microkernel-f64';
import { packPanelsF64 } from './pack-f64';

/** C = beta · C over an m × n column-major block with column stride ldc (0 when beta is 0, whatever C held). */
function scaleColumns(m: i32, n: i32, c: usize, ldc: i32, beta: f64): void {
  for (let j = 0; j < n; j++) {
    const col = c + (<usize>j * <usize>ldc << 3);
    if (beta == 0) memory.fill(col, 0, <usize>m << 3);
    else for (let i = 0; i < m; i++) store<f64>(col + (<usize>i << 3), beta * load<f64>(col + (<usize>i << 3)));
  }
}

/**
 * C = alpha · A · B + beta · C on float64, with A[i, p] = a[i·rsA + p·csA] ([m, k]), B[p, j] =
 * b[p·rsB + j·csB] ([k, n]) and C column-major with column stride ldc (strides in elements, pointers in
 * bytes). With beta = 0 the previous content of C is never read; with alpha = 0 or k = 0, A and B are not.
 */
export function gemmF64(
  m: i32, n: i32, k: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, ldc: i32,
  alpha: f64, beta: f64,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0) {
    scaleColumns(m, n, c, ldc, beta);
    return;
  }
  const pa = packABuffer();
  const pb = packBBuffer();
  const ldcBytes = <usize>ldc << 3;
  for (let jc = 0; jc < n; jc += NC64) {
    const nc = min(NC64, n - jc);
    for (let pc = 0; pc < k; pc += KC64) {
      const kc = min(KC64, k - pc);
      const betaBlock: f64 = pc == 0 ? beta : 1;
      packPanelsF64(b + ((<usize>pc * <usize>rsB + <usize>jc * <usize>csB) << 3), csB, rsB, nc, kc, NR64, pb);
      for (let ic = 0; ic < m; ic += MC64) {
        const mc = min(MC64, m - ic);
        packPanelsF64(a + ((<usize>ic * <usize>rsA + <usize>pc * <usize>csA) << 3), rsA, csA, mc, kc, MR64, pa);
        const cBlock = c + (<usize>ic << 3) + <usize>jc * ldcBytes;
        for (let jr = 0; jr < nc; jr += NR64) {
          const nr = min(NR64, nc - jr);
          const panelB = pb + (<usize>jr * <usize>kc << 3);
          const cCols = cBlock + <usize>jr * ldcBytes;
          for (let ir = 0; ir < mc; ir += MR64) {
            const mr = min(MR64, mc - ir);
            microKernelF64(kc, pa + (<usize>ir * <usize>kc << 3), panelB, cCols + (<usize>ir << 3), ldcBytes, alpha, betaBlock, mr, nr);
          }
        }
      }
    }
  }
}
