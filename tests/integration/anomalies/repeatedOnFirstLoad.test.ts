/**
 * REPEATED_AMOUNT after a load into empty indices: the ingest counts the repeat keys it writes
 * (RepeatCandidates) and settling looks those keys up instead of aggregating every key of the
 * index. On 20,000 generated sales with repeated payments, the flags — the sales' anomaly_rules
 * and the anomaly documents — must be exactly those of the rule written out in plain TypeScript;
 * and a second ingest over the same rows (the index no longer empty: the aggregation's way)
 * changes none of them.
 */
import { loadSample } from '../../../src/sample/load';
import { TestWorld } from '../../support';
import { repeatedAmountFlags } from './reference';

const world = new TestWorld('repeated-first-load');

beforeAll(async () => {
  await world.start();
  await loadSample(
    { mysqlUrl: world.mysqlUrl, mysqlPassword: undefined },
    { rows: 20_000, days: 10, stores: 8, seed: 5, anomalyRate: 0.02 },
    { batchSize: 2_000, concurrency: 2 },
  );
});

afterAll(async () => {
  await world.stop();
});

const flagged = () => repeatedAmountFlags(world);

describe('REPEATED_AMOUNT on a first load', () => {
  it("flags exactly the reference rule's sales, on the sales and as anomaly documents", async () => {
    const run = await world.cli(['ingest', '--full', '--json']);
    expect(run.code).toBe(0);
    const f = await flagged();
    expect(f.expected.length).toBeGreaterThan(20);
    expect(f.onSales).toEqual(f.expected);
    expect(f.documents).toEqual(f.expected);
    expect(JSON.parse(run.stdout.trim().split('\n').pop()!).repeated_amount.flagged).toBe(f.expected.length);
  });

  it("a second full ingest over the same rows (the aggregation's way) changes no flag", async () => {
    const before = await flagged();
    const run = await world.cli(['ingest', '--full', '--json']);
    expect(run.code).toBe(0);
    expect(await flagged()).toEqual(before);
  });
});
