/**
 * reconcile against the real stack: a hand-written data set ingested, then broken the ways
 * drift happens in production — a document lost in Elasticsearch, a row changed or moved in
 * MySQL without `modified` changing, a row deleted at the source, a row made invalid, a day
 * only one side has — reported day by day and id by id (exit 4), then repaired (exit 0) until the sales
 * index equals MySQL's accepted rows row by row.
 */
import { hostname } from 'node:os';
import { createSourceTable } from '../../../src/core/source/schema';
import type { SourceRow } from '../../../src/core/source/row';
import type { SaleDocument } from '../../../src/core/sales/saleDocument';
import type { DayComparison } from '../../../src/core/reconcile/days';
import { TestWorld, joinedRegExp } from '../../support';
import { expectSalesEqualSql } from '../faults/support';

const world = new TestWorld('reconcile');
const names = () => ({
  sales: `${world.prefix}-sales`,
  deadletter: `${world.prefix}-deadletter`,
  anomalies: `${world.prefix}-anomalies`,
  state: `${world.prefix}-state`,
  runs: `${world.prefix}-runs`,
});
const RANGE = ['--from', '2024-04-28', '--to', '2024-05-07'];
/** Accepted rows in plain SQL (this data set has no whitespace-only or out-of-range values). */
const ACCEPTED =
  `store_id IS NOT NULL AND amount_sale IS NOT NULL AND card_number IS NOT NULL AND card_number <> '' ` +
  `AND sold_at >= '1000-01-01' AND modified >= '1000-01-01'`;

let nextId = 1;
function sale(over: Partial<SourceRow> = {}): Partial<SourceRow> {
  const id = nextId++;
  return {
    id: String(id),
    created: '2024-05-01 12:00:00',
    modified: '2024-05-06 12:00:00',
    card_number: `1234-56**-****-${String(id).padStart(4, '0')}`,
    card_company: '국민',
    card_category: '체크',
    amount_sale: 10_000 + id * 10,
    amount_fee: 0,
    amount_deposit: 10_000 + id * 10,
    is_canceled: 0,
    sold_at: '2024-05-01 12:00:00',
    platform: 'KCP',
    store_id: String(1 + (id % 3)),
    ...over,
  };
}

/**
 * Removes a sales document the way an old loss looks. A plain delete would leave a tombstone
 * one version above the row's external version for index.gc_deletes (60 s), during which
 * Elasticsearch rightly refuses to re-index the (equal) version from MySQL; deleting at the
 * document's own version leaves no newer tombstone, as after those 60 s.
 */
async function loseDocument(id: string): Promise<void> {
  const doc = await world.es.get({ index: names().sales, id });
  await world.es.delete({
    index: names().sales,
    id,
    version: doc._version,
    version_type: 'external_gte',
    refresh: true,
  });
}

interface ReconcileJson {
  exit_code: number;
  from: string;
  to: string;
  days_with_data: number;
  drifting_days: number;
  drift: DayComparison[];
  remaining_days: number;
  remaining: DayComparison[];
  mysql: { rows: number; amount: number };
  es: { rows: number; amount: number };
  after: null | { mysql: { rows: number; amount: number }; es: { rows: number; amount: number } };
  repair: null | {
    days: number;
    deleted: number;
    withdrawn: number;
    rows_reingested: number;
    filled: number;
    rejected: number;
  };
}

