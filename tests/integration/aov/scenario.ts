/**
 * The daily/weekly AOV scenario on the real stack, shared by the ES 8 and ES 7.17 test files:
 * awkward sales in MariaDB, `earlypay ingest`, `daily`/`weekly` through the CLI, and every
 * document compared with an independent SQL computation on the same rows, to the won; then
 * late and updated rows, `ingest`, and the cron form, compared again.
 */
import { createSourceTable } from '../../../src/core/source/schema';
import type { SourceRow } from '../../../src/core/source/row';
import { StateStore } from '../../../src/core/state/store';
import type { DailyAovDocument } from '../../../src/core/aov/dailyAov';
import type { WeeklyAovDocument } from '../../../src/core/aov/weeklyAov';
import { TestWorld, randomInts, type CliResult } from '../../support';

/** Source and business time zone of the scenario (the default). */
export const TZ_OFFSET = '+09:00';

export type DailyDoc = DailyAovDocument;
export type WeeklyDoc = WeeklyAovDocument;

/** The span of the initial data set, and the clock the cron form runs at. */
export const FIRST_DAY = '2024-04-30';
export const LAST_DAY = '2024-05-10';
export const LAST_WINDOW_END = '2024-05-16';
/** 2024-05-17 12:00 KST: "yesterday" is 2024-05-16, the last window end computed. */
export const CRON_NOW = new Date(`2024-05-17T12:00:00${TZ_OFFSET}`);
export const TODAY_AT_CRON = '2024-05-17';
export const BIG_STORE = '900';
/** A "today" after every day of the scenario: nothing is provisional. */
/** Two digits, zero-padded: the parts of a wall-clock time. */
const two = (n: number): string => String(n).padStart(2, '0');
const NEVER = '9999-12-31';
export const BIG_DAY = '2024-05-03';
export const BIG_SALES = 12_000;
export const BIG_CARDS = 10_500;

/** docs/contract.md §3 acceptance in plain SQL (independent of the product's own predicate). */
export const ACCEPTED_ROWS_SQL = `id IS NOT NULL AND store_id IS NOT NULL AND amount_sale IS NOT NULL
    AND card_number IS NOT NULL AND TRIM(card_number) <> '' AND sold_at >= '1000-01-01' AND modified >= '1000-01-01'`;

export class AovScenario {
  readonly world: TestWorld;
  private nextId = 1;

  constructor(esUrl: string, kind: string, mysqlServer?: string) {
    this.world = new TestWorld(kind, esUrl, mysqlServer);
  }

  get names() {
    const p = this.world.prefix;
    return {
      sales: `${p}-sales`,
      daily: `${p}-daily-aov`,
      weekly: `${p}-weekly-aov`,
      state: `${p}-state`,
      runs: `${p}-runs`,
    };
  }

  sale(over: Partial<SourceRow> & { store_id: string | number; sold_at: string }): Partial<SourceRow> {
    const id = this.nextId++;
    const amount = Number(over.amount_sale ?? 10_000);
    return {
      id: String(id),
      created: '2024-05-20 10:00:00',
      modified: '2024-05-20 10:00:00',
      card_number: `1234-56**-****-${String(id).padStart(5, '0')}`,
      card_company: '신한',
      card_category: '신용',
      amount_sale: amount,
      amount_fee: Math.round(amount * 0.03),
      amount_deposit: amount - Math.round(amount * 0.03),
      is_canceled: 0,
      will_deposited_at: null,
      platform: 'BAEMIN',
      daily_sale_id: '1',
      raw_data: null,
      remark: null,
      ...over,
    };
  }

