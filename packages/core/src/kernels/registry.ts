import type { Kernels } from './types.js';
import { tsKernels } from './ts-kernels.js';

const registered: { kernels: Kernels; priority: number }[] = [];

/**
 * Makes `kernels` available to every package that asks core for kernels. The registration with the
 * highest priority wins (core's own TypeScript kernels have priority 0); equal priorities: the latest.
 * Returns a function that unregisters it.
 */
export function registerKernels(kernels: Kernels, priority = 10): () => void {
  const entry = { kernels, priority };
  registered.push(entry);
  return () => {
    const i = registered.indexOf(entry);
    if (i >= 0) registered.splice(i, 1);
  };
}

/** The best registered kernels, or core's plain-TypeScript ones when none is registered. */
export function getKernels(): Kernels {
  let best: { kernels: Kernels; priority: number } = { kernels: tsKernels, priority: 0 };
  for (const entry of registered) if (entry.priority >= best.priority) best = entry;
  return best.kernels;
}
