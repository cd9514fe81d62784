/**
 * The dead letter describes the rows rejected now (issue 28, item 4): a row rejected once and
 * valid later — fixed with a new `modified` (ingest finds it), or silently (reconcile --repair
 * finds it) — loses its dead letter, and `doctor` counts only the rows rejected now. A dead
 * letter an earlier release left beside a current document is removed by the next run that reads
 * the row.
 */
import { createSourceTable } from '../../../src/core/source/schema';
import { TestWorld } from '../../support';
import { expectRejectsDeadLettered, expectSalesEqualSql, insertGeneratedSales } from '../faults/support';

const world = new TestWorld('dead-letters');
const ACCEPTED = `card_number <> '' AND sold_at >= '1000-01-01' AND store_id IS NOT NULL`;

interface DoctorJson {
  checks: { name: string; status: string; detail: string }[];
}

async function deadLetterIds(): Promise<string[]> {
  await world.es.indices.refresh({ index: world.names.deadletter });
  const res = await world.es.search<{ source_id: string }>({
    index: world.names.deadletter,
    size: 1000,
    _source: ['source_id'],
  });
  return res.hits.hits.map((h) => h._source!.source_id).sort((a, b) => Number(a) - Number(b));
}

async function doctorDeadLetter(): Promise<string> {
  const r = await world.cli(['doctor', '--json']);
  return r.json<DoctorJson>().checks.find((c) => c.name === 'dead letter')!.detail;
}

beforeAll(async () => {
  await world.start();
  await createSourceTable(world.pool);
  await insertGeneratedSales(world, 1, 2_000);
  // Rows 100..109 lose their store: rejected.
  await world.query('UPDATE platform_sales SET store_id = NULL WHERE id BETWEEN 100 AND 109');
  expect((await world.cli(['ingest', '--full'])).code).toBe(0);
}, 120_000);

afterAll(() => world.stop());

describe('dead letters that describe now', () => {
  it('a row fixed with a new `modified` leaves the dead letter at the next ingest', async () => {
    expect(await deadLetterIds()).toEqual([
      '100',
      '101',
      '102',
      '103',
      '104',
      '105',
      '106',
      '107',
      '108',
      '109',
      '997',
      '1499',
      '1994',
    ]);
    expect(await doctorDeadLetter()).toMatch(/^13 rejected row\(s\)/);
    await world.query(
      'UPDATE platform_sales SET store_id = 7, modified = NOW() - INTERVAL 5 MINUTE WHERE id BETWEEN 100 AND 104',
    );
    const r = await world.cli(['ingest', '--json']);
    expect(r.code).toBe(0);
    expect(r.json<{ valid_again: number; indexed: number }>()).toMatchObject({ valid_again: 5, indexed: 5 });
    expect(await deadLetterIds()).toEqual(['105', '106', '107', '108', '109', '997', '1499', '1994']);
    expect(await doctorDeadLetter()).toMatch(/^8 rejected row\(s\)/);
    await expectSalesEqualSql(world, world.es, world.names.sales, ACCEPTED);
  });

  it('a row fixed silently (no new `modified`) leaves it at the nightly repair', async () => {
    await world.query('UPDATE platform_sales SET store_id = 8 WHERE id BETWEEN 105 AND 107');
    expect((await world.cli(['ingest'])).code).toBe(0);
    expect(await deadLetterIds()).toContain('105');
    const repair = await world.cli(['reconcile', '--all', '--repair', '--json']);
    expect(repair.code).toBe(0);
    expect(repair.json<{ repair: { valid_again: number } }>().repair.valid_again).toBe(3);
    expect(await deadLetterIds()).toEqual(['108', '109', '997', '1499', '1994']);
    expect(await doctorDeadLetter()).toMatch(/^5 rejected row\(s\)/);
    await expectSalesEqualSql(world, world.es, world.names.sales, ACCEPTED);
    await expectRejectsDeadLettered(world, world.es, world.names.deadletter, ACCEPTED);
  });

  it(
    'a dead letter left beside a current document (an ' + 'earlier release) goes at the next run that reads the row',
    async () => {
      // What earlier releases left: the row is valid and copied, its old dead letter still there.
      await world.es.index({
        index: world.names.deadletter,
        id: 'platform_sales:50',
        document: {
          source_id: '50',
          source_table: 'platform_sales',
          reason: 'store_id is missing',
          reason_code: ['MISSING_STORE_ID'],
        },
        refresh: true,
      });
      const full = await world.cli(['ingest', '--full', '--json']);
      expect(full.json<{ valid_again: number; indexed: number }>()).toMatchObject({ valid_again: 1, indexed: 0 });
      expect(await deadLetterIds()).toEqual(['108', '109', '997', '1499', '1994']);
      await expectRejectsDeadLettered(world, world.es, world.names.deadletter, ACCEPTED);
    },
  );
});
