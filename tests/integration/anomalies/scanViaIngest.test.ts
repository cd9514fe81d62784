/**
 * End to end through the real path: rows in MariaDB -> `earlypay ingest` (through main()) ->
 * weekly baselines appear afterwards -> `earlypay anomalies scan`. The expected anomalies are
 * computed by SQL on the source table (window functions for REPEATED_AMOUNT, a join with the
 * baselines for OVER_WEEKLY_AOV), independently of the TypeScript rules; `search sales`
 * filters are compared with SQL too.
 */
import { createSourceTable } from '../../../src/core/source/schema';
import type { SourceRow } from '../../../src/core/source/row';
import type { SaleDocument } from '../../../src/core/sales/saleDocument';
import { TestWorld, randomInts } from '../../support';

const world = new TestWorld('search');
const names = () => ({
  sales: `${world.prefix}-sales`,
  anomalies: `${world.prefix}-anomalies`,
  weekly: `${world.prefix}-weekly-aov`,
});

const REMARKS = [
  null,
  '배달 지연 문의',
  'customer said: "refund (partial)" [urgent]',
  '😀 단골',
  'a AND (b OR c*) ~2 ^3 !x',
];

beforeAll(async () => {
  await world.start();
  await createSourceTable(world.pool, 'platform_sales');
  const rand = randomInts(7);
  const rows: Partial<SourceRow>[] = [];
  for (let i = 1; i <= 1_500; i++) {
    const amount = [4_000, 9_000, 12_000, 18_000, 26_000, 41_000, 0][rand(7)]!;
    const fee = rand(25) === 0 ? Math.round(amount * 0.45) : Math.round(amount * 0.033);
    const day = `2024-06-0${1 + rand(4)}`;
    rows.push({
      id: String(i),
      created: `${day} 08:00:00`,
      modified: `${day} 23:00:00`,
      card_number: `4000-12**-****-${String(rand(15)).padStart(4, '0')}`,
      card_company: ['신한', '국민', '삼성'][rand(3)],
      card_category: '신용',
      amount_sale: amount,
      amount_fee: fee,
      amount_deposit: rand(30) === 0 ? amount - fee + 100 : amount - fee,
      is_canceled: rand(9) === 0 ? 1 : 0,
      sold_at: `${day} ${String(9 + rand(14)).padStart(2, '0')}:${String(rand(60)).padStart(2, '0')}:00`,
      will_deposited_at: rand(40) === 0 ? '2024-05-30 00:00:00' : '2024-06-10 00:00:00',
      platform: ['BAEMIN', 'YOGIYO', 'COUPANGEATS', 'KCP'][rand(4)],
      store_id: String(1 + rand(4)),
      daily_sale_id: '1',
      remark: REMARKS[rand(REMARKS.length)],
      raw_data: JSON.stringify({ i, memo: '원본 "quoted" \\ data' }),
      result_msg: rand(10) === 0 ? '승인 거절' : '정상 승인',
    });
  }
  for (let i = 0; i < rows.length; i += 500) await world.insertRows(rows.slice(i, i + 500));
  const ingest = await world.cli(['ingest', '--full', '--json']);
  if (ingest.code !== 0) throw new Error(`ingest failed: ${ingest.stderr}`);

  // Baselines computed after the ingest: only a scan can apply them to the sales already in ES.
  await world.pool.query('CREATE TABLE weekly_baseline (store_id BIGINT, end_date DATE, unit_price INT)');
  const baselines: [number, string, number][] = [];
  for (const store of [1, 2, 3])
    for (const end of ['2024-05-31', '2024-06-01', '2024-06-02', '2024-06-03'])
      baselines.push([store, end, 9_000 + ((store * 3 + Number(end.slice(-2))) % 6) * 1_000]);
  await world.pool.query('INSERT INTO weekly_baseline VALUES ?', [baselines]);
  await world.es.helpers.bulk({
    datasource: baselines.map(([store, end, unit]) => ({
      store_id: String(store),
      start_date: end,
      end_date: end,
      total_sale: unit * 10,
      num_customers: 10,
      days_with_sales: 7,
      unit_price: unit,
    })),
    onDocument: (d) => ({ index: { _index: names().weekly, _id: `${d.store_id}:${d.end_date}` } }),
    refreshOnCompletion: true,
  });
});

afterAll(() => world.stop());

