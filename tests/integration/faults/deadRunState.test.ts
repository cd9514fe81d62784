/**
 * Issue 29: every job's own state survives the job's death.
 *
 * - REPEATED_AMOUNT is settled after the stream, for the days a run wrote: an ingest killed
 *   (-9) before its end left the days it wrote unranked, and the next run, finding those rows
 *   as they are, ranked nothing (83 of 168 flags missing, `reconcile` in sync). The days are now
 *   recorded before the writes, and the next run settles them.
 * - `reconcile --repair` holds the ingest lock: it is taken with the job's own before the
 *   comparison (an ingest running: exit 75 at once, no run recorded), and released on every
 *   exit path (SIGTERM mid-repair left `lock:ingest` behind, held by a dead pid).
 */
import { JobLock } from '../../../src/core/runs/lock';
import type { SaleDocument } from '../../../src/core/sales/saleDocument';
import { StateStore } from '../../../src/core/state/store';
import { loadSample } from '../../../src/sample/load';
import { TestWorld } from '../../support';
import { repeatedAmountFlags } from '../anomalies/reference';
import { runCliProcess, salesCount, spawnCliUntil } from './support';

const world = new TestWorld('fault-deadrun');
const ROWS = 150_000;

beforeAll(async () => {
  await world.start();
  await loadSample(
    { mysqlUrl: world.mysqlUrl, mysqlPassword: undefined },
    { rows: ROWS, days: 20, stores: 10, seed: 11, anomalyRate: 0.01 },
    { batchSize: 5_000, concurrency: 2 },
  );
}, 300_000);

afterAll(() => world.stop());

const repeatedFlags = () => repeatedAmountFlags(world);

async function lockHeld(job: string): Promise<boolean> {
  return (await world.es.get({ index: world.names.state, id: `lock:${job}` }, { ignore: [404] })).found === true;
}

describe('an ingest killed (-9) before its end', () => {
  it('leaves the days it wrote to the next run, which settles REPEATED_AMOUNT on them exactly', async () => {
    const run = await spawnCliUntil(['ingest', ...world.args], async () => (await salesCount(world)) > 40_000);
    process.kill(run.pid, 'SIGKILL');
    expect((await run.done).signal).toBe('SIGKILL');
    // The days it wrote wait to be settled.
    const state = new StateStore(world.es, world.names.state);
    const waiting = new Set((await state.changedDays('repeated-amount')).map((m) => m.day));
    const written = new Set(
      [...(await world.allDocs<SaleDocument>(world.names.sales)).values()].map((d) => d.sale_date),
    );
    expect([...written].filter((d) => !waiting.has(d))).toEqual([]);

    const next = await runCliProcess(['ingest', ...world.args, '--json']);
    expect(next.code).toBe(0);
    expect(next.json<{ repeated_amount: { days: number } }>().repeated_amount.days).toBeGreaterThanOrEqual(
      written.size,
    );
    const flags = await repeatedFlags();
    expect(flags.expected.length).toBeGreaterThan(20);
    expect(flags.onSales).toEqual(flags.expected);
    expect(flags.documents).toEqual(flags.expected);
    // Settled: nothing waits any more, and reconcile agrees row by row.
    expect(await state.changedDays('repeated-amount')).toEqual([]);
    expect((await runCliProcess(['reconcile', '--all', ...world.args])).code).toBe(0);
  }, 900_000);
});

describe('reconcile --repair and the ingest lock', () => {
  it('with an ingest holding its lock, exits 75 at once, before comparing: no run is recorded', async () => {
    const reconcileRuns = async (): Promise<number> =>
      [...(await world.allDocs<{ command: string }>(world.names.runs)).values()].filter(
        (r) => r.command === 'reconcile',
      ).length;
    expect((await runCliProcess(['setup', ...world.args])).code).toBe(0);
    const before = await reconcileRuns();
    const ingest = new JobLock(world.es, world.names.state, 'ingest', 'an-ingest', { staleAfterMs: 120_000 });
    await ingest.acquire();
    try {
      const r = await runCliProcess(['reconcile', '--all', '--repair', ...world.args]);
      expect(r.code).toBe(75);
      expect(r.stderr).toMatch(/^earlypay: another ingest run holds the lock/);
    } finally {
      await ingest.release();
    }
    expect(await reconcileRuns()).toBe(before);
    expect(await lockHeld('reconcile')).toBe(false);
  }, 120_000);

  it('interrupted (SIGTERM) mid-repair, it releases both locks; killed (-9), the next runs take them ' +
    'over', async () => {
    // Drift to repair: 60,000 sales documents gone from the index (leaving no tombstones, which
    // would make their versions count as newer than the rows' for a minute).
    await world.es.indices.putSettings({ index: world.names.sales, settings: { 'index.gc_deletes': '0s' } });
    const gone = await world.query<{ id: string }>('SELECT id FROM platform_sales ORDER BY id LIMIT 60000');
    for (let i = 0; i < gone.length; i += 5_000) {
      await world.es.bulk({
        operations: gone.slice(i, i + 5_000).map((r) => ({ delete: { _index: world.names.sales, _id: String(r.id) } })),
      });
    }
    await world.es.indices.refresh({ index: world.names.sales });
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      // Mid-repair: documents are coming back.
      const before = await salesCount(world);
      const run = await spawnCliUntil(
        ['reconcile', '--all', '--repair', ...world.args],
        async () => (await salesCount(world)) > before + 2_000,
      );
      process.kill(run.pid, signal);
      const result = await run.done;
      if (signal === 'SIGTERM') {
        expect(result.code).toBe(143);
        expect(await lockHeld('ingest')).toBe(false);
        expect(await lockHeld('reconcile')).toBe(false);
      } else {
        expect(result.signal).toBe('SIGKILL');
      }
      await world.es.indices.refresh({ index: world.names.sales });
    }
    // After the kill, an ingest and a repair take the dead run's locks over (its pid is gone) and end in sync.
    expect((await runCliProcess(['ingest', ...world.args])).code).toBe(0);
    expect((await runCliProcess(['reconcile', '--all', '--repair', ...world.args])).code).toBe(0);
    expect(await lockHeld('ingest')).toBe(false);
    expect(await lockHeld('reconcile')).toBe(false);
    const flags = await repeatedFlags();
    expect(flags.onSales).toEqual(flags.expected);
    expect(flags.documents).toEqual(flags.expected);
  }, 900_000);
});