  /**
   * The initial rows: boundaries, night sales, cancellations, non-positive amounts, a busy store-day, noise, rejects.
   */
  initialRows(): Partial<SourceRow>[] {
    const rows: Partial<SourceRow>[] = [];
    const s = (over: Partial<SourceRow> & { store_id: string | number; sold_at: string }) => rows.push(this.sale(over));
    // Store 101: day boundaries at 00:00:00 / 23:59:59 local time, and night sales (00:00-09:00
    // KST is the previous day in UTC).
    s({ store_id: 101, sold_at: '2024-04-30 23:59:59', card_number: 'CARD-A', amount_sale: 5_000 });
    s({ store_id: 101, sold_at: '2024-05-01 00:00:00', card_number: 'CARD-A', amount_sale: 10_000 });
    s({
      store_id: 101,
      sold_at: '2024-05-01 23:59:59',
      card_number: 'CARD-B',
      amount_sale: 20_000,
      platform: 'YOGIYO',
    });
    s({ store_id: 101, sold_at: '2024-05-01 13:00:00', card_number: 'CARD-A', amount_sale: 1 });
    s({ store_id: 101, sold_at: '2024-05-02 00:00:00', card_number: 'CARD-A', amount_sale: 15_000 });
    s({ store_id: 101, sold_at: '2024-05-02 03:10:00', card_number: 'CARD-C', amount_sale: 7_000, platform: null });
    s({ store_id: 101, sold_at: '2024-05-02 08:59:59', card_number: 'CARD-C', amount_sale: 3_000 });
    s({ store_id: 101, sold_at: '2024-05-02 09:00:00', card_number: 'CARD-D', amount_sale: 1_001 });
    // Store 102 on 05-03: cancellations and non-positive amounts next to counted sales.
    s({ store_id: 102, sold_at: '2024-05-03 10:00:00', card_number: 'CARD-E', amount_sale: 30_000 });
    s({ store_id: 102, sold_at: '2024-05-03 11:00:00', card_number: 'CARD-F', amount_sale: 20_001 });
    s({ store_id: 102, sold_at: '2024-05-03 12:00:00', card_number: 'CARD-G', amount_sale: 8_000, is_canceled: 1 });
    s({ store_id: 102, sold_at: '2024-05-03 12:30:00', card_number: 'CARD-E', amount_sale: 12_000, is_canceled: 1 });
    s({ store_id: 102, sold_at: '2024-05-03 13:00:00', card_number: 'CARD-H', amount_sale: 0 });
    s({ store_id: 102, sold_at: '2024-05-03 14:00:00', card_number: 'CARD-I', amount_sale: -5_000 });
    s({ store_id: 102, sold_at: '2024-05-03 15:00:00', card_number: 'CARD-J', amount_sale: -3_000, is_canceled: 1 });
    // Store 103 on 05-03: nothing counted (canceled, zero): no daily document.
    s({ store_id: 103, sold_at: '2024-05-03 10:00:00', card_number: 'CARD-K', amount_sale: 9_000, is_canceled: 1 });
    s({ store_id: 103, sold_at: '2024-05-03 11:00:00', card_number: 'CARD-K', amount_sale: 0 });
    // One card at two stores the same day: a customer of each.
    s({ store_id: 104, sold_at: '2024-05-04 12:00:00', card_number: 'CARD-X', amount_sale: 4_000 });
    s({ store_id: 105, sold_at: '2024-05-04 12:05:00', card_number: 'CARD-X', amount_sale: 6_000 });
    // Store 230: a single counted sale (canceled later: its documents must go).
    s({ store_id: 230, sold_at: '2024-05-06 19:00:00', card_number: 'CARD-Y', amount_sale: 50_000 });
    // Store 231: a sale on 05-07 (moved to 05-09 later) and one on 05-08.
    s({ store_id: 231, sold_at: '2024-05-07 19:00:00', card_number: 'CARD-Z', amount_sale: 11_000 });
    s({ store_id: 231, sold_at: '2024-05-08 19:00:00', card_number: 'CARD-Z', amount_sale: 12_000 });
    // The busy store-day: more than 10,000 sales and more than 10,000 distinct customers.
    for (let i = 0; i < BIG_SALES; i++) {
      s({
        store_id: BIG_STORE,
        sold_at: `${BIG_DAY} ${two(i % 24)}:${two(i % 60)}:${two((i * 7) % 60)}`,
        card_number: `9400-00**-****-${String(i % BIG_CARDS).padStart(5, '0')}`,
        amount_sale: 1_000 + ((i * 37) % 50_000),
        is_canceled: i % 97 === 0 ? 1 : 0,
        platform: ['BAEMIN', 'YOGIYO', 'COUPANGEATS'][i % 3],
      });
    }
    // Noise: 25 stores over 11 days, repeat customers, big amounts, cancellations, null platforms.
    const rand = randomInts(42);
    for (let i = 0; i < 3_000; i++) {
      const day = 30 + rand(11); // April 30 .. May 10
      const date = day === 30 ? '2024-04-30' : `2024-05-${String(day - 30).padStart(2, '0')}`;
      const r = rand(100);
      s({
        store_id: 201 + rand(25),
        sold_at: `${date} ${two(rand(24))}:${two(rand(60))}:${two(rand(60))}`,
        card_number: `5461-11**-****-${String(rand(300)).padStart(4, '0')}`,
        amount_sale: r === 0 ? 0 : r === 1 ? -1_000 : r === 2 ? 9_999_999 : 500 + rand(300_000),
        is_canceled: rand(12) === 0 ? 1 : 0,
        platform: [null, 'BAEMIN', 'YOGIYO', 'COUPANGEATS', 'KCP'][rand(5)],
      });
    }
    // Rejected rows: never counted.
    s({ store_id: 201, sold_at: '2024-05-05 12:00:00', card_number: '', amount_sale: 77_777 });
    s({ store_id: 201, sold_at: '0000-00-00 00:00:00', amount_sale: 77_777 });
    s({ store_id: 201, sold_at: '2024-05-05 12:00:00', amount_sale: null });
    rows.push({ ...this.sale({ store_id: 0, sold_at: '2024-05-05 12:00:00' }), store_id: null });
    return rows;
  }

