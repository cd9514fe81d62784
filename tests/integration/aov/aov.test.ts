/**
 * `earlypay daily` / `weekly` on Elasticsearch 8 (ES_URL) and MariaDB: the SQL comparison of
 * scenario.ts, plus what the commands promise around it: idempotent re-runs, usage errors,
 * the lock, the run document, --help.
 */
import { hostname } from 'node:os';
import { ES_URL, TestWorld, joinedRegExp } from '../../support';
import { definitionOf } from '../../../src/core/es/indices';
import {
  AovScenario,
  CRON_NOW,
  FIRST_DAY,
  LAST_DAY,
  LAST_WINDOW_END,
  TODAY_AT_CRON,
  registerComparison,
  type DailyDoc,
  type WeeklyDoc,
} from './scenario';

const scenario = new AovScenario(ES_URL, 'aov');

beforeAll(() => scenario.start());
afterAll(() => scenario.stop());

describe('daily and weekly against SQL (ES 8)', () => {
  registerComparison(scenario);

  it('a re-run replaces the same documents and removes nothing', async () => {
    const before = await scenario.world.allDocs<DailyDoc>(scenario.names.daily);
    const r = await scenario.cli(['daily', '--from', FIRST_DAY, '--to', LAST_DAY, '--json']);
    expect(r.code).toBe(0);
    const out = r.json<{ removed: number; written: number }>();
    expect(out.removed).toBe(0);
    const after = await scenario.world.allDocs<DailyDoc>(scenario.names.daily);
    expect(after.size).toBe(before.size);
    const inRange = [...after.values()].filter((d) => d.date >= FIRST_DAY && d.date <= LAST_DAY);
    expect(out.written).toBe(inRange.length);
    for (const [id, d] of after) expect({ ...d, computed_at: '' }).toEqual({ ...before.get(id), computed_at: '' });
    // Every document of the range carries this run's computed_at.
    expect(new Set(inRange.map((d) => d.computed_at)).size).toBe(1);
  });

  it('a day with no sales at all writes nothing and says so', async () => {
    const r = await scenario.cli(['daily', '--date', '2023-01-01']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^daily 2023-01-01: 0 sales \(0 counted\), 0 store\(s\), 0 document\(s\) written, 0 stale removed, \d+ ms\n$/,
    );
    const j = await scenario.cli(['daily', '--from', '2022-12-01', '--to', '2023-01-31', '--json']);
    expect(j.json()).toMatchObject({ days: 62, days_without_sales: 62, sales: 0, written: 0, removed: 0 });
    const w = await scenario.cli(['weekly', '--date', '2023-01-07', '--json']);
    expect(w.code).toBe(0);
    expect(w.json()).toMatchObject({
      command: 'weekly',
      status: 'ok',
      windows: 1,
      written: 0,
      removed: 0,
      daily_documents_read: 0,
    });
  });

  it('prints a one-line summary naming days, stores, documents and duration', async () => {
    const r = await scenario.cli(['weekly', '--from', '2024-05-06', '--to', '2024-05-07']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      joinedRegExp(
        /^weekly windows ending 2024-05-06\.\.2024-05-07 \(2 windows\): [\d,]+ daily document\(s\) /,
        /read, \d+ store\(s\), \d+ document\(s\) written, 0 stale removed, [\d.]+ m?s\n$/,
      ),
    );
  });

  it('records a run document for each run', async () => {
    const runs = await scenario.world.allDocs<{
      command: string;
      status: string;
      args: Record<string, unknown>;
      counts: Record<string, unknown>;
    }>(scenario.names.runs);
    const daily = [...runs.values()].filter((x) => x.command === 'daily');
    expect(daily.length).toBeGreaterThanOrEqual(3);
    expect(daily.every((x) => x.status === 'succeeded')).toBe(true);
    expect(daily.some((x) => x.args.mode === 'cron')).toBe(true);
    expect([...runs.values()].some((x) => x.command === 'weekly' && typeof x.counts.written === 'number')).toBe(true);
  });

  it.each([
    [['daily', '--date', '2024-02-30'], /"2024-02-30" is not a date/],
    [['daily', '--date', 'yesterday'], /not a date/],
    [['daily', '--from', '2024-05-02', '--to', '2024-05-01'], /--from 2024-05-02 is after --to 2024-05-01/],
    [['daily', '--date', '2024-05-01', '--from', '2024-05-01', '--to', '2024-05-02'], /either --date or --from\/--to/],
    [['daily', '--from', '2024-05-01'], /--from and --to go together/],
    [['weekly', '--to', '2024-05-01'], /--from and --to go together/],
    [['weekly', '--from', '2024-5-1', '--to', '2024-05-02'], /not a date/],
    [['daily', '--concurrency', '0'], /not a positive whole number/],
    [['weekly', '--bogus'], /unknown option/],
  ])('%j is a usage error (exit 2) with a hint', async (args, message) => {
    const r = await scenario.cli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stderr).toMatch(/hint:/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
    expect(r.stdout).toBe('');
  });

  it.each(['daily', 'weekly'])('a second %s while another holds the lock exits 75 at once', async (job) => {
    await scenario.world.es.index({
      index: scenario.names.state,
      id: `lock:${job}`,
      refresh: true,
      document: {
        key: `lock:${job}`,
        kind: 'lock',
        value: { run_id: 'other', host: hostname(), pid: process.pid, started_at: new Date().toISOString() },
        heartbeat_at: new Date().toISOString(),
      },
    });
    try {
      const started = Date.now();
      const r = await scenario.cli([job, '--date', '2024-05-01']);
      expect(r.code).toBe(75);
      expect(r.stderr).toMatch(new RegExp(`another ${job} run holds the lock`));
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await scenario.world.es.delete({ index: scenario.names.state, id: `lock:${job}`, refresh: true });
    }
  });

  it.each(['daily', 'weekly'])('%s --help explains the cron form and ends with examples', async (job) => {
    const r = await scenario.cli([job, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--date <day>/);
    expect(r.stdout).toMatch(/--from <day>/);
    expect(r.stdout).toMatch(/With no date/);
    expect(r.stdout).toMatch(
      new RegExp(`Examples:\\n  \\$ earlypay ${job === 'daily' ? 'daily' : 'daily && earlypay weekly'}`),
    );
  });
});

describe('daily --today and weekly --today: provisional documents, replaced after midnight', () => {
  const TODAY = TODAY_AT_CRON;
  const TOMORROW = '2024-05-18';
  const AFTER_MIDNIGHT = new Date('2024-05-18T00:05:00+09:00');
  const at = (n: number) => `2024-05-22 10:00:${String(n).padStart(2, '0')}`;
  type TodayResult = {
    mode: string;
    from: string;
    to: string;
    written: number;
    removed: number;
    provisional_documents: number;
    changed_days_handled: number;
  };

  it("today's sales so far: provisional daily and weekly documents equal to SQL, no mark cleared", async () => {
    const s = scenario;
    await s.world.insertRows([
      s.sale({
        store_id: 101,
        sold_at: `${TODAY} 11:00:00`,
        card_number: 'CARD-T1',
        amount_sale: 6_000,
        modified: at(1),
      }),
      s.sale({
        store_id: 101,
        sold_at: `${TODAY} 11:30:00`,
        card_number: 'CARD-T1',
        amount_sale: 2_001,
        modified: at(2),
      }),
      s.sale({
        store_id: 102,
        sold_at: `${TODAY} 00:00:00`,
        card_number: 'CARD-T2',
        amount_sale: 9_000,
        modified: at(3),
      }),
      s.sale({
        store_id: 102,
        sold_at: `${TODAY} 09:00:00`,
        card_number: 'CARD-T3',
        amount_sale: 7_000,
        modified: at(4),
      }),
      s.sale({
        store_id: 300,
        sold_at: `${TODAY} 23:59:59`,
        card_number: 'CARD-T4',
        amount_sale: 5_000,
        modified: at(5),
      }),
      // Tomorrow's first second: not part of today.
      s.sale({
        store_id: 300,
        sold_at: `${TOMORROW} 00:00:00`,
        card_number: 'CARD-T5',
        amount_sale: 1_000,
        modified: at(6),
      }),
    ]);
    expect((await s.cli(['ingest', '--json'])).code).toBe(0);

    const daily = await s.cliAt(CRON_NOW, ['daily', '--today', '--json']);
    expect(daily.stderr).toBe('');
    expect(daily.code).toBe(0);
    const d = daily.json<TodayResult>();
    expect(d).toMatchObject({ mode: 'today', from: TODAY, to: TODAY, changed_days_handled: 0 });
    expect(d.written).toBe(3);
    expect(d.provisional_documents).toBe(3);
    const dailies = await s.expectDailyMatchesSql(TODAY, TODAY);
    expect(dailies.get(`101:${TODAY}`)).toMatchObject({ total_sale: 12_001, num_customers: 2, provisional: true });
    expect(dailies.get(`101:${LAST_WINDOW_END}`)?.provisional ?? false).toBe(false);

    const weekly = await s.cliAt(CRON_NOW, ['weekly', '--today', '--json']);
    expect(weekly.stderr).toBe('');
    expect(weekly.code).toBe(0);
    expect(weekly.json<TodayResult>()).toMatchObject({ mode: 'today', from: TODAY, to: TODAY });
    const weeklies = await s.expectWeeklyMatchesSql(TODAY, TODAY, TODAY);
    expect(weeklies.get(`101:${TODAY}`)).toMatchObject({ start_date: '2024-05-11', provisional: true });
    // The final windows before today are untouched.
    await s.expectWeeklyMatchesSql(FIRST_DAY, LAST_WINDOW_END);

    // The day is not over: its marks stay for the computation after midnight.
    expect((await s.state().changedDays('daily')).map((m) => m.day)).toEqual(expect.arrayContaining([TODAY]));
    expect((await s.state().changedDays('weekly')).map((m) => m.day)).toEqual(expect.arrayContaining([TODAY]));
    const text = await s.cliAt(CRON_NOW, ['daily', '--today']);
    expect(text.stdout).toMatch(
      new RegExp(
        `^daily ${TODAY} \\[today so far: provisional, replaced by the run after midnight\\]: .*3 document\\(s\\) ` +
          `written \\(3 provisional\\)`,
      ),
    );
  });

  it('search daily and weekly show provisional rows as such: a table column and a JSON field', async () => {
    const json = await scenario.cli([
      'search',
      'daily',
      '--from',
      LAST_DAY,
      '--to',
      TODAY,
      '--all',
      '--format',
      'json',
    ]);
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout) as (DailyDoc & { provisional: boolean })[];
    expect(rows.length).toBeGreaterThan(3);
    for (const r of rows) expect(r.provisional).toBe(r.date === TODAY);

    const table = await scenario.cli(['search', 'daily', '--date', TODAY, '--store', '101', '--format', 'table']);
    expect(table.code).toBe(0);
    const [header, row] = table.stdout.split('\n').filter((l) => l.startsWith('│'));
    expect(header).toMatch(/│ provisional │$/);
    expect(row).toMatch(/^│ 2024-05-17 │ 101 .*│ yes +│$/);
    const final = await scenario.cli(['search', 'daily', '--date', LAST_DAY, '--format', 'table']);
    expect(final.stdout).toMatch(/│ provisional │/);
    expect(final.stdout).not.toMatch(/│ yes +│/);

    const weekly = await scenario.cli([
      'search',
      'weekly',
      '--store',
      '101',
      '--from',
      '2024-05-01',
      '--to',
      TODAY,
      '--format',
      'csv',
    ]);
    expect(weekly.stdout.split('\n')[0]).toMatch(/,provisional$/);
    // store_id,start_date,end_date,…,provisional
    expect(weekly.stdout).toMatch(new RegExp(`^101,[^,]+,${TODAY},.*,true$`, 'm'));
    expect(weekly.stdout).toMatch(/^101,[^,]+,2024-05-02,.*,false$/m);
  });

  it("recomputed on each call: a later sale and a cancellation of today change today's documents", async () => {
    const s = scenario;
    await s.world.insertRows([
      s.sale({
        store_id: 102,
        sold_at: `${TODAY} 12:00:00`,
        card_number: 'CARD-T2',
        amount_sale: 1_000,
        modified: at(7),
      }),
    ]);
    await s.world.query(`UPDATE platform_sales SET is_canceled = 1, modified = ? WHERE card_number = 'CARD-T4'`, [
      at(8),
    ]);
    expect((await s.cli(['ingest', '--json'])).code).toBe(0);
    const daily = await s.cliAt(CRON_NOW, ['daily', '--today', '--json']);
    expect(daily.code).toBe(0);
    expect(daily.json<TodayResult>()).toMatchObject({ written: 2, removed: 1, provisional_documents: 2 });
    const dailies = await s.expectDailyMatchesSql(TODAY, TODAY);
    expect(dailies.has(`300:${TODAY}`)).toBe(false);
    expect(dailies.get(`102:${TODAY}`)).toMatchObject({ total_sale: 17_000, num_customers: 2, num_transactions: 3 });
    expect((await s.cliAt(CRON_NOW, ['weekly', '--today'])).code).toBe(0);
    await s.expectWeeklyMatchesSql(TODAY, TODAY, TODAY);
  });

  let bigSaleId = '';
  it('a provisional window is no baseline: a sale of the next day is judged only against the final one', async () => {
    const s = scenario;
    const big = s.sale({
      store_id: 101,
      sold_at: `${TOMORROW} 10:00:00`,
      card_number: 'CARD-BIG',
      amount_sale: 900_000,
      modified: at(9),
    });
    bigSaleId = String(big.id);
    await s.world.insertRows([big]);
    const ingest = await s.cli(['ingest', '--json']);
    expect(ingest.code).toBe(0);
    expect(ingest.json<{ by_rule: Record<string, number> }>().by_rule.OVER_WEEKLY_AOV ?? 0).toBe(0);
    const sale = await s.world.es.get<{ anomaly_rules: string[] }>({ index: s.names.sales, id: bigSaleId });
    expect(sale._source!.anomaly_rules).not.toContain('OVER_WEEKLY_AOV');
  });

  it(
    'after midnight the cron form replaces them with ' + 'final documents, equal to SQL, and clears the marks',
    async () => {
      const s = scenario;
      const daily = await s.cliAt(AFTER_MIDNIGHT, ['daily', '--json']);
      expect(daily.code).toBe(0);
      expect(daily.json<TodayResult>()).toMatchObject({ mode: 'cron', to: TODAY, provisional_documents: 0 });
      const dailies = await s.expectDailyMatchesSql(TODAY);
      expect([...dailies.values()].some((x) => x.provisional)).toBe(false);
      const weekly = await s.cliAt(AFTER_MIDNIGHT, ['weekly', '--json']);
      expect(weekly.code).toBe(0);
      const weeklies = await s.expectWeeklyMatchesSql(FIRST_DAY, TODAY);
      expect([...weeklies.values()].some((x: WeeklyDoc) => x.provisional)).toBe(false);
      expect((await s.state().changedDays('daily')).map((m) => m.day)).toEqual([TOMORROW]);
      expect((await s.state().changedDays('weekly')).map((m) => m.day)).toEqual([TOMORROW]);
      // Now the window ending 05-17 is final, and it is the baseline of 05-18's sales.
      const scan = await s.cliAt(AFTER_MIDNIGHT, ['anomalies', 'scan', '--from', TOMORROW, '--to', TOMORROW, '--json']);
      expect(scan.code).toBe(0);
      const flagged = await s.world.es.get<{ anomaly_rules: string[] }>({ index: s.names.sales, id: bigSaleId });
      expect(flagged._source!.anomaly_rules).toContain('OVER_WEEKLY_AOV');
    },
  );
});

