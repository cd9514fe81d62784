/**
 * reconcile against silent changes: a copy `ingest` made exactly, then changed in MySQL
 * behind the ingest's back — no new `modified`, or an older one (a hand fix, a migration, a
 * restore from backup) — in every way count and Σ amount cannot see, one kind per business
 * day and several on one day. reconcile must name each day and exactly the ids (exit 4);
 * `--repair` (under the ingest lock) must make the sales index equal MySQL row by row,
 * whatever the versions say, with anomaly documents re-evaluated or deleted, and mark the days
 * so the cron form of daily/weekly equals SQL again. On both Elasticsearch versions.
 */
import { hostname } from 'node:os';
import type { DayComparison } from '../../../src/core/reconcile/days';
import { mapSourceRow, type SaleDocument } from '../../../src/core/sales/saleDocument';
import { SOURCE_COLUMNS, type SourceRow } from '../../../src/core/source/row';
import { createSourceTable } from '../../../src/core/source/schema';
import { ES7_URL, ES_URL } from '../../support';
import { AovScenario, CRON_NOW } from '../aov/scenario';
import { expectSalesEqualSql } from '../faults/support';

const DAYS = Array.from({ length: 12 }, (_, i) => `2024-05-${String(i + 1).padStart(2, '0')}`);
const RANGE = ['--from', DAYS[0]!, '--to', DAYS[DAYS.length - 1]!];
const MODIFIED = '2024-05-13 10:00:00';
const ALL_ACCEPTED = `card_number <> ''`;

interface ReconcileJson {
  exit_code: number;
  outcome: string;
  drifting_days: number;
  drift: DayComparison[];
  remaining_days: number;
  not_fingerprinted: { days: number; documents: number };
  repair: null | { deleted: number; withdrawn: number; superseded: number; ids: number; filled: number };
}

type Row = { id: string } & Partial<SourceRow>;

