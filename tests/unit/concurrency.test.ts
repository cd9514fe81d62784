import { mapInOrder } from '../../src/core/concurrency';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mapInOrder', () => {
  it('yields in input order with at most N calls in flight', async () => {
    let running = 0;
    let peak = 0;
    const out: number[] = [];
    for await (const v of mapInOrder([5, 1, 4, 2, 3, 0], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await sleep(n * 3);
      running--;
      return n * 10;
    }))
      out.push(v);
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });
  it('throws the first failure after the calls in flight have settled, and starts nothing new', async () => {
    const started: number[] = [];
    let settled = 0;
    const run = async () => {
      for await (const _ of mapInOrder([1, 2, 3, 4, 5], 2, async (n) => {
        started.push(n);
        await sleep(n === 1 ? 1 : 20);
        settled++;
        if (n === 1) throw new Error('boom');
        return n;
      }))
        void _;
    };
    await expect(run()).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
    expect(settled).toBe(2);
  });
  it('handles no items', async () => {
    const out: number[] = [];
    for await (const v of mapInOrder([], 3, async () => 1)) out.push(v);
    expect(out).toEqual([]);
  });
});
