/**
 * Rows modified in the future (issue 28, item 5): an application server whose clock runs ahead
 * writes `modified` after our now. Such a row is copied by the next run, the checkpoint never
 * passes now − lag (so the rows modified after it still arrive), and `doctor` warns with the
 * count and the largest `modified`.
 */
import { createSourceTable } from '../../../src/core/source/schema';
import type { SourceRow } from '../../../src/core/source/row';
import { toWallClock } from '../../../src/core/time/businessDay';
import { TestWorld } from '../../support';
import { expectSalesEqualSql, insertGeneratedSales, readCheckpoint, runCronRound } from '../faults/support';

const world = new TestWorld('future-rows');
const KST = 'Asia/Seoul';
const LAG_MS = 2 * 60_000;
/** Wall clock in the source zone, `ms` from now. */
const fromNow = (ms: number): string => toWallClock(new Date(Date.now() + ms), KST);

function sale(id: number, modified: string): Partial<SourceRow> {
  return {
    id: String(id),
    created: modified,
    modified,
    card_number: `5461-11**-****-${id % 10_000}`,
    amount_sale: 20_000,
    amount_fee: 600,
    amount_deposit: 19_400,
    is_canceled: 0,
    sold_at: '2024-04-10 12:00:00',
    store_id: '9',
  };
}

interface IngestJson {
  future: number;
  indexed: number;
  unchanged: number;
}

beforeAll(async () => {
  await world.start();
  await createSourceTable(world.pool);
  await insertGeneratedSales(world, 1, 1_000);
  expect((await world.cli(['ingest', '--full'])).code).toBe(0);
}, 120_000);

afterAll(() => world.stop());

describe('rows modified in the future', () => {
  const ahead = fromNow(86_400_000);
  const farAhead = fromNow(5 * 365 * 86_400_000);

  it('are copied at the next run, and the checkpoint stays at or before now − lag', async () => {
    await world.insertRows([sale(5001, ahead), sale(5002, farAhead), sale(5003, fromNow(-30_000))]);
    const started = Date.now();
    const r = await world.cli(['ingest', '--json']);
    expect(r.code).toBe(0);
    expect(r.json<IngestJson>()).toMatchObject({ future: 2, indexed: 2 });
    const checkpoint = await readCheckpoint(world);
    expect(checkpoint!.modified <= toWallClock(new Date(started - LAG_MS + 1_000), KST)).toBe(true);
    for (const id of ['5001', '5002'])
      expect((await world.es.get({ index: world.names.sales, id }, { ignore: [404] })).found).toBe(true);
    // Within the lag: waits for the next run, as any recent row.
    expect((await world.es.get({ index: world.names.sales, id: '5003' }, { ignore: [404] })).found).toBe(false);
  });

  it('rows modified after the checkpoint still arrive; the future rows are not rewritten', async () => {
    await world.insertRows([sale(5004, fromNow(-3 * 60_000))]);
    await world.query('UPDATE platform_sales SET modified = ? WHERE id = 5003', [fromNow(-4 * 60_000)]);
    const r = await world.cli(['ingest', '--json']);
    expect(r.json<IngestJson>()).toMatchObject({ future: 2, indexed: 2 });
    for (const id of ['5003', '5004'])
      expect((await world.es.get({ index: world.names.sales, id }, { ignore: [404] })).found).toBe(true);
    const again = await world.cli(['ingest']);
    expect(again.stdout).toMatch(
      /indexed 0, .*2 row\(s\) modified after now \(clock skew\?\), read; the checkpoint stays before them/,
    );
  });

  it('doctor warns with the count and the largest `modified`; "rows waiting" counts only rows up to now', async () => {
    const r = await world.cli(['doctor', '--json']);
    const checks = r.json<{ checks: { name: string; status: string; detail: string }[] }>().checks;
    expect(checks.find((c) => c.name === 'future rows')).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(
        new RegExp(`^2 row\\(s\\) modified after now, the latest ${farAhead}: clock skew\\?`),
      ),
    });
    expect(checks.find((c) => c.name === 'checkpoint')!.detail).toMatch(/; 0 rows waiting$/);
  });

  it('every job in its cron form and the nightly repair end exact', async () => {
    await runCronRound(world);
    await expectSalesEqualSql(world, world.es, world.names.sales);
  });
});
