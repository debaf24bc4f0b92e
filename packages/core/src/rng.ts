/**
 * A seeded pseudo-random generator (xoshiro128**, seeded through splitmix32). Plain 32-bit integer
 * arithmetic, so the same seed gives the same stream on every JavaScript engine and backend.
 */
export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** @param seed any safe integer; different seeds give independent-looking streams. */
  constructor(seed: number) {
    let x = seed32(seed);
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A float uniform in [0, 1) with 32 random bits. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A float uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** A standard normal sample (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/**
 * The 32 bits a seed starts the generator from: its low 32 bits, with the higher bits of a seed outside
 * [-2³², 2³²) folded in (multiplied by the golden-ratio constant), so that 5 and 5 + 2³² differ. Seeds
 * inside that range keep their low 32 bits, as before.
 */
export function seed32(seed: number): number {
  const high = Math.floor(seed / 4294967296);
  const low = seed >>> 0;
  return high === 0 || high === -1 ? low : (low ^ Math.imul(high >>> 0, 0x9e3779b1)) >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * A 32-bit seed derived from a base seed and a name (FNV-1a), so that each adapted module gets its own
 * stream whatever order modules are visited in.
 */
export function deriveSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed32(seed)) >>> 0;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
