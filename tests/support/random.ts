import { SeededRandom } from '../../src/sample/random';

/** Uniform integers in [0, n) from the sample generator's seeded random: the same test data every run. */
export function randomInts(seed: number): (n: number) => number {
  const random = new SeededRandom(seed);
  return (n) => random.int(n);
}
