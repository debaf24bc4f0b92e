import { SeededRandom, deriveSeed } from '@multilora/core';

/**
 * The demo's synthetic tasks: token sequences with a task-id prefix, generated deterministically from
 * a seed (nothing is downloaded). Every example is `[task token, 8 argument tokens]` → 8 answer
 * tokens (PAD where the answer is shorter). Two base tasks pretrain the base model; four deliberately
 * different tasks, in the spirit of the MultiLoRA paper's mixture (instruction following,
 * classification, knowledge, reasoning), make the fine-tuning mixture.
 */

/** Padding token (empty argument slot, or no answer at this position). */
export const PAD = 0;
/** Token of digit d (0–9) is d + 1. */
export const digit = (d: number): number => d + 1;
const PLUS = 11;
const MINUS = 12;
const TIMES = 13;
/** Argument and answer length. */
export const SEQ = 8;
/** Input length: task token + arguments. */
export const INPUT_LENGTH = SEQ + 1;

/** One example: input token ids [INPUT_LENGTH] and answer token ids [SEQ]. */
export interface Example {
  input: number[];
  target: number[];
}

/** A task: its name, kind (for the report), task token and a generator of examples. */
export interface Task {
  name: string;
  kind: string;
  /** What it asks, in words (for the report). */
  description: string;
  token: number;
  sample(rng: SeededRandom): Example;
  /** Every example of a finite task (the knowledge table): its test set is then all of it. */
  all?(): Example[];
}

const int = (rng: SeededRandom, k: number) => Math.floor(rng.next() * k);
const digits = (rng: SeededRandom, k: number) => Array.from({ length: k }, () => int(rng, 10));
const pad = (tokens: number[], length = SEQ) => [...tokens, ...new Array<number>(length - tokens.length).fill(PAD)];

/** Entries of the knowledge table: keys 00–49. */
export const TABLE_SIZE = 50;

/** The fixed key → value table of the knowledge task: 50 two-digit keys (00–49), four-digit values. */
export function knowledgeTable(seed: number): number[][] {
  const rng = new SeededRandom(deriveSeed(seed, 'knowledge-table'));
  return Array.from({ length: TABLE_SIZE }, () => digits(rng, 4));
}

const OPS = [
  { token: PLUS, apply: (a: number, b: number) => (a + b) % 10 },
  { token: MINUS, apply: (a: number, b: number) => (a - b + 10) % 10 },
  { token: TIMES, apply: (a: number, b: number) => (a * b) % 10 },
];

/** A task on 1–8 digits (padded): the answer is `f` of the digits, padded too. */
function variable(name: string, kind: string, description: string, token: number, f: (xs: number[]) => number[]): Task {
  return {
    name, kind, description, token,
    sample(rng) {
      const xs = digits(rng, 1 + int(rng, SEQ));
      return { input: [token, ...pad(xs.map(digit))], target: pad(f(xs).map(digit)) };
    },
  };
}

/** The base tasks the base model is pretrained on: copy and increment (mod 10) of 1–8 digits. */
export function baseTasks(): Task[] {
  return [
    variable('copy', 'base', 'repeat 1–8 digits', 14, (xs) => xs),
    variable('increment', 'base', 'add 1 (mod 10) to each of 1–8 digits', 15, (xs) => xs.map((x) => (x + 1) % 10)),
  ];
}

/** The fine-tuning mixture: reverse, majority, lookup (in `tableSeed`'s table) and two-step arithmetic. */
export function mixtureTasks(tableSeed: number): Task[] {
  const table = knowledgeTable(tableSeed);
  const entry = (key: number): Example =>
    ({ input: [18, ...pad([digit(Math.floor(key / 10)), digit(key % 10)])], target: pad(table[key].map(digit)) });
  return [
    variable('reverse', 'instruction following', 'write 1–8 digits in reverse order', 16, (xs) => [...xs].reverse()),
    {
      name: 'majority', kind: 'classification', token: 17,
      description: '1 if more than half of 7 digits are ≥ 5, else 0',
      sample(rng) {
        const xs = digits(rng, SEQ - 1);
        const label = xs.filter((x) => x >= 5).length > (SEQ - 1) / 2 ? 1 : 0;
        return { input: [17, ...pad(xs.map(digit), SEQ)], target: pad([digit(label)]) };
      },
    },
    {
      name: 'lookup', kind: 'knowledge', token: 18,
      description: `the 4-digit value of a key 00–${TABLE_SIZE - 1} in a fixed random table`,
      sample: (rng) => entry(int(rng, TABLE_SIZE)),
      all: () => table.map((_, key) => entry(key)),
    },
    {
      name: 'arithmetic', kind: 'reasoning', token: 19,
      description: '(a ∘ b) ∘ c mod 10, two steps, ∘ ∈ {+, −, ×}',
      sample(rng) {
        const [a, b, c] = digits(rng, 3);
        const [f, g] = [OPS[int(rng, 3)], OPS[int(rng, 3)]];
        return { input: [19, ...pad([digit(a), f.token, digit(b), g.token, digit(c)])], target: pad([digit(g.apply(f.apply(a, b), c))]) };
      },
    },
  ];
}

/** Vocabulary size: PAD, 10 digits, 3 operators, 2 base and 4 mixture task tokens. */
export const VOCAB = 20;

/** A batch of `size` examples drawn uniformly from `tasks` (the task of each example drawn too). */
export function sampleBatch(tasks: readonly Task[], size: number, rng: SeededRandom): Example[] {
  return Array.from({ length: size }, () => tasks[int(rng, tasks.length)].sample(rng));
}

/**
 * A fixed test set per task: `perTask` examples from its own seed (independent of training batches),
 * or every example of a finite task.
 */
export function testSet(tasks: readonly Task[], perTask: number, seed: number): Map<string, Example[]> {
  return new Map(tasks.map((t) => {
    if (t.all) return [t.name, t.all()];
    const rng = new SeededRandom(deriveSeed(seed, `test-${t.name}`));
    return [t.name, Array.from({ length: perTask }, () => t.sample(rng))];
  }));
}
