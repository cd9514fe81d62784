/**
 * The sample generator's randomness: a seeded sfc32 generator (same seed, same sequence, on
 * every platform) and a stateless integer hash for attributes that must not depend on how
 * many rows were drawn before (a store's customers' cards).
 */

/** murmur3's 32-bit finaliser: a cheap, well-mixed hash of one integer. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A hash of a few small integers to an unsigned 32-bit integer. */
export function hashInts(...parts: number[]): number {
  let h = 0x2545f491;
  for (const p of parts) h = fmix32((h ^ (p >>> 0)) + 0x9e3779b9 + (h << 6) + (h >>> 2));
  return h;
}

export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Any safe integer seed; the high bits count too. */
  constructor(seed: number, stream = 0) {
    const low = seed >>> 0;
    const high = Math.floor(seed / 0x1_0000_0000) >>> 0;
    this.a = hashInts(low, high, stream, 1);
    this.b = hashInts(low, high, stream, 2);
    this.c = hashInts(low, high, stream, 3);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** sfc32 (Chris Doty-Humphrey's small fast counting generator). */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** Draws from a fixed weighted list in O(log n). */
export class WeightedChoice<T> {
  private readonly cumulative: Float64Array;

  constructor(
    private readonly items: readonly T[],
    weights: readonly number[],
  ) {
    if (items.length === 0 || items.length !== weights.length)
      throw new Error('WeightedChoice needs one weight per item');
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((w, i) => {
      sum += w;
      this.cumulative[i] = sum;
    });
    for (let i = 0; i < this.cumulative.length; i++) this.cumulative[i]! /= sum;
  }

  /** The item at quantile u in [0, 1). */
  at(u: number): T {
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (u < this.cumulative[mid]!) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo]!;
  }

  draw(rng: SeededRandom): T {
    return this.at(rng.next());
  }
}