beforeAll(async () => {
  await world.start();
  await createSourceTable(world.pool);
  const rows: Partial<SourceRow>[] = [];
  for (const day of ['2024-05-01', '2024-05-02', '2024-05-03', '2024-05-04', '2024-05-05']) {
    for (let i = 0; i < 6; i++) rows.push(sale({ sold_at: `${day} ${String(9 + i * 2).padStart(2, '0')}:15:00` }));
  }
  // Business-day edges in KST, a canceled and a zero sale (accepted, counted in the sums), rejects.
  rows.push(
    sale({ sold_at: '2024-05-02 00:00:00' }),
    sale({ sold_at: '2024-05-01 23:59:59' }),
    sale({ is_canceled: 1, sold_at: '2024-05-03 10:00:00' }),
  );
  rows.push(
    sale({ amount_sale: 0, sold_at: '2024-05-04 10:00:00' }),
    sale({ amount_sale: -500, sold_at: '2024-05-04 11:00:00' }),
  );
  rows.push(sale({ card_number: '' }), sale({ sold_at: '0000-00-00 00:00:00' }), sale({ store_id: null }));
  // The same card paying the same amount three times: the third is flagged REPEATED_AMOUNT.
  for (let i = 0; i < 3; i++)
    rows.push(
      sale({
        card_number: '9999-00**-****-0001',
        amount_sale: 7700,
        amount_deposit: 7700,
        sold_at: `2024-05-03 1${i}:30:00`,
        store_id: '9',
      }),
    );
  await world.insertRows(rows);
  const ingest = await world.cli(['ingest', '--json']);
  expect(ingest.stderr).toBe('');
  expect(ingest.code).toBe(0);
});

afterAll(() => world.stop());