describe.each([
  ['Elasticsearch 8', ES_URL, 'recsil8'],
  ['Elasticsearch 7.17', ES7_URL, 'recsil7'],
])('reconcile finds every silent change and --repair undoes it (%s)', (_name, esUrl, kind) => {
  const scenario = new AovScenario(esUrl, kind);
  const world = scenario.world;
  const names = () => ({
    sales: `${world.prefix}-sales`,
    anomalies: `${world.prefix}-anomalies`,
    state: `${world.prefix}-state`,
  });
  /** The day's four sales (two per store), and the rows added for particular changes. */
  const byDay = new Map<string, Row[]>();
  let moved: Row;
  let flagged: Row;
  let expected: Map<string, { missing: string[]; extra: string[]; changed: string[] }>;

  const sql = (q: string, params: unknown[] = []) => world.query(q, params);
  const ids = (...rows: Row[]) => rows.map((r) => r.id).sort((a, b) => Number(a) - Number(b));

  /** Removes a document the way an old loss looks (no newer tombstone; see reconcile.test.ts). */
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

  beforeAll(async () => {
    await world.start();
    await createSourceTable(world.pool);
    const rows: Row[] = [];
    for (const day of DAYS) {
      const sales = [10, 12, 14, 16].map(
        (h, i) =>
          scenario.sale({
            store_id: 301 + (i % 2),
            sold_at: `${day} ${h}:00:00`,
            modified: MODIFIED,
            amount_sale: 10_000 + i * 1_000,
            raw_data: '{"v":1}',
          }) as Row,
      );
      byDay.set(day, sales);
      rows.push(...sales);
    }
    moved = scenario.sale({
      store_id: 301,
      sold_at: '2024-05-06 23:59:30',
      modified: MODIFIED,
      amount_sale: 4_400,
    }) as Row;
    // A sale flagged DEPOSIT_MISMATCH, later deleted at the source.
    flagged = scenario.sale({
      store_id: 302,
      sold_at: '2024-05-10 18:00:00',
      modified: MODIFIED,
      amount_sale: 9_000,
      amount_deposit: 1,
    }) as Row;
    rows.push(moved, flagged);
    await world.insertRows(rows);
    const ingest = await scenario.cli(['ingest', '--json']);
    expect(ingest.stderr).toBe('');
    expect(ingest.code).toBe(0);
    // The cron form computes every marked day once, as it would have every night.
    expect((await scenario.cliAt(CRON_NOW, ['daily', '--json'])).code).toBe(0);
    expect((await scenario.cliAt(CRON_NOW, ['weekly', '--json'])).code).toBe(0);
  }, 120_000);

  afterAll(() => world.stop());

  it('a fresh copy is in sync, every document fingerprinted', async () => {
    const r = await scenario.cli(['reconcile', ...RANGE, '--json']);
    expect(r.code).toBe(0);
    expect(r.json<ReconcileJson>()).toMatchObject({
      outcome: 'in sync',
      drifting_days: 0,
      not_fingerprinted: { days: 0, documents: 0 },
    });
  });

  it('finds each kind of silent change alone, and several on one day, naming exactly the ids (exit 4)', async () => {
    const day = (d: number) => byDay.get(DAYS[d - 1]!)!;
    expected = new Map();
    const expect1 = (d: number, e: Partial<{ missing: string[]; extra: string[]; changed: string[] }>) =>
      expected.set(DAYS[d - 1]!, { missing: [], extra: [], changed: [], ...e });

    // 05-01: two sales of one store-day changed by +1,000 and −1,000 won.
    const [a1, , b1] = day(1);
    await sql('UPDATE platform_sales SET amount_sale = amount_sale + 1000 WHERE id = ?', [a1!.id]);
    await sql('UPDATE platform_sales SET amount_sale = amount_sale - 1000 WHERE id = ?', [b1!.id]);
    expect1(1, { changed: ids(a1!, b1!) });
    // 05-02: a sale now paid by another card — the other customer's: one customer fewer.
    const [a2, , b2] = day(2);
    await sql('UPDATE platform_sales SET card_number = ? WHERE id = ?', [b2!.card_number, a2!.id]);
    expect1(2, { changed: ids(a2!) });
    // 05-03: a sale canceled.
    await sql('UPDATE platform_sales SET is_canceled = 1 WHERE id = ?', [day(3)[1]!.id]);
    expect1(3, { changed: ids(day(3)[1]!) });
    // 05-04: two sales of one store swap their amounts (fee and deposit with them).
    const [a4, , b4] = day(4);
    await sql(
      `UPDATE platform_sales x JOIN platform_sales y ON x.id = ? AND y.id = ? OR x.id = ? AND y.id = ?
          SET x.amount_sale = y.amount_sale, x.amount_fee = y.amount_fee, x.amount_deposit = y.amount_deposit`,
      [a4!.id, b4!.id, b4!.id, a4!.id],
    );
    expect1(4, { changed: ids(a4!, b4!) });
    // 05-05: the whole day restored from an older backup: `modified` went back, other content.
    await sql(
      `UPDATE platform_sales SET modified = '2024-05-05 20:00:00', amount_sale = amount_sale - 7, amount_fee = ` +
        `amount_fee - 7, remark = '복원' WHERE DATE(sold_at) = '2024-05-05'`,
    );
    expect1(5, { changed: ids(...day(5)) });
    // 05-06 23:59:30 -> 05-07 00:00:10 KST: a sale moved across midnight.
    await sql(`UPDATE platform_sales SET sold_at = '2024-05-07 00:00:10' WHERE id = ?`, [moved.id]);
    expect1(6, { extra: [moved.id] });
    expect1(7, { missing: [moved.id] });
    // 05-08: only raw_data changed; 05-09: only remark, NULL -> ''.
    await sql(`UPDATE platform_sales SET raw_data = '{"v":2}' WHERE id = ?`, [day(8)[0]!.id]);
    expect1(8, { changed: ids(day(8)[0]!) });
    await sql(`UPDATE platform_sales SET remark = '' WHERE id = ?`, [day(9)[3]!.id]);
    expect1(9, { changed: ids(day(9)[3]!) });
    // 05-10: a flagged sale deleted at the source.
    expect(
      (await world.es.get({ index: names().anomalies, id: `${flagged.id}:DEPOSIT_MISMATCH` }, { ignore: [404] })).found,
    ).toBe(true);
    await sql('DELETE FROM platform_sales WHERE id = ?', [flagged.id]);
    expect1(10, { extra: [flagged.id] });
    // 05-11: several at once — an amount, a remark, a deletion, a row the ingest never saw
    // (modified long before the checkpoint), and a document lost in Elasticsearch.
    const [s1, s2, s3, s4] = day(11);
    await sql('UPDATE platform_sales SET amount_sale = 1 WHERE id = ?', [s1!.id]);
    await sql(`UPDATE platform_sales SET remark = '고객 요청' WHERE id = ?`, [s2!.id]);
    await sql('DELETE FROM platform_sales WHERE id = ?', [s3!.id]);
    const unseen = scenario.sale({
      store_id: 302,
      sold_at: '2024-05-11 20:00:00',
      modified: '2024-05-01 00:00:00',
      amount_sale: 5_500,
    }) as Row;
    await world.insertRows([unseen]);
    await loseDocument(s4!.id);
    expect1(11, { missing: ids(unseen, s4!), extra: [s3!.id], changed: ids(s1!, s2!) });

    const r = await scenario.cli(['reconcile', ...RANGE, '--json']);
    expect(r.code).toBe(4);
    const json = r.json<ReconcileJson>();
    expect(json.outcome).toBe('drift found');
    const found = new Map(
      json.drift.map((d) => [d.day, { missing: d.missing_ids, extra: d.extra_ids, changed: d.changed_ids }]),
    );
    expect(Object.fromEntries(found)).toEqual(Object.fromEntries(expected));
    for (const d of json.drift)
      expect([d.missing, d.extra, d.changed]).toEqual([d.missing_ids.length, d.extra_ids.length, d.changed_ids.length]);
    // Count and Σ amount alone were blind to 05-01, 05-02, 05-03, 05-04, 05-08, 05-09.
    expect(json.drift.filter((d) => d.fingerprint_differs).map((d) => d.day)).toEqual([
      '2024-05-01',
      '2024-05-02',
      '2024-05-03',
      '2024-05-04',
      '2024-05-08',
      '2024-05-09',
    ]);

    // Each day alone (--date) names the same ids: no day depends on another's drift.
    const alone = await scenario.cli(['reconcile', '--date', '2024-05-08', '--json']);
    expect(alone.code).toBe(4);
    expect(alone.json<ReconcileJson>().drift.map((d) => [d.day, d.changed_ids])).toEqual([
      ['2024-05-08', expected.get('2024-05-08')!.changed],
    ]);
    const inSync = await scenario.cli(['reconcile', '--date', '2024-05-12']);
    expect(inSync.code).toBe(0);

    // The table names the ids too.
    const human = await scenario.cli(['reconcile', ...RANGE]);
    expect(human.stdout).toMatch(
      new RegExp(
        `│ 2024-05-11 │ +4 │ +[\\d,]+ │ +3 │ +[\\d,]+ │ +2 │ +1 │ +2 │ missing ` +
          `${expected.get('2024-05-11')!.missing.join(', ')}; extra ${s3!.id}; changed ` +
          `${expected.get('2024-05-11')!.changed.join(', ')}`,
      ),
    );
    const doctor = await scenario.cli(['doctor', '--json']);
    const last = doctor
      .json<{ checks: { name: string; status: string; detail: string; hint?: string }[] }>()
      .checks.find((c) => c.name === 'last reconcile')!;
    expect(last).toMatchObject({ status: 'warn' });
    expect(last.detail).toMatch(/^drift found, succeeded \(exit 4\) \d+ s ago/);
  });

  it('--repair waits for no one: while an ingest holds its lock it exits 75 and writes nothing', async () => {
    await world.es.index({
      index: names().state,
      id: 'lock:ingest',
      refresh: true,
      document: {
        key: 'lock:ingest',
        kind: 'lock',
        value: { run_id: 'ingest-elsewhere', host: hostname(), pid: process.pid, started_at: new Date().toISOString() },
        heartbeat_at: new Date().toISOString(),
      },
    });
    try {
      const r = await scenario.cli(['reconcile', ...RANGE, '--repair']);
      expect(r.code).toBe(75);
      expect(r.stderr).toMatch(/^earlypay: another ingest run holds the lock/);
    } finally {
      await world.es.delete({ index: names().state, id: 'lock:ingest', refresh: true });
    }
    expect((await scenario.cli(['reconcile', ...RANGE, '--json'])).json<ReconcileJson>().drifting_days).toBe(
      expected.size,
    );
  });

  it('--repair rewrites exactly those ids, whatever the versions say, and exits 0', async () => {
    const r = await scenario.cli(['reconcile', ...RANGE, '--repair', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = r.json<ReconcileJson>();
    const named = new Set([...expected.values()].flatMap((e) => [...e.missing, ...e.extra, ...e.changed]));
    expect(json).toMatchObject({ outcome: 'repaired', remaining_days: 0, drifting_days: expected.size });
    expect(json.repair).toMatchObject({ ids: named.size, deleted: 2, withdrawn: 0, superseded: 0, filled: 0 });

    const again = await scenario.cli(['reconcile', ...RANGE]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/in sync/);
    const doctor = await scenario.cli(['doctor', '--json']);
    const last = doctor
      .json<{ checks: { name: string; status: string; detail: string }[] }>()
      .checks.find((c) => c.name === 'last reconcile')!;
    expect(last).toMatchObject({ status: 'ok' });
    expect(last.detail).toMatch(/^in sync, succeeded \(exit 0\)/);
  });

  it('the sales index equals MySQL row by row, every field, after the repair', async () => {
    await expectSalesEqualSql(world, world.es, names().sales, ALL_ACCEPTED);
    const docs = await world.allDocs<SaleDocument>(names().sales);
    const rows = await world.query<SourceRow>(
      `SELECT ${SOURCE_COLUMNS.map((c) => `\`${c}\``).join(', ')} FROM platform_sales ORDER BY id`,
    );
    expect(docs.size).toBe(rows.length);
    const differing: string[] = [];
    for (const row of rows) {
      const mapped = mapSourceRow(row, { sourceTz: 'Asia/Seoul', businessTz: 'Asia/Seoul', ingestedAt: 'x' });
      if (!mapped.ok) throw new Error(`row ${String(row.id)} is rejected`);
      const { ingested_at: _a, anomaly_rules: _b, ...want } = mapped.sale.doc;
      const { ingested_at: _c, anomaly_rules: _d, ...have } = docs.get(String(row.id))!;
      if (JSON.stringify(want, Object.keys(want).sort()) !== JSON.stringify(have, Object.keys(want).sort()))
        differing.push(String(row.id));
    }
    expect(differing).toEqual([]);
    // The restored day kept its older `modified` in the document: the source won.
    expect(docs.get(byDay.get('2024-05-05')![0]!.id)!.modified).toBe('2024-05-05T20:00:00+09:00');
  });

  it('anomalies: rewritten sales re-evaluated, the deleted sale took its anomaly documents', async () => {
    const anomalies = await world.allDocs<{ sale_id: string; rule: string }>(names().anomalies);
    const has = (id: string, rule: string) => anomalies.has(`${id}:${rule}`);
    expect(has(flagged.id, 'DEPOSIT_MISMATCH')).toBe(false);
    const [a1, , b1] = byDay.get('2024-05-01')!;
    // ±1,000 won without a new deposit: the deposit no longer matches.
    expect([has(a1!.id, 'DEPOSIT_MISMATCH'), has(b1!.id, 'DEPOSIT_MISMATCH')]).toEqual([true, true]);
    const docs = await world.allDocs<SaleDocument>(names().sales);
    expect(docs.get(a1!.id)!.anomaly_rules).toEqual(['DEPOSIT_MISMATCH']);
    for (const a of anomalies.values()) expect(docs.get(a.sale_id)?.anomaly_rules).toContain(a.rule);
  });

  it('daily and weekly in cron form equal SQL again: the repair marked every day it touched', async () => {
    const daily = await scenario.cliAt(CRON_NOW, ['daily', '--json']);
    expect(daily.stderr).toBe('');
    expect(daily.code).toBe(0);
    expect(daily.json<{ mode: string; changed_days_handled: number }>()).toMatchObject({
      mode: 'cron',
      changed_days_handled: expected.size,
    });
    const weekly = await scenario.cliAt(CRON_NOW, ['weekly', '--json']);
    expect(weekly.code).toBe(0);
    const dailies = await scenario.expectDailyMatchesSql('2024-05-16');
    // The card change on 05-02 left store 301 one customer.
    expect(dailies.get('301:2024-05-02')!.num_customers).toBe(1);
    await scenario.expectWeeklyMatchesSql('2024-05-01', '2024-05-16');
  });

  it('after a repair to an older `modified`, a newer change still reaches Elasticsearch by ingest', async () => {
    const restored = byDay.get('2024-05-05')![1]!;
    await sql(`UPDATE platform_sales SET amount_sale = 77000, modified = '2024-05-14 00:00:00' WHERE id = ?`, [
      restored.id,
    ]);
    const ingest = await scenario.cli(['ingest', '--json']);
    expect(ingest.code).toBe(0);
    expect(ingest.json<{ superseded: number }>().superseded).toBe(0);
    expect((await world.es.get<SaleDocument>({ index: names().sales, id: restored.id }))._source!.amount_sale).toBe(
      77_000,
    );
    expect((await scenario.cli(['reconcile', ...RANGE])).code).toBe(0);
  });
});
