/**
 * B from the file's layout [n, out, r] to the fused B_cat [out, n·r] (columns i·r … i·r + r − 1
 * hold B_i). Works for any element type.
 */
export function toFusedB<T extends Float32Array | Float64Array>(b: T, n: number, out: number, r: number): T {
  const fused = new (b.constructor as { new (len: number): T })(b.length);
  const nr = n * r;
  for (let i = 0; i < n; i++) {
    for (let o = 0; o < out; o++) {
      const src = (i * out + o) * r;
      const dst = o * nr + i * r;
      for (let j = 0; j < r; j++) fused[dst + j] = b[src + j];
    }
  }
  return fused;
}

/** The inverse of {@link toFusedB}: B_cat [out, n·r] back to the file's [n, out, r]. */
export function fromFusedB<T extends Float32Array | Float64Array>(b: T, n: number, out: number, r: number): T {
  const stacked = new (b.constructor as { new (len: number): T })(b.length);
  const nr = n * r;
  for (let i = 0; i < n; i++) {
    for (let o = 0; o < out; o++) {
      const dst = (i * out + o) * r;
      const src = o * nr + i * r;
      for (let j = 0; j < r; j++) stacked[dst + j] = b[src + j];
    }
  }
  return stacked;
}