/** docs/contract.md §5 in SQL over the source table: `<id>:<RULE>` for every anomaly. */
async function expectedFromSql(): Promise<string[]> {
  const counted = 'is_canceled = 0 AND amount_sale > 0';
  const q = async (rule: string, sql: string): Promise<string[]> =>
    (await world.query<{ id: string }>(sql)).map((r) => `${r.id}:${rule}`);
  return [
    ...(await q(
      'OVER_WEEKLY_AOV',
      `SELECT s.id FROM platform_sales s JOIN weekly_baseline b ON b.store_id = s.store_id AND b.end_date = ` +
        `DATE(s.sold_at) - INTERVAL 1 DAY WHERE s.is_canceled = 0 AND s.amount_sale > 0 AND s.amount_sale > 2 * ` +
        `b.unit_price`,
    )),
    ...(await q(
      'REPEATED_AMOUNT',
      `SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY store_id, card_number, DATE(sold_at), amount_sale ` +
        `ORDER BY sold_at, id) AS n FROM platform_sales WHERE ${counted}) r WHERE n >= 3`,
    )),
    ...(await q(
      'DEPOSIT_MISMATCH',
      'SELECT id FROM platform_sales WHERE is_canceled = 0 AND amount_fee IS NOT NULL AND amount_deposit IS NOT NULL ' +
        'AND amount_deposit <> amount_sale - amount_fee',
    )),
    ...(await q(
      'FEE_RATE_OUT_OF_RANGE',
      'SELECT id FROM platform_sales WHERE is_canceled = 0 AND amount_fee IS NOT NULL AND amount_sale > 0 AND ' +
        '(amount_fee / amount_sale < 0 OR amount_fee / amount_sale > 0.3)',
    )),
    ...(await q('NON_POSITIVE_AMOUNT', 'SELECT id FROM platform_sales WHERE is_canceled = 0 AND amount_sale <= 0')),
    ...(await q('SETTLEMENT_BEFORE_SALE', 'SELECT id FROM platform_sales WHERE will_deposited_at < sold_at')),
  ].sort();
}

it('ingest flagged what it could without baselines; scan with the baselines that exist now matches SQL', async () => {
  const before = await world.allDocs<{ rule: string }>(names().anomalies);
  expect([...before.values()].some((a) => a.rule === 'OVER_WEEKLY_AOV')).toBe(false);

  const r = await world.cli(['anomalies', 'scan', '--from', '2024-06-01', '--to', '2024-06-04', '--json']);
  expect(r.code).toBe(0);
  const summary = r.json<{ sales_checked: number; anomalies_created: number }>();
  expect(summary.sales_checked).toBe(1_500);
  const want = await expectedFromSql();
  expect(want.filter((id) => id.endsWith(':OVER_WEEKLY_AOV')).length).toBeGreaterThan(20);
  const got = await world.allDocs<{ rule: string }>(names().anomalies);
  expect([...got.keys()].sort()).toEqual(want);
  expect(summary.anomalies_created).toBe(want.filter((id) => id.endsWith(':OVER_WEEKLY_AOV')).length);

  const sales = await world.allDocs<SaleDocument>(names().sales);
  const bySale = new Map<string, string[]>();
  for (const id of want) {
    const [sale, rule] = id.split(':') as [string, string];
    bySale.set(sale, [...(bySale.get(sale) ?? []), rule].sort());
  }
  for (const [id, d] of sales) expect([id, [...d.anomaly_rules].sort()]).toEqual([id, bySale.get(id) ?? []]);

  const again = await world.cli(['anomalies', 'scan', '--from', '2024-06-01', '--to', '2024-06-04', '--json']);
  expect(again.json()).toEqual(
    expect.objectContaining({ anomalies_created: 0, anomalies_updated: 0, anomalies_removed: 0, sales_updated: 0 }),
  );
});

describe('search sales over ingested data agrees with SQL', () => {
  const ids = (stdout: string): string[] =>
    stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { id: string }).id)
      .sort();
  const sqlIds = async (where: string, params: unknown[] = []): Promise<string[]> =>
    (await world.query<{ id: string }>(`SELECT CAST(id AS CHAR) AS id FROM platform_sales WHERE ${where}`, params))
      .map((r) => r.id)
      .sort();

  it.each([
    [
      ['--store', '2', '--from', '2024-06-02', '--to', '2024-06-03'],
      "store_id = 2 AND DATE(sold_at) BETWEEN '2024-06-02' AND '2024-06-03'",
    ],
    [
      ['--platform', 'coupangeats', '--not-canceled', '--min-amount', '12000'],
      "platform = 'COUPANGEATS' AND is_canceled = 0 AND amount_sale >= 12000",
    ],
    [['--canceled', '--max-amount', '9000'], 'is_canceled = 1 AND amount_sale <= 9000'],
    [['--card', '*0007'], "card_number LIKE '%0007'"],
    [['--card', '4000-12**-****-0003'], "card_number = '4000-12**-****-0003'"],
    [['--text', '배달 지연'], "remark LIKE '%배달 지연%'"],
    [['--text', '승인 거절'], "result_msg = '승인 거절'"],
  ])('%j', async (args, where) => {
    const r = await world.cli([
      'search',
      'sales',
      ...(args as string[]),
      '--all',
      '--fields',
      'id',
      '--format',
      'ndjson',
    ]);
    expect(r.code).toBe(0);
    expect(ids(r.stdout)).toEqual(await sqlIds(where as string));
  });
});