  async start(): Promise<void> {
    await this.world.start();
    await createSourceTable(this.world.pool, 'platform_sales');
    const rows = this.initialRows();
    for (let i = 0; i < rows.length; i += 2_000) await this.world.insertRows(rows.slice(i, i + 2_000));
  }

  stop(): Promise<void> {
    return this.world.stop();
  }

  /** Late and updated rows, all with `modified` after the checkpoint (and in the past). */
  async applyLateChanges(): Promise<void> {
    const w = this.world;
    const at = (n: number) => `2024-05-21 10:00:${String(n).padStart(2, '0')}`;
    // A cancellation: store 230 loses its only counted sale.
    await w.query(`UPDATE platform_sales SET is_canceled = 1, modified = ? WHERE store_id = 230`, [at(1)]);
    // A sale moved to another day: store 231's 05-07 sale now happened on 05-09.
    await w.query(
      `UPDATE platform_sales SET sold_at = '2024-05-09 08:30:00', modified = ? WHERE store_id = 231 AND sold_at = ` +
        `'2024-05-07 19:00:00'`,
      [at(2)],
    );
    // The busy day: one single-sale customer canceled, one amount corrected.
    await w.query(
      `UPDATE platform_sales SET is_canceled = 1, modified = ? WHERE store_id = ? AND card_number = ` +
        `'9400-00**-****-05000'`,
      [at(3), BIG_STORE],
    );
    await w.query(
      `UPDATE platform_sales SET amount_sale = 123457, modified = ? WHERE store_id = ? AND card_number = ` +
        `'9400-00**-****-00001' ORDER BY id LIMIT 1`,
      [at(4), BIG_STORE],
    );
    // A noise sale becomes non-positive, another one canceled.
    await w.query(
      `UPDATE platform_sales SET amount_sale = 0, modified = ? WHERE store_id = 210 AND is_canceled = 0 AND ` +
        `amount_sale > 0 ORDER BY id LIMIT 1`,
      [at(5)],
    );
    await w.query(
      `UPDATE platform_sales SET is_canceled = 1, modified = ? WHERE store_id = 215 AND is_canceled = 0 AND ` +
        `amount_sale > 0 ORDER BY id LIMIT 1`,
      [at(6)],
    );
    // Late-inserted rows with old sold_at: a new customer at 101 and a store's first sale.
    await w.insertRows([
      this.sale({
        store_id: 101,
        sold_at: '2024-05-01 12:00:00',
        card_number: 'CARD-LATE',
        amount_sale: 33_333,
        modified: at(7),
      }),
      this.sale({
        store_id: 240,
        sold_at: '2024-04-30 00:00:00',
        card_number: 'CARD-NEW',
        amount_sale: 2_500,
        modified: at(8),
      }),
      // Sold "today" for the cron run: its day is not over, so it waits.
      this.sale({
        store_id: 101,
        sold_at: `${TODAY_AT_CRON} 10:00:00`,
        card_number: 'CARD-TODAY',
        amount_sale: 4_000,
        modified: at(9),
      }),
    ]);
  }

