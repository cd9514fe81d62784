/**
 * ingest against the real stack: an awkward hand-written data set in MariaDB, compared row by
 * row with what lands in Elasticsearch, through first load, re-run, updates, late rows,
 * cancellations, rejects, dry run and the overlap lock.
 */
import { hostname } from 'node:os';
import { createSourceTable } from '../../../src/core/source/schema';
import type { SourceRow } from '../../../src/core/source/row';
import type { SaleDocument } from '../../../src/core/sales/saleDocument';
import { TestWorld } from '../../support';

const world = new TestWorld('ingest');
const names = () => ({
  sales: `${world.prefix}-sales`,
  deadletter: `${world.prefix}-deadletter`,
  anomalies: `${world.prefix}-anomalies`,
  state: `${world.prefix}-state`,
  runs: `${world.prefix}-runs`,
});

let nextId = 1;
function sale(over: Partial<SourceRow> = {}): Partial<SourceRow> {
  const id = nextId++;
  return {
    id: String(id),
    created: '2024-05-01 12:00:00',
    modified: '2024-05-01 12:00:00',
    card_number: `1234-56**-****-${String(id % 10000).padStart(4, '0')}`,
    card_company: '국민',
    card_category: '체크',
    amount_sale: 10000 + id,
    amount_fee: 330,
    amount_deposit: 10000 + id - 330,
    is_canceled: 0,
    sold_at: '2024-05-01 11:59:00',
    will_deposited_at: '2024-05-03 00:00:00',
    platform: 'KCP',
    store_id: '7',
    daily_sale_id: '1',
    raw_data: JSON.stringify({ id, note: '원본 "quoted" \\ data' }),
    remark: id % 3 === 0 ? '배달 지연 문의' : null,
    ...over,
  };
}

/** Rows the product must accept, the way SQL sees them. */
async function acceptedRowsFromSql(): Promise<SourceRow[]> {
  return world.query<SourceRow>(
    `SELECT * FROM platform_sales WHERE id IS NOT NULL AND store_id IS NOT NULL AND amount_sale IS NOT NULL
       AND card_number IS NOT NULL AND TRIM(card_number) <> '' AND sold_at >= '1000-01-01'
       AND modified >= '1000-01-01' ORDER BY id`,
  );
}

async function expectEsEqualsSql(): Promise<void> {
  const accepted = await acceptedRowsFromSql();
  const docs = await world.allDocs<SaleDocument>(names().sales);
  expect(docs.size).toBe(accepted.length);
  for (const r of accepted) {
    const d = docs.get(String(r.id));
    expect(d).toBeDefined();
    expect(d!.amount_sale).toBe(Number(r.amount_sale));
    expect(d!.amount_fee).toBe(r.amount_fee === null ? null : Number(r.amount_fee));
    expect(d!.is_canceled).toBe(Number(r.is_canceled) === 1);
    expect(d!.card_number).toBe(String(r.card_number).trim());
    expect(d!.store_id).toBe(String(r.store_id));
    expect(d!.raw_data).toBe(r.raw_data);
    // Wall clock in KST written with its offset, and the business day it falls on.
    expect(d!.sold_at).toBe(`${String(r.sold_at).replace(' ', 'T')}+09:00`);
    expect(d!.modified).toBe(`${String(r.modified).replace(' ', 'T')}+09:00`);
    expect(d!.sale_date).toBe(String(r.sold_at).slice(0, 10));
  }
}

