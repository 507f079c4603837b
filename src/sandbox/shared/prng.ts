/**
 * Small seeded pseudo-random generator (sfc32, seeded through a string hash) for everything in the
 * sandbox that must be reproducible from a seed: seed data, traffic, fault injection.
 *
 * `fork(label)` derives an independent stream from the parent's seed and the label (not from the
 * parent's current position), so adding a draw in one place never shifts the numbers drawn elsewhere.
 */

/** 32-bit string hash (cyrb53-style mixing, truncated) used to turn seeds and labels into state. */
function hash32(text: string, salt: number): number {
  let h1 = 0xdeadbeef ^ salt;
  let h2 = 0x41c6ce57 ^ salt;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 ^ h2) >>> 0;
}

export type SeedInput = string | number;

export class Prng {
  readonly seed: string;
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: SeedInput) {
    this.seed = String(seed);
    this.a = hash32(this.seed, 1);
    this.b = hash32(this.seed, 2);
    this.c = hash32(this.seed, 3);
    this.d = hash32(this.seed, 4);
    // Warm up: sfc32 output is weak for the first few draws.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    if (max < min) throw new RangeError(`Prng.int: max (${max}) < min (${min})`);
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Uniform float in [min, max). */
  float(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Prng.pick: empty array');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** True with probability p (p ≤ 0 never, p ≥ 1 always, without consuming fewer draws). */
  chance(p: number): boolean {
    const r = this.next();
    return r < p;
  }

  /** Fisher–Yates shuffle into a new array. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const tmp = out[i] as T;
      out[i] = out[j] as T;
      out[j] = tmp;
    }
    return out;
  }

  /** Independent stream derived from this generator's seed and `label`. */
  fork(label: string): Prng {
    return new Prng(`${this.seed}/${label}`);
  }
}

export function createPrng(seed: SeedInput): Prng {
  return new Prng(seed);
}