  cli(args: string[]): Promise<CliResult> {
    return this.world.cli(args);
  }

  /** The CLI with an injected business clock (the cron form's "yesterday"). */
  cliAt(now: Date, args: string[]): Promise<CliResult> {
    return this.world.cli(args, { now });
  }

  state(): StateStore {
    return new StateStore(this.world.es, this.names.state);
  }

  // --- the independent computation, in SQL --------------------------------------------------

  private static readonly ACCEPTED = ACCEPTED_ROWS_SQL;

  /**
   * Daily figures per (store, day) for days up to `lastDay`, straight from the source rows;
   * days from `today` on are provisional.
   */
  async sqlDaily(lastDay: string, today = NEVER): Promise<Map<string, Omit<DailyDoc, 'computed_at'>>> {
    const counted = await this.world.query<Record<string, string | null>>(
      `SELECT CAST(store_id AS CHAR) AS store_id, DATE_FORMAT(sold_at, '%Y-%m-%d') AS day,
              SUM(amount_sale) AS total, COUNT(*) AS tx, COUNT(DISTINCT BINARY TRIM(card_number)) AS customers,
              SUM(amount_sale) DIV COUNT(DISTINCT BINARY TRIM(card_number)) AS unit_price,
              GROUP_CONCAT(DISTINCT platform ORDER BY platform SEPARATOR ',') AS platforms
         FROM platform_sales
        WHERE ${AovScenario.ACCEPTED} AND is_canceled = 0 AND amount_sale > 0 AND sold_at < DATE_ADD(?, INTERVAL 1 DAY)
        GROUP BY store_id, DATE(sold_at)`,
      [lastDay],
    );
    const canceled = await this.world.query<Record<string, string>>(
      `SELECT CAST(store_id AS CHAR) AS store_id, DATE_FORMAT(sold_at, '%Y-%m-%d') AS day, COUNT(*) AS n,
              SUM(amount_sale) AS amount
         FROM platform_sales WHERE ${AovScenario.ACCEPTED} AND is_canceled = 1 GROUP BY store_id, DATE(sold_at)`,
    );
    const cancels = new Map(canceled.map((c) => [`${c.store_id}:${c.day}`, c]));
    const out = new Map<string, Omit<DailyDoc, 'computed_at'>>();
    for (const r of counted) {
      const id = `${r.store_id}:${r.day}`;
      const c = cancels.get(id);
      out.set(id, {
        store_id: r.store_id!,
        date: r.day!,
        total_sale: Number(r.total),
        num_transactions: Number(r.tx),
        num_customers: Number(r.customers),
        unit_price: Number(r.unit_price),
        num_canceled: Number(c?.n ?? 0),
        canceled_amount: Number(c?.amount ?? 0),
        platforms: r.platforms ? r.platforms.split(',') : [],
        provisional: r.day! >= today,
      });
    }
    return out;
  }

  /** Weekly figures per store for the window ending `end`, from the SQL daily figures; provisional from `today` on. */
  async sqlWeekly(end: string, today = NEVER): Promise<Map<string, Omit<WeeklyDoc, 'computed_at'>>> {
    const rows = await this.world.query<Record<string, string>>(
      `SELECT store_id, DATE_FORMAT(DATE_SUB(?, INTERVAL 6 DAY), '%Y-%m-%d') AS start_date, SUM(total) AS total,
              SUM(customers) AS customers, SUM(tx) AS tx, COUNT(*) AS days, SUM(total) DIV SUM(customers) AS unit_price
         FROM (SELECT CAST(store_id AS CHAR) AS store_id, DATE(sold_at) AS day, SUM(amount_sale) AS total,
                      COUNT(*) AS tx, COUNT(DISTINCT BINARY TRIM(card_number)) AS customers
                 FROM platform_sales
                WHERE ${AovScenario.ACCEPTED} AND is_canceled = 0 AND amount_sale > 0
                  AND sold_at >= DATE_SUB(?, INTERVAL 6 DAY) AND sold_at < DATE_ADD(?, INTERVAL 1 DAY)
                GROUP BY store_id, DATE(sold_at)) d
        GROUP BY store_id`,
      [end, end, end],
    );
    const out = new Map<string, Omit<WeeklyDoc, 'computed_at'>>();
    for (const r of rows) {
      out.set(`${r.store_id}:${end}`, {
        store_id: r.store_id!,
        start_date: r.start_date!,
        end_date: end,
        total_sale: Number(r.total),
        num_customers: Number(r.customers),
        num_transactions: Number(r.tx),
        days_with_sales: Number(r.days),
        unit_price: Number(r.unit_price),
        provisional: end >= today,
      });
    }
    return out;
  }

