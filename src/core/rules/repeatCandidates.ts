/**
 * The repeat keys that may form a REPEATED_AMOUNT group, counted as a load into an empty sales
 * index writes its counted sales: every counted sale in the index is then one of the run's, so
 * a key it wrote fewer than `from` times cannot have a group. Settling looks these keys up
 * instead of aggregating every repeat key of the index, a long terms aggregation during which the
 * CLI has nothing to do (docs/performance.md "Small things").
 *
 * A counting filter: each key counts in two of 2^23 one-byte counters (8 MB), and is a
 * candidate once both reach `from`. A key of a real group reaches it at its `from`-th sale; a
 * few others get there by sharing counters (about one in 700 keys at a million keys), which
 * settling, reading their sales, finds to be no group. Past MAX_CANDIDATES (a much larger
 * load) the counts are no longer worth much and settling aggregates as it does otherwise.
 */
const COUNTER_BITS = 23;
const MASK = (1 << COUNTER_BITS) - 1;
const MAX_CANDIDATES = 50_000;

export class RepeatCandidates {
  private readonly counts = new Uint8Array(1 << COUNTER_BITS);
  private readonly keys = new Set<string>();
  private overflowed = false;

  constructor(private readonly from: number) {}

  /** A counted sale the run writes, by its repeat_key. */
  add(repeatKey: string): void {
    if (this.overflowed) return;
    // Two FNV-1a hashes with different primes: the two counters.
    let h1 = 0x811c9dc5;
    let h2 = 0x2f6b1d3b;
    for (let i = 0; i < repeatKey.length; i++) {
      const c = repeatKey.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    }
    const counts = this.counts;
    const a = (h1 ^ (h1 >>> 15)) & MASK;
    const b = (h2 ^ (h2 >>> 13)) & MASK;
    if (counts[a]! < 255) counts[a]!++;
    if (counts[b]! < 255) counts[b]!++;
    if (counts[a]! < this.from || counts[b]! < this.from) return;
    this.keys.add(repeatKey);
    if (this.keys.size > MAX_CANDIDATES) {
      this.overflowed = true;
      this.keys.clear();
    }
  }

  /**
   * Every key written at least `from` times (and a few more), or undefined when there were too many to count this way.
   */
  found(): ReadonlySet<string> | undefined {
    return this.overflowed ? undefined : this.keys;
  }
}
