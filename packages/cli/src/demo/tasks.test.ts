import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@multilora/core';
import { INPUT_LENGTH, PAD, SEQ, VOCAB, baseTasks, knowledgeTable, mixtureTasks, sampleBatch, testSet } from './tasks.js';

const value = (token: number) => token - 1;

describe('demo tasks', () => {
  it('are deterministic in the seed and differ between seeds', () => {
    const a = sampleBatch(mixtureTasks(1), 50, new SeededRandom(5));
    expect(sampleBatch(mixtureTasks(1), 50, new SeededRandom(5))).toEqual(a);
    expect(sampleBatch(mixtureTasks(1), 50, new SeededRandom(6))).not.toEqual(a);
    expect(knowledgeTable(1)).not.toEqual(knowledgeTable(2));
  });

  it('every example has the right lengths, tokens in the vocabulary and its task token first', () => {
    for (const t of [...baseTasks(), ...mixtureTasks(3)]) {
      const rng = new SeededRandom(t.token);
      for (let i = 0; i < 100; i++) {
        const e = t.sample(rng);
        expect(e.input).toHaveLength(INPUT_LENGTH);
        expect(e.target).toHaveLength(SEQ);
        expect(e.input[0]).toBe(t.token);
        for (const x of [...e.input, ...e.target]) expect(x >= 0 && x < VOCAB).toBe(true);
      }
    }
  });

  it('answers are right, checked by an independent computation per task', () => {
    const [reverse, majority, lookup, arithmetic] = mixtureTasks(7);
    const table = knowledgeTable(7);
    const rng = new SeededRandom(11);
    for (let i = 0; i < 200; i++) {
      const r = reverse.sample(rng);
      const xs = r.input.slice(1).filter((t) => t !== PAD);
      expect(r.target).toEqual([...xs.reverse(), ...new Array(SEQ - xs.length).fill(PAD)]);
      const m = majority.sample(rng);
      const high = m.input.slice(1, SEQ).filter((t) => value(t) >= 5).length;
      expect(value(m.target[0])).toBe(high >= 4 ? 1 : 0);
      expect(m.target.slice(1).every((t) => t === PAD)).toBe(true);
      const k = lookup.sample(rng);
      expect(k.target.slice(0, 4).map(value)).toEqual(table[value(k.input[1]) * 10 + value(k.input[2])]);
      const a = arithmetic.sample(rng);
      const [x, op1, y, op2, z] = a.input.slice(1, 6);
      const apply = (p: number, op: number, q: number) => (op === 11 ? p + q : op === 12 ? p - q : p * q);
      const mod = (v: number) => ((v % 10) + 10) % 10;
      expect(value(a.target[0])).toBe(mod(apply(mod(apply(value(x), op1, value(y))), op2, value(z))));
    }
  });

  it('the knowledge task is tested on its whole table; the others on perTask examples', () => {
    const tests = testSet(mixtureTasks(7), 30, 1);
    expect(tests.get('lookup')).toHaveLength(50);
    expect(tests.get('reverse')).toHaveLength(30);
  });
});
