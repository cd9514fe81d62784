/**
 * Withdrawals (issue 28, items 2 and 3): a run of ingest or reconcile --repair that would take
 * more sales out of the index than the limit withdraws none of them and exits 1 (counted over a
 * rolling day too, so the cron form cannot drain the index run by run); and a withdrawn row that
 * is valid again comes back at the next run, even within index.gc_deletes (60 s).
 */
import { expectSalesEqualSql, worldWithGeneratedSales } from '../faults/support';

const ACCEPTED = `card_number <> '' AND sold_at >= '1000-01-01' AND store_id IS NOT NULL`;
const ROWS = 3_000;
const world = worldWithGeneratedSales('withdrawals', ROWS);

async function salesCount(): Promise<number> {
  await world.es.indices.refresh({ index: world.names.sales });
  return (await world.es.count({ index: world.names.sales })).count;
}

async function checkpoint(): Promise<unknown> {
  const res = await world.es.get(
    { index: world.names.state, id: 'checkpoint:ingest:platform_sales' },
    { ignore: [404] },
  );
  return (res._source as { value?: unknown } | undefined)?.value ?? null;
}

beforeAll(async () => {
  expect((await world.cli(['ingest', '--full'])).code).toBe(0);
}, 120_000);

describe('withdrawals a later version undoes', () => {
  it('a row invalid, withdrawn, then valid again within 60 s (same `modified`) is written back ' +
    'by the next run', async () => {
    // Silent changes (modified kept): the versions of the rows do not move.
    await world.query('UPDATE platform_sales SET store_id = NULL, modified = modified WHERE id BETWEEN 10 AND 14');
    const withdrawn = await world.cli(['ingest', '--full', '--json']);
    expect(withdrawn.code).toBe(0);
    expect(withdrawn.json<{ withdrawn: number }>().withdrawn).toBe(5);
    const at = Date.now();
    await world.query('UPDATE platform_sales SET store_id = 3, modified = modified WHERE id BETWEEN 10 AND 14');
    const back = await world.cli(['ingest', '--full', '--json']);
    // Within index.gc_deletes: the deletes' tombstones are still there.
    expect(Date.now() - at).toBeLessThan(60_000);
    expect(back.code).toBe(0);
    expect(back.json<{ indexed: number; superseded: number }>()).toMatchObject({ indexed: 5, superseded: 0 });
    await expectSalesEqualSql(world, world.es, world.names.sales, ACCEPTED);
  }, 120_000);
});

describe('the guard against mass withdrawal', () => {
  it('an ingest that would withdraw more than the limit withdraws nothing, exits 1 and says why; ' +
    '--max-withdraw all lets it', async () => {
    const before = await salesCount();
    const checkpointBefore = await checkpoint();
    // A migration nulls a column on 1,200 rows, 1,198 of them accepted until now (over the
    // default: 1,000, or 1 % of ~3,000 sales).
    await world.query(
      'UPDATE platform_sales SET store_id = NULL, modified = NOW() - INTERVAL 5 MINUTE WHERE id BETWEEN 1001 AND 2200',
    );
    const refused = await world.cli(['ingest']);
    expect(refused.code).toBe(1);
    const line = refused.stderr.split('\n')[0]!;
    expect(line).toMatch(
      /^earlypay: ingest would withdraw 1,198 sale\(s\) from Elasticsearch, over the limit of 1,000/,
    );
    expect(line).toContain('MISSING_STORE_ID 1,198');
    expect(line).toContain('nothing was withdrawn');
    expect(refused.stderr).toMatch(/hint: .*--max-withdraw all/);
    expect(await salesCount()).toBe(before);
    expect(await checkpoint()).toEqual(checkpointBefore);

    // Run again as cron would: the same rows, the same answer.
    expect((await world.cli(['ingest'])).code).toBe(1);
    expect(await salesCount()).toBe(before);

    const allowed = await world.cli(['ingest', '--max-withdraw', 'all', '--json']);
    expect(allowed.code).toBe(0);
    expect(allowed.json<{ withdrawn: number; checkpoint_advanced: boolean }>()).toMatchObject({
      withdrawn: 1_198,
      checkpoint_advanced: true,
    });
    await expectSalesEqualSql(world, world.es, world.names.sales, ACCEPTED);
  }, 180_000);

  it('counts over a rolling day: runs each under the limit cannot drain the index slice by slice', async () => {
    // 12 over the last day, of which the first test's run withdrew 5.
    const env = { EARLYPAY_MAX_WITHDRAW: '12' };
    await world.query(
      'UPDATE platform_sales SET store_id = NULL, modified = NOW() - INTERVAL 4 MINUTE WHERE id BETWEEN 2301 AND 2306',
    );
    const first = await world.cli(['ingest', '--json'], { env });
    expect(first.code).toBe(0);
    expect(first.json<{ withdrawn: number }>().withdrawn).toBe(6);
    const before = await salesCount();
    await world.query(
      'UPDATE platform_sales SET store_id = NULL, modified = NOW() - INTERVAL 3 MINUTE WHERE id BETWEEN 2401 AND 2406',
    );
    const second = await world.cli(['ingest'], { env });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/would withdraw 6 sale\(s\).*over the last 24 h, of which earlier runs withdrew 11/);
    expect(await salesCount()).toBe(before);
    // A bad limit is a usage error.
    const bad = await world.cli(['ingest', '--max-withdraw', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-withdraw/);
    // A limit given for the run holds for that run alone.
    expect((await world.cli(['ingest', '--max-withdraw', '6'])).code).toBe(0);
    await expectSalesEqualSql(world, world.es, world.names.sales, ACCEPTED);
  }, 180_000);

  it('reconcile --repair that would delete more than the limit deletes nothing and exits 1', async () => {
    // Rows deleted from MySQL: no ingest sees a delete; the nightly repair does.
    await world.query('DELETE FROM platform_sales WHERE id BETWEEN 2501 AND 2520');
    const before = await salesCount();
    const refused = await world.cli(['reconcile', '--all', '--repair'], { env: { EARLYPAY_MAX_WITHDRAW: '15' } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^earlypay: reconcile --repair would withdraw 20 sale\(s\).*: GONE 20;/);
    expect(await salesCount()).toBe(before);
    const allowed = await world.cli(['reconcile', '--all', '--repair', '--max-withdraw', '20', '--json']);
    expect(allowed.code).toBe(0);
    expect(allowed.json<{ repair: { deleted: number } }>().repair.deleted).toBe(20);
    await expectSalesEqualSql(world, world.es, world.names.sales, ACCEPTED);
  }, 180_000);
});