describe('the daily and weekly indices of an earlier version', () => {
  const world = new TestWorld('aov-upgrade');
  beforeAll(() => world.start());
  afterAll(() => world.stop());

  it('are upgraded in place by setup (documents kept, read as final); jobs refuse them until then', async () => {
    const def = definitionOf('dailyAov');
    const { provisional: _added, ...v2 } = def.mappings.properties!;
    const alias = world.names.dailyAov;
    await world.es.indices.create({
      index: `${alias}-v2`,
      aliases: { [alias]: { is_write_index: true } },
      mappings: { dynamic: 'strict', properties: v2, _meta: { earlypay_mapping_version: 2 } },
    });
    const old = {
      store_id: '7',
      date: '2024-05-01',
      total_sale: 10_000,
      num_transactions: 2,
      num_customers: 2,
      unit_price: 5_000,
      num_canceled: 0,
      canceled_amount: 0,
      platforms: ['BAEMIN'],
      computed_at: '2024-05-02T00:05:00.000Z',
    };
    await world.es.index({ index: alias, id: '7:2024-05-01', document: old, refresh: true });

    const refused = await world.cli(['daily', '--today']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/daily-aov is outdated \(mapping version 2, expected 3\)/);
    expect(refused.stderr).toMatch(/run `earlypay setup`/);

    const setup = await world.cli(['setup', '--json']);
    expect(setup.code).toBe(0);
    const rows = setup.json<{ indices: { alias: string; index: string; action: string }[] }>().indices;
    expect(rows.find((r) => r.alias === alias)).toEqual({ alias, index: `${alias}-v2`, action: 'upgraded' });
    const search = await world.cli(['search', 'daily', '--format', 'json']);
    expect(JSON.parse(search.stdout)).toEqual([{ ...old, provisional: false }]);
    expect((await world.cli(['daily', '--today'])).code).toBe(0);
  });
});
