/**
 * Business days in another zone than the source's: MySQL's side groups by wall-clock quarter
 * hour of the source zone and must land every row on the business day mapSourceRow gave its
 * document — at a half-hour offset (Asia/Kolkata: the day turns at 03:30 on Seoul's clocks).
 * Where a day boundary would fall inside a quarter hour (1900: local mean times, offsets in
 * seconds), the sales lie outside the supported days: rejected by ingest, counted by neither side.
 */
import { createSourceTable } from '../../../src/core/source/schema';
import type { SourceRow } from '../../../src/core/source/row';
import type { SaleDocument } from '../../../src/core/sales/saleDocument';
import type { DayComparison } from '../../../src/core/reconcile/days';
import { businessDayOfQuarter } from '../../../src/core/reconcile/days';
import { TestWorld, joinedRegExp } from '../../support';

const world = new TestWorld('reconcile-tz');
const TZ = ['--tz', 'Asia/Kolkata'];
const sales = () => `${world.prefix}-sales`;

let nextId = 1;
function sale(soldAt: string): Partial<SourceRow> {
  const id = nextId++;
  return {
    id: String(id),
    created: soldAt,
    modified: '2024-06-01 00:00:00',
    card_number: `1234-56**-****-${id}`,
    amount_sale: 1000 * id,
    amount_fee: 0,
    amount_deposit: 1000 * id,
    is_canceled: 0,
    sold_at: soldAt,
    store_id: '1',
  };
}

const EDGES = {
  beforeHalfHour: '2024-05-02 03:29:59',
  atHalfHour: '2024-05-02 03:30:00',
  beforeLmt: '1900-01-02 03:06:41',
  atLmt: '1900-01-02 03:06:42',
};

beforeAll(async () => {
  await world.start();
  await createSourceTable(world.pool);
  await world.insertRows([...Object.values(EDGES).map(sale), sale('2024-05-02 12:00:00'), sale('2024-05-01 23:00:00')]);
  const r = await world.cli(['ingest', ...TZ]);
  expect(r.code).toBe(0);
});

afterAll(() => world.stop());

async function docOf(soldAt: string): Promise<SaleDocument> {
  const [row] = await world.query<{ id: string }>('SELECT id FROM platform_sales WHERE sold_at = ?', [soldAt]);
  return (await world.es.get<SaleDocument>({ index: sales(), id: String(row!.id) }))._source!;
}

const SUPPORTED = { beforeHalfHour: EDGES.beforeHalfHour, atHalfHour: EDGES.atHalfHour };

describe('reconcile with business days in another zone', () => {
  it('the edges fall on different business days; the local-mean-time ones are outside the supported days', async () => {
    expect((await docOf(EDGES.beforeHalfHour)).sale_date).toBe('2024-05-01');
    expect((await docOf(EDGES.atHalfHour)).sale_date).toBe('2024-05-02');
    expect(businessDayOfQuarter('1900-01-02 03', 0, { tz: 'Asia/Kolkata', sourceTz: 'Asia/Seoul' })).toBeNull();
    for (const soldAt of [EDGES.beforeLmt, EDGES.atLmt]) {
      const [row] = await world.query<{ id: string }>('SELECT id FROM platform_sales WHERE sold_at = ?', [soldAt]);
      const dead = await world.es.get<{ reason_code: string[] }>({
        index: `${world.prefix}-deadletter`,
        id: `platform_sales:${row!.id}`,
      });
      expect(dead._source!.reason_code).toEqual(['SOLD_AT_OUT_OF_RANGE']);
    }
  });

  it('is in sync after the ingest', async () => {
    const r = await world.cli(['reconcile', ...TZ, '--all', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ drifting_days: 0, mysql: { rows: 4 }, es: { rows: 4 } });
  });

  it.each(Object.entries(SUPPORTED))(
    'a lost document at %s drifts exactly its own business day',
    async (_name, soldAt) => {
      const doc = await docOf(soldAt);
      await world.es.delete({ index: sales(), id: doc.id, refresh: true });
      const r = await world.cli(['reconcile', ...TZ, '--all', '--json']);
      expect(r.code).toBe(4);
      expect(r.json<{ drift: DayComparison[] }>().drift.map((d) => [d.day, d.rows_diff, d.amount_diff])).toEqual([
        [doc.sale_date, -1, -doc.amount_sale],
      ]);
      await world.es.index({ index: sales(), id: doc.id, document: doc, refresh: true });
    },
  );
});

describe('the zone the sales were ingested with (issue 31)', () => {
  it('is in every run document', async () => {
    await world.es.indices.refresh({ index: world.names.runs });
    const runs = await world.es.search<{ command: string; tz?: string }>({ index: world.names.runs, size: 100 });
    expect(runs.hits.hits.length).toBeGreaterThan(0);
    for (const hit of runs.hits.hits) expect(hit._source).toMatchObject({ tz: 'Asia/Kolkata' });
  });

  it('reconcile in another zone is refused with the zone to give, and so is an incremental ingest', async () => {
    const r = await world.cli(['reconcile', '--from', '2024-05-01', '--to', '2024-05-02']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      joinedRegExp(
        /^earlypay: the sales were ingested with business time zone Asia\/Kolkata \(ingest run /,
        /ingest-[\w-]+\); comparing business days in Asia\/Seoul would put rows on other days\nhint: /,
        /give --tz Asia\/Kolkata/,
      ),
    );
    const ingest = await world.cli(['ingest']);
    expect(ingest.code).toBe(2);
    expect(ingest.stderr).toMatch(/an incremental ingest in Asia\/Seoul/);
    // in the zone of the data it compares (0 in sync, 4 a drift the tests above left)
    expect([0, 4]).toContain(
      (await world.cli(['reconcile', '--from', '2024-05-01', '--to', '2024-05-02', ...TZ])).code,
    );
  });
});