  /** Every daily document in ES (up to `lastDay`) equals the SQL figures, and nothing more exists. */
  async expectDailyMatchesSql(lastDay: string, today = NEVER): Promise<Map<string, DailyDoc>> {
    const expected = await this.sqlDaily(lastDay, today);
    const docs = await this.world.allDocs<DailyDoc>(this.names.daily);
    const actual = new Map([...docs].filter(([, d]) => d.date <= lastDay).map(([id, d]) => [id, withoutComputedAt(d)]));
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [id, e] of expected) expect({ id, ...actual.get(id) }).toEqual({ id, ...e });
    return docs;
  }

  /** Every weekly document in ES ending in [firstEnd, lastEnd] equals the SQL figures. */
  async expectWeeklyMatchesSql(firstEnd: string, lastEnd: string, today = NEVER): Promise<Map<string, WeeklyDoc>> {
    const docs = await this.world.allDocs<WeeklyDoc>(this.names.weekly);
    const expected = new Map<string, Omit<WeeklyDoc, 'computed_at'>>();
    for (let e = firstEnd; e <= lastEnd; e = nextDay(e))
      for (const [id, doc] of await this.sqlWeekly(e, today)) expected.set(id, doc);
    const actual = new Map(
      [...docs]
        .filter(([, d]) => d.end_date >= firstEnd && d.end_date <= lastEnd)
        .map(([id, d]) => [id, withoutComputedAt(d)]),
    );
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [id, e] of expected) expect({ id, ...actual.get(id) }).toEqual({ id, ...e });
    return docs;
  }
}

function withoutComputedAt<T extends { computed_at: string }>(d: T): Omit<T, 'computed_at'> {
  const { computed_at: _ignored, ...rest } = d;
  return rest;
}

export function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/**
 * The comparison every Elasticsearch version must pass: initial load, daily and weekly over
 * ranges, then late and updated rows and the cron form.
 */
