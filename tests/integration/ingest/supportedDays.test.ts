/**
 * One range of supported days for every command (issue 28, item 6): ingest dead-letters a sale
 * whose business day lies outside 2000-01-01 … 2099-12-31 (in the business zone: the same row is
 * in range in Seoul and out of it in UTC) and a row whose `modified` does, with that reason; what
 * it accepts, every command can ask for, and reconcile agrees with MySQL's own predicate. Dates
 * in documents are exact instants: an offset with seconds (Seoul's local mean time) is written
 * in UTC.
 */
import { createSourceTable } from '../../../src/core/source/schema';
import type { SourceRow } from '../../../src/core/source/row';
import { TestWorld } from '../../support';

const world = new TestWorld('supported-days');

function sale(id: number, over: Partial<SourceRow> = {}): Partial<SourceRow> {
  return {
    id: String(id),
    created: '2024-05-01 12:00:00',
    modified: '2024-05-01 12:00:00',
    card_number: `5461-11**-****-${String(id).padStart(4, '0')}`,
    amount_sale: 10_000 + id,
    amount_fee: 300,
    amount_deposit: 9_700 + id,
    is_canceled: 0,
    sold_at: '2024-05-01 11:00:00',
    store_id: '7',
    ...over,
  };
}

const ROWS = [
  sale(1, { sold_at: '0100-01-01 00:00:00' }),
  sale(2, { sold_at: '1999-12-31 23:59:59' }),
  sale(3, { sold_at: '2000-01-01 00:00:00' }),
  sale(4, { sold_at: '2000-01-01 08:30:00' }),
  sale(5, { sold_at: '2099-12-31 23:59:59' }),
  sale(6, { sold_at: '2100-01-01 00:00:00' }),
  sale(7, { modified: '1999-12-31 23:59:59', created: '1999-12-31 23:59:59' }),
  sale(8, { modified: '2100-01-01 00:00:00' }),
  sale(9, { created: '1900-01-01 00:00:00', will_deposited_at: '9999-12-31 00:00:00' }),
];

interface DeadLetter {
  reason: string;
  reason_code: string[];
}

async function reasons(prefix: string): Promise<Record<string, string>> {
  await world.es.indices.refresh({ index: `${prefix}-deadletter` });
  const res = await world.es.search<DeadLetter & { source_id: string }>({ index: `${prefix}-deadletter`, size: 100 });
  return Object.fromEntries(res.hits.hits.map((h) => [h._source!.source_id, h._source!.reason]));
}

beforeAll(async () => {
  await world.start();
  await createSourceTable(world.pool);
  await world.insertRows(ROWS);
});

afterAll(() => world.stop());

describe('the supported days', () => {
  it('ingest rejects a sale dated outside them, and a row modified outside them, saying so', async () => {
    const r = await world.cli(['ingest', '--json']);
    expect(r.code).toBe(0);
    expect(r.json<{ rejected: number; indexed: number }>()).toMatchObject({ rejected: 5, indexed: 4 });
    expect(await reasons(world.prefix)).toEqual({
      '1':
        'sold_at 0100-01-01 00:00:00 falls on business day 0100-01-01, outside the supported days 2000-01-01 … ' +
        '2099-12-31',
      '2':
        'sold_at 1999-12-31 23:59:59 falls on business day 1999-12-31, outside the supported days 2000-01-01 … ' +
        '2099-12-31',
      '6':
        'sold_at 2100-01-01 00:00:00 falls on business day 2100-01-01, outside the supported days 2000-01-01 … ' +
        '2099-12-31',
      '7': 'modified 1999-12-31 23:59:59 is outside the supported dates 2000-01-01 … 2099-12-31',
      '8': 'modified 2100-01-01 00:00:00 is outside the supported dates 2000-01-01 … 2099-12-31',
    });
  });

  it('every command handles every sale ingest accepted, and reconcile agrees with MySQL', async () => {
    const reconcile = await world.cli(['reconcile', '--all', '--json']);
    expect(reconcile.code).toBe(0);
    expect(reconcile.json<{ outcome: string; from: string; to: string }>()).toMatchObject({
      outcome: 'in sync',
      from: '2000-01-01',
      to: '2099-12-31',
    });
    for (const day of ['2000-01-01', '2099-12-31']) {
      const found = await world.cli(['search', 'sales', '--from', day, '--to', day, '--format', 'ndjson']);
      expect(found.code).toBe(0);
      expect(found.stdout.trim().split('\n').length).toBeGreaterThan(0);
      for (const job of [
        ['daily', '--date', day],
        ['weekly', '--date', day],
        ['anomalies', 'scan', '--from', day, '--to', day],
        ['reconcile', '--date', day, '--repair'],
      ]) {
        const r = await world.cli(job);
        expect([job.join(' '), r.code, r.stderr]).toEqual([job.join(' '), 0, expect.any(String)]);
      }
    }
  });

  it('a document an earlier version let in on an unsupported day is named by --all, and repaired away', async () => {
    const nine = await world.es.get<Record<string, unknown>>({ index: world.names.sales, id: '9' });
    // What an earlier version wrote for row 1 (sold in the year 100): a sale on day 0100-01-01.
    await world.es.index({
      index: world.names.sales,
      id: '1',
      document: { ...nine._source, id: '1', sold_at: '0100-01-01T00:00:00Z', sale_date: '0100-01-01' },
      refresh: true,
    });
    const found = await world.cli(['reconcile', '--all']);
    expect(found.code).toBe(4);
    expect(found.stderr).toContain('`earlypay reconcile --repair --all` rewrites exactly the differing ids');
    const repaired = await world.cli(['reconcile', '--repair', '--all', '--json']);
    expect([repaired.code, repaired.json<{ outcome: string }>().outcome]).toEqual([0, 'repaired']);
    expect((await world.es.get({ index: world.names.sales, id: '1' }, { ignore: [404] })).found).toBe(false);
  });

  it('writes an offset with seconds (local mean time) as the exact instant in UTC', async () => {
    const nine = await world.es.get<{ created: string; will_deposited_at: string; sold_at: string }>({
      index: world.names.sales,
      id: '9',
    });
    // Seoul kept local mean time, +08:27:52, until 1908.
    expect(nine._source!.created).toBe('1899-12-31T15:32:08Z');
    expect(Date.parse(nine._source!.created)).toBe(Date.UTC(1900, 0, 1) - (8 * 3600 + 27 * 60 + 52) * 1000);
    expect(nine._source!.will_deposited_at).toBe('9999-12-31T00:00:00+09:00');
    expect(nine._source!.sold_at).toBe('2024-05-01T11:00:00+09:00');
  });

  it('the business day decides: in UTC, a Seoul sale at 08:30 on 2000-01-01 falls on 1999-12-31', async () => {
    const prefix = `${world.prefix}-utc`;
    const r = await world.cli(['ingest', '--index-prefix', prefix, '--tz', 'UTC', '--json']);
    expect(r.code).toBe(0);
    const utc = await reasons(prefix);
    expect(utc['4']).toBe(
      'sold_at 2000-01-01 08:30:00 falls on business day 1999-12-31, outside the supported days 2000-01-01 … ' +
        '2099-12-31',
    );
    expect(utc['3']).toMatch(/falls on business day 1999-12-31/);
    const reconcile = await world.cli(['reconcile', '--all', '--index-prefix', prefix, '--tz', 'UTC', '--json']);
    expect(reconcile.code).toBe(0);
    expect(reconcile.json<{ outcome: string }>().outcome).toBe('in sync');
  });
});
