/**
 * An installation from before fingerprints: `setup` brings the sales index from version 1 to
 * the current one (row_fingerprint added; the copy behind the alias that version 3's Korean
 * n-grams need keeps the documents); documents written before it are
 * reported as "not fingerprinted yet" with the command that fills them — never as drift —
 * while a real difference on such a day (a count or an amount) is still found; `--repair`
 * fingerprints them, after which even a remark-only change is seen.
 */
import { describeSourceTable } from '../../../src/core/source/query';
import { definitionOf } from '../../../src/core/es/indices';
import { reconcile } from '../../../src/core/reconcile/reconcile';
import type { DayComparison } from '../../../src/core/reconcile/days';
import { mapSourceRow } from '../../../src/core/sales/saleDocument';
import { SOURCE_COLUMNS, type SourceRow } from '../../../src/core/source/row';
import { createSourceTable } from '../../../src/core/source/schema';
import { TestWorld, joinedRegExp } from '../../support';

const world = new TestWorld('reconcile-nofp');
const sales = () => `${world.prefix}-sales`;
const RANGE = ['--from', '2024-05-01', '--to', '2024-05-03'];

interface ReconcileJson {
  exit_code: number;
  drift: DayComparison[];
  not_fingerprinted: { days: number; documents: number; list: { day: string; documents: number }[] };
  repair: null | { filled: number; deleted: number; ids: number };
}

let nextId = 1;
function sale(soldAt: string): Partial<SourceRow> {
  const id = nextId++;
  return {
    id: String(id),
    created: soldAt,
    modified: '2024-05-04 00:00:00',
    card_number: `1234-56**-****-${id}`,
    amount_sale: 1000 * id,
    amount_fee: 0,
    amount_deposit: 1000 * id,
    is_canceled: 0,
    sold_at: soldAt,
    store_id: '1',
  };
}

beforeAll(async () => {
  await world.start();
  await createSourceTable(world.pool);
  expect((await world.cli(['setup'])).code).toBe(0);
  // The sales index as version 1 created it: no row_fingerprint (and no text_grams).
  await world.es.indices.delete({ index: `${sales()}-v${definitionOf('sales').version}` });
  const v1 = { ...definitionOf('sales').mappings.properties };
  delete v1.row_fingerprint;
  delete v1.text_grams;
  await world.es.indices.create({
    index: `${sales()}-v1`,
    aliases: { [sales()]: {} },
    mappings: { dynamic: 'strict', properties: v1, _meta: { earlypay_mapping_version: 1 } },
  });
});

afterAll(() => world.stop());

describe('documents written before fingerprints', () => {
  it('setup upgrades the sales mapping', async () => {
    const r = await world.cli(['setup', '--json']);
    expect(r.code).toBe(0);
    expect(
      r
        .json<{ indices: { alias: string; action: string; index: string }[] }>()
        .indices.find((i) => i.alias === sales()),
    ).toMatchObject({ action: 'reindexed', index: `${sales()}-v${definitionOf('sales').version}` });
    const m = await world.es.indices.getMapping({ index: sales() });
    expect(Object.values(m)[0]!.mappings.properties!.row_fingerprint).toEqual({ type: 'long' });
  });

  it('are reported as not fingerprinted yet, with the command that fills them, never as drift', async () => {
    const rows = [
      '2024-05-01 10:00:00',
      '2024-05-01 11:00:00',
      '2024-05-02 10:00:00',
      '2024-05-02 11:00:00',
      '2024-05-03 10:00:00',
    ].map(sale);
    await world.insertRows(rows);
    // What an earlier earlypay wrote: the same documents without the field.
    const [read] = await world.pool.query(
      `SELECT ${SOURCE_COLUMNS.map((c) => `\`${c}\``).join(', ')} FROM platform_sales`,
    );
    for (const row of read as SourceRow[]) {
      const mapped = mapSourceRow(row, {
        sourceTz: 'Asia/Seoul',
        businessTz: 'Asia/Seoul',
        ingestedAt: new Date().toISOString(),
      });
      if (!mapped.ok) throw new Error('rejected');
      const { row_fingerprint: _none, ...old } = mapped.sale.doc;
      await world.es.index({
        index: sales(),
        id: old.id,
        document: old,
        version: mapped.sale.version,
        version_type: 'external_gte',
      });
    }
    await world.es.indices.refresh({ index: sales() });
    // A silent remark change on 05-03 cannot be seen on a day without fingerprints (and is not claimed to be).
    await world.query(`UPDATE platform_sales SET remark = 'x' WHERE id = 5`);

    const r = await world.cli(['reconcile', ...RANGE]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      joinedRegExp(
        /in sync .*, 3 day\(s\) not fingerprinted yet \(2024-05-01, 2024-05-02, 2024-05-03: 5 /,
        /document\(s\) written before fingerprints, compared by count and amount only; `earlypay /,
        /reconcile --repair --from 2024-05-01 --to 2024-05-03` fingerprints them\)/,
      ),
    );
    expect(r.stdout).not.toMatch(/Days that drift/);
  });

  it('a count or amount difference on such a day is still drift, its ids named', async () => {
    await world.query('DELETE FROM platform_sales WHERE id = 3');
    const r = await world.cli(['reconcile', ...RANGE, '--json']);
    expect(r.code).toBe(4);
    const json = r.json<ReconcileJson>();
    expect(json.drift.map((d) => [d.day, d.extra_ids, d.unfingerprinted])).toEqual([['2024-05-02', ['3'], 1]]);
    expect(json.not_fingerprinted).toMatchObject({ days: 2, documents: 3 });
  });

  it('--repair fingerprints them (and repairs the drift); then a remark-only change is found', async () => {
    const r = await world.cli(['reconcile', ...RANGE, '--repair', '--json']);
    expect(r.code).toBe(0);
    const json = r.json<ReconcileJson>();
    expect(json.repair).toMatchObject({ deleted: 1, filled: 4, ids: 5 });
    expect(json.not_fingerprinted).toMatchObject({ days: 0, documents: 0 });
    const missing = await world.es.count({
      index: sales(),
      query: { bool: { must_not: [{ exists: { field: 'row_fingerprint' } }] } },
    });
    expect(missing.count).toBe(0);
    expect((await world.es.get<{ remark: string }>({ index: sales(), id: '5' }))._source!.remark).toBe('x');

    await world.query(`UPDATE platform_sales SET remark = 'y' WHERE id = 1`);
    const after = await world.cli(['reconcile', ...RANGE, '--json']);
    expect(after.code).toBe(4);
    expect(after.json<ReconcileJson>().drift.map((d) => [d.day, d.changed_ids])).toEqual([['2024-05-01', ['1']]]);
  });

  it(
    'a day with more rows than fingerprint sums hold exactly ' + 'is compared id by id, and agrees when its ids do',
    async () => {
      await world.withJob('test', async (deps) => {
        const result = await reconcile(deps, {
          range: { from: '2024-05-01', to: '2024-05-03' },
          repair: false,
          batchSize: 100,
          concurrency: 1,
          exactRows: 0,
          source: await describeSourceTable(deps.pool, deps.config.table),
        });
        // Every day is a candidate by size; only 05-01 (the remark) has a differing id.
        expect(result.drift.map((d) => [d.day, d.changed_ids])).toEqual([['2024-05-01', ['1']]]);
      });
    },
  );
});
