/** RepeatCandidates: every key written `from` times or more is found; keys written fewer times mostly are not. */
import { RepeatCandidates } from '../../../src/core/rules/repeatCandidates';
import { randomInts } from '../../support/random';

describe('RepeatCandidates', () => {
  it('finds every key written at least `from` times among a hundred thousand sales, and few others', () => {
    const int = randomInts(3);
    const times = new Map<string, number>();
    const sales: string[] = [];
    for (const [keys, n] of [
      [80_000, 1],
      [6_000, 2],
      [1_000, 3],
      [500, 5],
    ] as const) {
      for (let k = 0; k < keys; k++) {
        const day = `2024-05-${String(1 + int(30)).padStart(2, '0')}`;
        const key = `${int(200)}|5461-11**-****-${times.size}|${day}|${int(50) * 100}`;
        times.set(key, n);
        for (let i = 0; i < n; i++) sales.push(key);
      }
    }
    for (let i = sales.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [sales[i], sales[j]] = [sales[j]!, sales[i]!];
    }
    const candidates = new RepeatCandidates(3);
    for (const key of sales) candidates.add(key);
    const found = candidates.found()!;
    const groups = [...times].filter(([, n]) => n >= 3).map(([k]) => k);
    expect(groups).toHaveLength(1_500);
    for (const k of groups) expect(found.has(k)).toBe(true);
    expect(found.size - groups.length).toBeLessThan(100);
  });

  it('a key counts from its `from`-th time on, whatever else was written', () => {
    const candidates = new RepeatCandidates(2);
    candidates.add('a');
    expect(candidates.found()!.has('a')).toBe(false);
    candidates.add('b');
    candidates.add('a');
    expect([...candidates.found()!]).toEqual(['a']);
  });

  it('gives up (undefined: aggregate instead) once the candidates are too many to be worth it', () => {
    const candidates = new RepeatCandidates(1);
    for (let i = 0; i < 50_000; i++) candidates.add(`k${i}`);
    expect(candidates.found()?.size).toBe(50_000);
    candidates.add('one more');
    expect(candidates.found()).toBeUndefined();
  });
});