describe('reconcile', () => {
  it('exits 0 and says "in sync" when MySQL and Elasticsearch agree', async () => {
    const r = await world.cli(['reconcile', ...RANGE]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      joinedRegExp(
        /^reconcile 2024-04-28\.\.2024-05-07: 5 day\(s\) with data, in sync \(MySQL and Elasticsearch: /,
        /38 rows \/ [\d,]+ won\), /,
      ),
    );
    const json = (await world.cli(['reconcile', ...RANGE, '--json'])).json<ReconcileJson>();
    const [sums] = await world.query<{ n: number; total: string }>(
      `SELECT COUNT(*) AS n, SUM(amount_sale) AS total FROM platform_sales WHERE ${ACCEPTED}`,
    );
    const { n, total } = sums!;
    expect(json).toMatchObject({
      exit_code: 0,
      drifting_days: 0,
      drift: [],
      days_with_data: 5,
      mysql: { rows: Number(n), amount: Number(total) },
      es: { rows: Number(n), amount: Number(total) },
    });
  });

  let repeatedThird: string;
  let deletedFlagged: string;

  it('finds every kind of drift, day by day, and exits 4 with the table and a reason', async () => {
    const byDay = async (day: string) =>
      world.query<{ id: string; amount_sale: number }>(
        `SELECT id, amount_sale FROM platform_sales WHERE DATE(sold_at) = ? AND ${ACCEPTED} ORDER BY id`,
        [day],
      );
    // 05-01: a document lost in Elasticsearch.
    const lost = (await byDay('2024-05-01'))[0]!;
    await loseDocument(String(lost.id));
    // 05-02: an amount corrected in MySQL without touching `modified`.
    const corrected = (await byDay('2024-05-02'))[1]!;
    await world.query('UPDATE platform_sales SET amount_sale = amount_sale + 1234 WHERE id = ?', [corrected.id]);
    // 05-03: the first of the three repeated payments deleted at the source (its anomaly-free
    // document lingers, and the third payment stays flagged until the day is repaired).
    const repeats = await world.query<{ id: string }>(
      `SELECT id FROM platform_sales WHERE card_number = '9999-00**-****-0001' ORDER BY sold_at, id`,
    );
    repeatedThird = String(repeats[2]!.id);
    deletedFlagged = String(repeats[0]!.id);
    expect(
      (await world.es.get({ index: names().anomalies, id: `${repeatedThird}:REPEATED_AMOUNT` }, { ignore: [404] }))
        .found,
    ).toBe(true);
    await world.query('DELETE FROM platform_sales WHERE id = ?', [deletedFlagged]);
    // 05-05: a row made invalid without `modified` changing.
    const invalid = (await byDay('2024-05-05'))[0]!;
    await world.query(`UPDATE platform_sales SET card_number = '' WHERE id = ?`, [invalid.id]);
    // 05-04 -> 05-05: a sale moved to another day without `modified` changing.
    const moved = (await byDay('2024-05-04'))[0]!;
    await world.query(`UPDATE platform_sales SET sold_at = '2024-05-05 18:00:00' WHERE id = ?`, [moved.id]);
    // An extra day in MySQL only (a row the ingest never saw: modified long before the checkpoint) ...
    await world.insertRows([
      sale({ sold_at: '2024-05-07 10:00:00', modified: '2024-05-01 00:00:00', amount_sale: 4321 }),
    ]);
    // ... and an extra day in Elasticsearch only (a stray document of a row that never existed).
    const stray = (await world.es.get<SaleDocument>({ index: names().sales, id: String(Number(lost.id) + 1) }))._source;
    await world.es.index({
      index: names().sales,
      id: '999999',
      refresh: true,
      document: {
        ...stray,
        id: '999999',
        sold_at: '2024-04-29T10:00:00+09:00',
        sale_date: '2024-04-29',
        amount_sale: 5000,
      },
    });

    const r = await world.cli(['reconcile', ...RANGE]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(
      joinedRegExp(
        /^earlypay: 7 day\(s\) drift between MySQL and Elasticsearch \(2024-04-29, 2024-05-01, /,
        /2024-05-02, 2024-05-03, 2024-05-04, … \(2 more\)\); `earlypay reconcile --repair --from /,
        /2024-04-29 --to 2024-05-07` rewrites exactly the differing ids\n$/,
      ),
    );
    expect(r.stdout).toMatch(/Days that drift/);
    expect(r.stdout).toMatch(
      new RegExp(`│ 2024-05-02 │ +7 │ +[\\d,]+ │ +7 │ +[\\d,]+ │ +0 │ +0 │ +1 │ changed ${corrected.id} +│ +0 │`),
    );
    expect(r.stdout.trim().split('\n').pop()).toMatch(
      /^reconcile 2024-04-28\.\.2024-05-07: 7 day\(s\) with data, 7 day\(s\) drift/,
    );

    const json = (await world.cli(['reconcile', ...RANGE, '--json'])).json<ReconcileJson>();
    expect(json.exit_code).toBe(4);
    expect(json.drift.map((d) => [d.day, d.rows_diff, d.amount_diff])).toEqual(
      [
        ['2024-04-29', 1, 5000],
        ['2024-05-01', -1, -Number(lost.amount_sale)],
        ['2024-05-02', 0, -1234],
        ['2024-05-03', 1, 7700],
        ['2024-05-04', 1, Number(moved.amount_sale)],
        ['2024-05-05', 0, Number(invalid.amount_sale) - Number(moved.amount_sale)],
        ['2024-05-07', -1, -4321],
      ].filter(([, rows, amount]) => rows !== 0 || amount !== 0),
    );
  });

  it('--repair rewrites exactly the differing ids, deletes what MySQL no longer has, and exits 0', async () => {
    const r = await world.cli(['reconcile', ...RANGE, '--repair', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = r.json<ReconcileJson>();
    expect(json).toMatchObject({ exit_code: 0, remaining_days: 0, remaining: [] });
    expect(json.drifting_days).toBeGreaterThan(0);
    expect(json.repair).toMatchObject({ days: json.drifting_days, deleted: 2, withdrawn: 1, filled: 0 });
    expect(json.after!.mysql).toEqual(json.after!.es);
    expect(json.mysql).not.toEqual(json.es);

    await expectSalesEqualSql(world, world.es, names().sales, ACCEPTED);
    // The deleted repeat took its rank with it: the third payment is only the second now.
    expect(
      (await world.es.get({ index: names().anomalies, id: `${repeatedThird}:REPEATED_AMOUNT` }, { ignore: [404] }))
        .found,
    ).toBe(false);
    expect(
      (await world.es.get<SaleDocument>({ index: names().sales, id: repeatedThird }))._source!.anomaly_rules,
    ).not.toContain('REPEATED_AMOUNT');
    // The invalid row is in the dead letter; the days are marked for daily/weekly.
    const dead = await world.allDocs<{ source_id: string; reason_code: string[] }>(names().deadletter);
    expect([...dead.values()].some((d) => d.reason_code.includes('MISSING_CARD_NUMBER') && d.source_id !== null)).toBe(
      true,
    );
    const marks = await world.es.search<{ day: string }>({
      index: names().state,
      size: 200,
      query: { term: { kind: 'changed_weekly' } },
    });
    expect(marks.hits.hits.map((h) => h._source!.day)).toEqual(expect.arrayContaining(json.drift.map((d) => d.day)));

    const again = await world.cli(['reconcile', ...RANGE]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/in sync/);
  });

  it('the table goes with a repair, and a human summary ends the output', async () => {
    await loseDocument('2');
    const r = await world.cli(['reconcile', ...RANGE, '--repair']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Days that drift, before the repair \(missing\/extra: in Elasticsearch/);
    expect(r.stdout).toMatch(/│ 2024-05-01 │ +7 │ +[\d,]+ │ +6 │ +[\d,]+ │ +1 │ +0 │ +0 │ missing 2 +│/);
    expect(r.stdout.trim().split('\n').pop()).toMatch(
      joinedRegExp(
        /1 day\(s\) drifted: 1 missing in Elasticsearch, 0 extra, 0 changed .*repaired 1 id\(s\) on 1 /,
        /day\(s\): re-ingested 1 rows, now in sync, /,
      ),
    );
  });

  it('--all compares every day either side has', async () => {
    const r = await world.cli(['reconcile', '--all', '--json']);
    expect(r.code).toBe(0);
    expect(r.json<ReconcileJson>()).toMatchObject({ from: '2024-05-01', to: '2024-05-07', drifting_days: 0 });
  });

  it('records the run', async () => {
    const runs = await world.allDocs<{ command: string; status: string; exit_code: number; args: { repair: boolean } }>(
      names().runs,
    );
    const reconciles = [...runs.values()].filter((x) => x.command === 'reconcile');
    expect(reconciles.some((x) => x.exit_code === 4 && x.status === 'succeeded')).toBe(true);
    expect(reconciles.some((x) => x.exit_code === 0 && x.args.repair)).toBe(true);
  });

  it.each([
    [['--from', '2024-05-05', '--to', '2024-05-01'], /--from 2024-05-05 is after --to 2024-05-01/],
    [['--from', '2024-05-05'], /--from and --to go together/],
    [['--all', '--date', '2024-05-01'], /either --all or --date/],
    [['--from', '2024-13-01', '--to', '2024-12-01'], /"2024-13-01" is not a date/],
    [['--repair', '--batch-size', '0'], /not a positive whole number/],
  ])('usage error %j exits 2 with a reason', async (args, message) => {
    const r = await world.cli(['reconcile', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^earlypay: /);
  });

  it('a second run while another holds the lock exits 75 at once', async () => {
    await world.es.index({
      index: names().state,
      id: 'lock:reconcile',
      refresh: true,
      document: {
        key: 'lock:reconcile',
        kind: 'lock',
        value: { run_id: 'other', host: hostname(), pid: process.pid, started_at: new Date().toISOString() },
        heartbeat_at: new Date().toISOString(),
      },
    });
    const r = await world.cli(['reconcile', ...RANGE]);
    expect(r.code).toBe(75);
    expect(r.stderr).toMatch(/another reconcile run holds the lock/);
    await world.es.delete({ index: names().state, id: 'lock:reconcile', refresh: true });
  });

  it('--help explains the default range and ends with examples', async () => {
    const r = await world.cli(['reconcile', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/the 35 days ending yesterday/);
    expect(r.stdout).toMatch(/Examples:\n {2}\$ earlypay reconcile/);
  });
});
