import { SeededRandom, deriveSeed } from '@multilora/core';

const orders = new Map<string, Uint32Array>();

function epochOrder(seed: number, epoch: number, rows: number): Uint32Array {
  const key = `${seed}:${epoch}:${rows}`;
  let order = orders.get(key);
  if (!order) {
    order = Uint32Array.from({ length: rows }, (_, i) => i);
    const rng = new SeededRandom(deriveSeed(seed, `epoch-${epoch}`));
    for (let i = rows - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    orders.clear();
    orders.set(key, order);
  }
  return order;
}

/**
 * The row indices of training step `step`: epochs are seeded shuffles of all rows, read in
 * consecutive batches (a batch may straddle two epochs). A pure function of (seed, step): resuming at
 * step k sees exactly the batches an uninterrupted run would.
 */
export function batchRows(seed: number, step: number, batch: number, rows: number): number[] {
  const out: number[] = [];
  for (let k = step * batch; k < (step + 1) * batch; k++) {
    const epoch = Math.floor(k / rows);
    out.push(epochOrder(seed, epoch, rows)[k % rows]);
  }
  return out;
}