beforeAll(async () => {
  await world.start();
  await createSourceTable(world.pool, 'platform_sales');
  const rows: Partial<SourceRow>[] = [];
  // Day boundaries in KST, night sales (previous UTC day), cancellations, non-positive amounts.
  rows.push(
    sale({ sold_at: '2024-05-01 00:00:00' }),
    sale({ sold_at: '2024-05-01 23:59:59' }),
    sale({ sold_at: '2024-05-02 03:10:00' }),
  );
  rows.push(
    sale({ is_canceled: 1 }),
    sale({ amount_sale: 0, amount_fee: 0, amount_deposit: 0 }),
    sale({ amount_sale: -5000, amount_fee: 0, amount_deposit: -5000 }),
  );
  // 40 rows sharing one modified second, to cross batch boundaries with --batch-size 7.
  for (let i = 0; i < 40; i++) rows.push(sale({ modified: '2024-05-01 13:00:00', created: '2024-05-01 13:00:00' }));
  // The same card paying the same amount four times at one store on one day.
  for (let i = 0; i < 4; i++)
    rows.push(
      sale({
        card_number: '9999-00**-****-0001',
        amount_sale: 7700,
        amount_fee: 0,
        amount_deposit: 7700,
        sold_at: `2024-05-01 1${i}:00:00`,
        store_id: '8',
      }),
    );
  // Every kind of rejected row.
  rows.push(
    sale({ sold_at: '0000-00-00 00:00:00' }),
    sale({ sold_at: null }),
    sale({ store_id: null }),
    sale({ amount_sale: null }),
    sale({ card_number: '' }),
    sale({ card_number: null }),
    sale({ modified: '0000-00-00 00:00:00' }),
    sale({ modified: null }),
  );
  await world.insertRows(rows);
});

afterAll(() => world.stop());

