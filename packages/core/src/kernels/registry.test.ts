import { describe, expect, it } from 'vitest';
import { getKernels, registerKernels } from './registry.js';
import { tsKernels } from './ts-kernels.js';
import type { Kernels } from './types.js';

// The numeric behaviour of every Kernels implementation (tsKernels included) is checked by the shared
// conformance suite, test/kernels-conformance.test.ts.

describe('kernel registry', () => {
  const fake = (name: string): Kernels => ({ ...tsKernels, name });

  it('getKernels() returns tsKernels when nothing is registered', () => {
    expect(getKernels()).toBe(tsKernels);
    expect(getKernels().name).toBe('ts');
  });

  it('returns a registered kernel, the highest priority (latest on ties), until it is unregistered', () => {
    const a = fake('a');
    const b = fake('b');
    const unA = registerKernels(a);
    expect(getKernels()).toBe(a);
    const unB = registerKernels(b, 5);
    expect(getKernels()).toBe(a); // priority 10 beats 5
    const c = fake('c');
    const unC = registerKernels(c, 10);
    expect(getKernels()).toBe(c); // tie: the latest wins
    unC();
    unA();
    expect(getKernels()).toBe(b);
    unB();
    unB(); // unregistering twice is harmless
    expect(getKernels()).toBe(tsKernels);
  });
});
