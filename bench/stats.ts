/** Statistics the benchmarks share, free of Node imports so that the browser page can use them too. */

/** The median of a sorted or unsorted list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
