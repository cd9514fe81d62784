import {
  CUSTOMER_PAGE,
  RUNS_PER_QUERY,
  customerSlices,
  customersRequest,
  daysFilters,
  salesPerDayRequest,
  storeTotalsOf,
  storeTotalsRequest,
} from '../../../src/core/aov/queries';
import { nextAfter } from '../../../src/core/es/composite';
import { daysBetween, shiftDay } from '../../../src/core/time/businessDay';
import type { StoreDayTotals } from '../../../src/core/aov/dailyAov';

const t = (storeId: string, countedSales: number): StoreDayTotals => ({
  storeId,
  countedSales,
  totalSale: countedSales * 1000,
  platforms: [],
  canceledSales: 0,
  canceledAmount: 0,
});

describe('aggregation requests', () => {
  it('store totals: every sale of the day, counted and canceled split by filters, paginated', () => {
    const r = storeTotalsRequest('2024-05-01', { store: '42' });
    expect(r.size).toBe(0);
    expect(r.query).toEqual({ bool: { filter: [{ term: { sale_date: '2024-05-01' } }] } });
    const composite = (r.aggs!.stores as { composite: { after?: unknown; sources: unknown[] } }).composite;
    expect(composite.after).toEqual({ store: '42' });
    expect(composite.sources).toEqual([{ store: { terms: { field: 'store_id' } } }]);
    expect(JSON.stringify(r.aggs)).toContain('"counted":{"filter":{"term":{"counted":true}}');
    expect(JSON.stringify(r.aggs)).not.toContain('cardinality');
    expect((storeTotalsRequest('2024-05-01').aggs!.stores as { composite: object }).composite).not.toHaveProperty(
      'after',
    );
  });
  it('customers: counted sales of some stores, one bucket per (store, card)', () => {
    const r = customersRequest('2024-05-01', ['7', '8'], { store: '7', card: 'x' });
    expect(r.query).toEqual({
      bool: {
        filter: [
          { term: { sale_date: '2024-05-01' } },
          { term: { counted: true } },
          { terms: { store_id: ['7', '8'] } },
        ],
      },
    });
    const composite = (r.aggs!.customers as { composite: { size: number; after: unknown; sources: unknown[] } })
      .composite;
    expect(composite.sources).toEqual([
      { store: { terms: { field: 'store_id' } } },
      { card: { terms: { field: 'card_number' } } },
    ]);
    expect(composite.size).toBe(CUSTOMER_PAGE);
    expect(composite.size).toBeLessThan(65_536);
    expect(composite.after).toEqual({ store: '7', card: 'x' });
  });
  it('nextAfter stops on a short page or without after_key', () => {
    expect(nextAfter({ buckets: [1, 2], after_key: { s: 'b' } }, 2)).toEqual({ s: 'b' });
    expect(nextAfter({ buckets: [1], after_key: { s: 'b' } }, 2)).toBeUndefined();
    expect(nextAfter({ buckets: [] }, 2)).toBeUndefined();
    expect(nextAfter(undefined, 2)).toBeUndefined();
  });
  it('reads a store-totals bucket into whole-won figures', () => {
    const totals = storeTotalsOf(
      {
        key: { store: '7' },
        doc_count: 5,
        counted: { doc_count: 3, total: { value: 25_000 }, platforms: { buckets: [{ key: 'KCP' }] } },
        canceled: { doc_count: 1, amount: { value: 9_000 } },
      },
      '2024-05-01',
    );
    expect(totals).toEqual({
      storeId: '7',
      countedSales: 3,
      totalSale: 25_000,
      platforms: ['KCP'],
      canceledSales: 1,
      canceledAmount: 9_000,
    });
    expect(() =>
      storeTotalsOf(
        {
          key: { store: '7' },
          doc_count: 1,
          counted: { doc_count: 1, total: { value: 0.5 }, platforms: { buckets: [] } },
          canceled: { doc_count: 0, amount: { value: null } },
        },
        '2024-05-01',
      ),
    ).toThrow(/not an exact/);
  });
});

describe('customerSlices', () => {
  it('groups stores in order up to the limit, skips stores without counted sales, isolates a big store', () => {
    expect(customerSlices([t('1', 4), t('2', 0), t('3', 5), t('4', 2), t('5', 30), t('6', 1)], 10)).toEqual([
      ['1', '3'],
      ['4'],
      ['5'],
      ['6'],
    ]);
    expect(customerSlices([t('1', 10), t('2', 10)], 10)).toEqual([['1'], ['2']]);
    expect(customerSlices([t('1', 3), t('2', 7)], 10)).toEqual([['1', '2']]);
    expect(customerSlices([], 10)).toEqual([]);
  });
});

describe('daysFilters', () => {
  it('a contiguous range is one range clause, across a month end', () => {
    expect(daysFilters('sale_date', daysBetween('2024-04-28', '2024-05-03'))).toEqual([
      { range: { sale_date: { gte: '2024-04-28', lte: '2024-05-03' } } },
    ]);
    expect(daysFilters('date', ['2024-05-01'])).toEqual([
      { range: { date: { gte: '2024-05-01', lte: '2024-05-01' } } },
    ]);
  });
  it('scattered days (the cron form) become runs, sorted and deduplicated', () => {
    expect(daysFilters('end_date', ['2024-05-09', '2024-05-01', '2024-05-10', '2024-05-01', '2023-12-31'])).toEqual([
      {
        bool: {
          minimum_should_match: 1,
          should: [
            { range: { end_date: { gte: '2023-12-31', lte: '2023-12-31' } } },
            { range: { end_date: { gte: '2024-05-01', lte: '2024-05-01' } } },
            { range: { end_date: { gte: '2024-05-09', lte: '2024-05-10' } } },
          ],
        },
      },
    ]);
  });
  it('splits very many runs into several filters', () => {
    const everyOtherDay = Array.from({ length: RUNS_PER_QUERY + 3 }, (_, i) => shiftDay('2020-01-01', 2 * i));
    const filters = daysFilters('date', everyOtherDay);
    expect(filters).toHaveLength(2);
    expect((filters[1] as { bool: { should: unknown[] } }).bool.should).toHaveLength(3);
    expect(daysFilters('date', [])).toEqual([]);
  });
  it('sales per day: a day histogram keyed YYYY-MM-DD, paginated', () => {
    const r = salesPerDayRequest(
      { range: { sale_date: { gte: '2024-05-01', lte: '2024-05-31' } } },
      { day: '2024-05-10' },
    );
    expect(r.aggs!.days).toMatchObject({
      composite: {
        after: { day: '2024-05-10' },
        sources: [{ day: { date_histogram: { field: 'sale_date', calendar_interval: '1d', format: 'yyyy-MM-dd' } } }],
      },
    });
  });
});