export function registerComparison(scenario: AovScenario): void {
  it('ingest copies the scenario', async () => {
    const r = await scenario.cli(['ingest', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.json<{ rejected: number }>().rejected).toBe(4);
  });

  it('daily over a range equals SQL for every store-day, to the won', async () => {
    const r = await scenario.cli(['daily', '--from', FIRST_DAY, '--to', LAST_DAY, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.json<{
      command: string;
      mode: string;
      days: number;
      written: number;
      removed: number;
      stores: number;
    }>();
    expect(out).toMatchObject({ command: 'daily', mode: 'range', days: 11, removed: 0 });
    const docs = await scenario.expectDailyMatchesSql(LAST_DAY);
    expect(out.written).toBe(docs.size);
    // The checks that matter most, spelled out.
    const big = docs.get(`${BIG_STORE}:${BIG_DAY}`)!;
    expect(big.num_transactions).toBeGreaterThan(10_000);
    expect(big.num_customers).toBeGreaterThan(10_000);
    expect(docs.get('101:2024-05-01')).toMatchObject({
      num_transactions: 3,
      num_customers: 2,
      total_sale: 30_001,
      unit_price: 15_000,
    });
    expect(docs.get('101:2024-05-02')).toMatchObject({
      num_transactions: 4,
      num_customers: 3,
      total_sale: 26_001,
      unit_price: 8_667,
    });
    expect(docs.get('101:2024-04-30')).toMatchObject({ total_sale: 5_000, num_customers: 1 });
    expect(docs.get('102:2024-05-03')).toMatchObject({
      num_transactions: 2,
      total_sale: 50_001,
      num_canceled: 3,
      canceled_amount: 17_000,
      unit_price: 25_000,
    });
    expect(docs.has('103:2024-05-03')).toBe(false);
    expect(docs.get('104:2024-05-04')!.num_customers).toBe(1);
    expect(docs.get('105:2024-05-04')!.num_customers).toBe(1);
  });

  it('weekly over a range equals SQL for every store and window', async () => {
    const r = await scenario.cli(['weekly', '--from', FIRST_DAY, '--to', LAST_WINDOW_END, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.json<{ windows: number; written: number; removed: number }>();
    expect(out).toMatchObject({ windows: 17, removed: 0 });
    const docs = await scenario.expectWeeklyMatchesSql(FIRST_DAY, LAST_WINDOW_END);
    expect(out.written).toBe(docs.size);
    expect(docs.get('101:2024-05-06')).toMatchObject({
      start_date: '2024-04-30',
      days_with_sales: 3,
      total_sale: 61_002,
      num_customers: 6,
      unit_price: 10_167,
    });
  });

  it('late and updated rows, then ingest and the cron form: equal to SQL again, stale store-days removed', async () => {
    await scenario.applyLateChanges();
    const ingest = await scenario.cli(['ingest', '--json']);
    expect(ingest.code).toBe(0);
    expect(ingest.json<{ mode: string; days_changed: number }>()).toMatchObject({ mode: 'incremental' });

    const daily = await scenario.cliAt(CRON_NOW, ['daily', '--json']);
    expect(daily.stderr).toBe('');
    expect(daily.code).toBe(0);
    const d = daily.json<{
      mode: string;
      from: string;
      to: string;
      removed: number;
      changed_days_handled: number;
      changed_days_deferred: number;
    }>();
    expect(d).toMatchObject({ mode: 'cron', to: LAST_WINDOW_END, changed_days_deferred: 1 });
    expect(d.changed_days_handled).toBeGreaterThanOrEqual(7);
    expect(d.removed).toBe(2); // 230:2024-05-06 and 231:2024-05-07
    const dailies = await scenario.expectDailyMatchesSql(LAST_WINDOW_END);
    expect(dailies.has('230:2024-05-06')).toBe(false);
    expect(dailies.has('231:2024-05-07')).toBe(false);
    expect(dailies.get('231:2024-05-09')!.total_sale).toBe(11_000);
    expect(dailies.get('240:2024-04-30')!.total_sale).toBe(2_500);
    expect([...dailies.values()].some((x) => x.date === TODAY_AT_CRON)).toBe(false);

    const weekly = await scenario.cliAt(CRON_NOW, ['weekly', '--json']);
    expect(weekly.stderr).toBe('');
    expect(weekly.code).toBe(0);
    const w = weekly.json<{ mode: string; to: string; removed: number }>();
    expect(w).toMatchObject({ mode: 'cron', to: LAST_WINDOW_END });
    // 230's seven windows ending 05-06..05-12, and 231's window ending 05-07.
    expect(w.removed).toBe(8);
    const weeklies = await scenario.expectWeeklyMatchesSql(FIRST_DAY, LAST_WINDOW_END);
    expect([...weeklies.keys()].some((id) => id.startsWith('230:'))).toBe(false);
    expect(weeklies.has('231:2024-05-07')).toBe(false);
    expect(weeklies.get('240:2024-04-30')).toMatchObject({
      start_date: '2024-04-24',
      days_with_sales: 1,
      total_sale: 2_500,
    });

    // Handled marks are gone; the day not over yet stays marked for both jobs.
    expect((await scenario.state().changedDays('daily')).map((m) => m.day)).toEqual([TODAY_AT_CRON]);
    expect((await scenario.state().changedDays('weekly')).map((m) => m.day)).toEqual([TODAY_AT_CRON]);
  });
}

/** The comparison on another major than the default one (es7.test.ts, es9.test.ts). */
export function registerComparisonOn(url: string, major: number): void {
  const scenario = new AovScenario(url, `aov${major}`);
  beforeAll(() => scenario.start());
  afterAll(() => scenario.stop());

  describe(`daily and weekly against SQL (ES ${major}.x)`, () => {
    it(`runs on ${major}.x`, async () => {
      const nodes = await scenario.world.es.nodes.info();
      expect(Object.values(nodes.nodes)[0]!.version).toMatch(new RegExp(`^${major}\\.`));
    });

    registerComparison(scenario);
  });
}