describe('ingest', () => {
  it('a dry run reads and checks everything but writes nothing', async () => {
    const r = await world.cli(['ingest', '--dry-run', '--json']);
    expect(r.code).toBe(0);
    const out = r.json<{ read: number; rejected: number; dry_run: boolean; accepted: number }>();
    expect(out).toMatchObject({ dry_run: true, rejected: 8 });
    expect(out.read).toBe(nextId - 1);
    // Not even the indices (issue 10): no sales, no checkpoint, no lock, no run document.
    const indices = await world.es.cat.indices({ index: `${world.prefix}-*`, format: 'json', expand_wildcards: 'all' });
    expect(indices.map((i) => i.index)).toEqual([]);
  });

  it('first run copies every accepted row exactly once and dead-letters every rejected one', async () => {
    const r = await world.cli(['ingest', '--batch-size', '7', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.json<{
      mode: string;
      read: number;
      indexed: number;
      rejected: number;
      checkpoint: { modified: string };
    }>();
    expect(out.mode).toBe('full');
    expect(out.rejected).toBe(8);
    expect(out.indexed).toBe(nextId - 1 - 8);
    await expectEsEqualsSql();

    const dead = await world.allDocs<{
      source_id: string;
      reason: string;
      row: Record<string, unknown>;
      reason_code: string[];
    }>(names().deadletter);
    expect(dead.size).toBe(8);
    for (const d of dead.values()) {
      expect(d.reason).toMatch(/missing|not a valid/);
      expect(d.row.id).toBe(d.source_id);
    }
    const codes = [...dead.values()].flatMap((d) => d.reason_code).sort();
    expect(codes).toEqual([
      'INVALID_AMOUNT_SALE',
      'INVALID_MODIFIED',
      'INVALID_MODIFIED',
      'INVALID_SOLD_AT',
      'INVALID_SOLD_AT',
      'MISSING_CARD_NUMBER',
      'MISSING_CARD_NUMBER',
      'MISSING_STORE_ID',
    ]);
  });

  it('flags the 3rd and 4th identical payment, and the non-positive sale', async () => {
    const anomalies = await world.allDocs<{
      sale_id: string;
      rule: string;
      status: string;
      reason: string;
      amount_sale: number;
    }>(names().anomalies);
    const repeated = [...anomalies.values()]
      .filter((a) => a.rule === 'REPEATED_AMOUNT')
      .map((a) => a.sale_id)
      .sort();
    const [third, fourth] = (
      await world.query<{ id: string }>(
        `SELECT id FROM platform_sales WHERE card_number = '9999-00**-****-0001' ORDER BY sold_at, id`,
      )
    )
      .slice(2)
      .map((r) => String(r.id));
    expect(repeated).toEqual([third, fourth].sort());
    expect(
      [...anomalies.values()]
        .filter((a) => a.rule === 'NON_POSITIVE_AMOUNT')
        .map((a) => a.amount_sale)
        .sort(),
    ).toEqual([-5000, 0]);
    const docs = await world.allDocs<SaleDocument>(names().sales);
    expect(docs.get(third!)!.anomaly_rules).toEqual(['REPEATED_AMOUNT']);
  });

  it('a re-run with no change writes nothing: no document, dead letter, anomaly or day mark', async () => {
    /** Every document of our indices but the runs (a run document is written by every run) with its sequence number. */
    const written = async (): Promise<Map<string, number>> => {
      const out = new Map<string, number>();
      const n = names();
      await world.es.indices.refresh({ index: [n.sales, n.deadletter, n.anomalies, n.state] });
      const res = await world.es.search({
        index: [n.sales, n.deadletter, n.anomalies, n.state],
        size: 10_000,
        seq_no_primary_term: true,
        query: { match_all: {} },
      });
      for (const h of res.hits.hits) out.set(`${h._index}/${h._id}`, h._seq_no!);
      return out;
    };
    const before = await world.allDocs<SaleDocument>(names().sales);
    const seqBefore = await written();
    // An overlap as long as the data: every row is read again.
    const r = await world.cli(['ingest', '--json', '--overlap', '20h']);
    expect(r.code).toBe(0);
    const out = r.json<{
      mode: string;
      read: number;
      accepted: number;
      indexed: number;
      unchanged: number;
      days_changed: number;
      checkpoint_advanced: boolean;
    }>();
    expect(out.mode).toBe('incremental');
    expect(out.read).toBe(nextId - 1);
    expect(out).toMatchObject({ indexed: 0, unchanged: out.accepted, days_changed: 0, checkpoint_advanced: false });
    expect(await written()).toEqual(seqBefore);
    const after = await world.allDocs<SaleDocument>(names().sales);
    expect(after).toEqual(before);
    await expectEsEqualsSql();
  });

  it('picks up updates, cancellations and late rows, and marks their days changed', async () => {
    const [row] = await world.query<{ latest: string }>('SELECT MAX(modified) AS latest FROM platform_sales');
    const latest = row!.latest;
    // An update moves a sale to another day; a cancellation un-flags a repeated payment.
    const moved = await world.query<{ id: string }>(
      `SELECT id FROM platform_sales WHERE sold_at = '2024-05-01 00:00:00'`,
    );
    await world.query(
      `UPDATE platform_sales SET sold_at = '2024-04-30 23:59:59', amount_sale = 55555, modified = '2024-05-02 ` +
        `09:00:00' WHERE id = ?`,
      [moved[0]!.id],
    );
    const firstRepeat = (
      await world.query<{ id: string }>(
        `SELECT id FROM platform_sales WHERE card_number = '9999-00**-****-0001' ORDER BY sold_at, id`,
      )
    )[0]!;
    await world.query(`UPDATE platform_sales SET is_canceled = 1, modified = '2024-05-02 09:00:01' WHERE id = ?`, [
      firstRepeat.id,
    ]);
    // A late-committing row: modified a few minutes before the checkpoint (inside --overlap).
    const late = sale({ modified: latest.replace(/:\d\d$/, ':00'), sold_at: '2024-05-01 20:00:00' });
    late.modified = '2024-05-01 12:55:00';
    await world.insertRows([late, sale({ modified: '2024-05-02 09:00:02', sold_at: '2024-05-02 08:00:00' })]);

    const r = await world.cli(['ingest', '--json', '--overlap', '20h']);
    expect(r.code).toBe(0);
    await expectEsEqualsSql();
    const docs = await world.allDocs<SaleDocument>(names().sales);
    expect(docs.get(String(moved[0]!.id))!.sale_date).toBe('2024-04-30');

    // Only the 4th payment is still a repeat now (the 1st was canceled).
    const anomalies = await world.allDocs<{ sale_id: string; rule: string }>(names().anomalies);
    const repeated = [...anomalies.values()].filter((a) => a.rule === 'REPEATED_AMOUNT').map((a) => a.sale_id);
    const stillCounted = await world.query<{ id: string }>(
      `SELECT id FROM platform_sales WHERE card_number = '9999-00**-****-0001' AND is_canceled = 0 ORDER BY sold_at, ` +
        `id`,
    );
    expect(repeated).toEqual([String(stillCounted[2]!.id)]);

    const marks = await world.es.search<{ day: string }>({
      index: names().state,
      size: 100,
      query: { term: { kind: 'changed_daily' } },
    });
    const days = marks.hits.hits.map((h) => h._source!.day);
    expect(days).toEqual(expect.arrayContaining(['2024-04-30', '2024-05-01', '2024-05-02']));
  });

  it('removes the document of a row that was updated into an invalid state', async () => {
    await world.query(`UPDATE platform_sales SET card_number = '', modified = '2024-05-02 09:30:00' WHERE id = 3`);
    const r = await world.cli(['ingest', '--json']);
    expect(r.code).toBe(0);
    expect(r.json<{ withdrawn: number }>().withdrawn).toBe(1);
    expect((await world.es.get({ index: names().sales, id: '3' }, { ignore: [404] })).found).toBe(false);
    expect((await world.es.get({ index: names().deadletter, id: 'platform_sales:3' }, { ignore: [404] })).found).toBe(
      true,
    );
    await expectEsEqualsSql();
  });

  it('never lets an older version of a row overwrite a newer one', async () => {
    const [row] = await world.query<SourceRow>(`SELECT * FROM platform_sales WHERE id = 2`);
    // Elasticsearch already holds a newer version (as if a later run had written it).
    const newer = Date.parse(`${String(row!.modified).replace(' ', 'T')}+09:00`) + 60_000;
    await world.es.index({
      index: names().sales,
      id: '2',
      version: newer,
      version_type: 'external',
      document: { ...(await world.es.get<SaleDocument>({ index: names().sales, id: '2' }))._source, amount_sale: 1 },
      refresh: true,
    });
    const r = await world.cli(['ingest', '--full', '--json']);
    expect(r.code).toBe(0);
    expect(r.json<{ superseded: number }>().superseded).toBe(1);
    expect((await world.es.get<SaleDocument>({ index: names().sales, id: '2' }))._source!.amount_sale).toBe(1);
  });

  it('--fail-on-rejects exits 3 once per new or changed rejection, and says why', async () => {
    // The 9 rows rejected so far are rejected as earlier runs rejected them: reported then.
    const again = await world.cli(['ingest', '--full', '--fail-on-rejects', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ rejected: 9, rejected_new: 0 });
    const [first, second] = await world.query<{ id: number; store_id: number }>(
      `SELECT id, store_id FROM platform_sales WHERE card_number <> '' AND store_id IS NOT NULL
        ORDER BY id DESC LIMIT 2`,
    );
    await world.query('UPDATE platform_sales SET store_id = NULL WHERE id = ?', [first!.id]);
    const r = await world.cli(['ingest', '--full', '--fail-on-rejects']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /^earlypay: 1 row\(s\) were rejected \(--fail-on-rejects\); 9 more as an earlier run did\n/,
    );
    expect(r.stderr).toMatch(/\nhint: see the .*-deadletter index/);
    await world.query('UPDATE platform_sales SET store_id = NULL WHERE id = ?', [second!.id]);
    const json = await world.cli(['ingest', '--full', '--fail-on-rejects', '--json']);
    expect(json.code).toBe(3);
    expect(json.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      command: 'ingest',
      status: 'attention',
      exit_code: 3,
      rejected: 11,
      rejected_new: 1,
      error: '1 row(s) were rejected (--fail-on-rejects); 10 more as an earlier run did',
      run_id: expect.any(String),
    });
    const runs = await world.allDocs<{ command: string; status: string; exit_code: number }>(names().runs);
    expect([...runs.values()].filter((x) => x.exit_code === 3).every((x) => x.status === 'succeeded')).toBe(true);
    // Back as they were, for the tests below.
    for (const { id, store_id } of [first!, second!])
      await world.query('UPDATE platform_sales SET store_id = ? WHERE id = ?', [store_id, id]);
    expect((await world.cli(['ingest', '--full'])).code).toBe(0);
  });

  it('a MySQL failure re-running cannot fix says so; --json answers with one object', async () => {
    const table = await world.cli(['ingest', '--json'], { env: { EARLYPAY_TABLE: 'no_such_table' } });
    expect(table.code).toBe(1);
    expect(table.stderr).toMatch(/ER_NO_SUCH_TABLE|doesn't exist/);
    expect(table.stderr).toMatch(/\nhint: the table does not exist: .*re-running cannot help/);
    expect(table.stderr).not.toMatch(/ingest resumes/);
    expect(JSON.parse(table.stdout)).toMatchObject({
      command: 'ingest',
      status: 'error',
      exit_code: 1,
      hint: expect.stringMatching(/re-running cannot help/),
    });
    await world.pool.query('CREATE TABLE lacks_fee LIKE platform_sales');
    await world.pool.query('ALTER TABLE lacks_fee DROP COLUMN amount_fee');
    const column = await world.cli(['ingest', '--full'], { env: { EARLYPAY_TABLE: 'lacks_fee' } });
    expect(column.code).toBe(1);
    // Named before anything is read (the table's columns are checked first: schemaChanges.test.ts).
    expect(column.stderr).toMatch(/source table lacks_fee: column amount_fee: the table has no such column/);
    expect(column.stderr).toMatch(/\nhint: restore the column/);
    const doctor = await world.cli(['doctor', '--json'], { env: { EARLYPAY_TABLE: 'lacks_fee' } });
    expect(doctor.code).toBe(1);
    expect(
      doctor
        .json<{ checks: { name: string; status: string; detail: string }[] }>()
        .checks.find((c) => c.name === 'source table'),
    ).toMatchObject({
      status: 'fail',
      detail: 'lacks_fee lacks column(s) the product reads: amount_fee',
    });
  });

  it('a second run while another holds the lock exits 75 at once', async () => {
    await world.es.index({
      index: names().state,
      id: 'lock:ingest',
      refresh: true,
      document: {
        key: 'lock:ingest',
        kind: 'lock',
        value: { run_id: 'other', host: hostname(), pid: process.pid, started_at: new Date().toISOString() },
        heartbeat_at: new Date().toISOString(),
      },
    });
    const started = Date.now();
    const r = await world.cli(['ingest']);
    expect(r.code).toBe(75);
    expect(r.stderr).toMatch(/another ingest run holds the lock/);
    expect(Date.now() - started).toBeLessThan(30_000);
    const json = await world.cli(['ingest', '--json']);
    expect(json.code).toBe(75);
    expect(JSON.parse(json.stdout)).toMatchObject({
      command: 'ingest',
      status: 'error',
      exit_code: 75,
      error: expect.stringMatching(/holds the lock/),
    });
    await world.es.delete({ index: names().state, id: 'lock:ingest', refresh: true });
  });

  it('takes over a lock whose holder died', async () => {
    await world.es.index({
      index: names().state,
      id: 'lock:ingest',
      refresh: true,
      document: {
        key: 'lock:ingest',
        kind: 'lock',
        value: { run_id: 'dead', host: hostname(), pid: 2 ** 22 + 7, started_at: new Date().toISOString() },
        heartbeat_at: new Date().toISOString(),
      },
    });
    const r = await world.cli(['ingest']);
    expect(r.code).toBe(0);
  });

  it('records each run without secrets', async () => {
    const r = await world.cli(['ingest', '--json'], { env: { MYSQL_PASSWORD: '', ES_API_KEY: '' } });
    expect(r.code).toBe(0);
    const runs = await world.allDocs<{ command: string; status: string; args: Record<string, unknown> }>(names().runs);
    const ingests = [...runs.values()].filter((x) => x.command === 'ingest');
    expect(ingests.length).toBeGreaterThanOrEqual(5);
    expect(ingests.every((x) => ['succeeded', 'failed'].includes(x.status))).toBe(true);
  });
});
