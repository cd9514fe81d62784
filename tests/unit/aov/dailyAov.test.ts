import {
  CustomerTally,
  InconsistentAggregationError,
  dailyAovId,
  dailyDocuments,
  unitPrice,
  wholeWon,
  type StoreDayTotals,
} from '../../../src/core/aov/dailyAov';
import { RunFailedError } from '../../../src/core/errors';

const AT = '2024-05-02T00:05:00.000Z';

function totals(over: Partial<StoreDayTotals> & { storeId: string }): StoreDayTotals {
  return { countedSales: 0, totalSale: 0, platforms: [], canceledSales: 0, canceledAmount: 0, ...over };
}

describe('unitPrice', () => {
  it('truncates to whole won', () => {
    expect(unitPrice(10_000, 3)).toBe(3_333);
    expect(unitPrice(20_000, 3)).toBe(6_666);
    expect(unitPrice(9, 10)).toBe(0);
    expect(unitPrice(30_000, 1)).toBe(30_000);
  });
  it('is exact for large totals (no float drift at the won)', () => {
    // 2^53 - 1 won across 7 customers.
    expect(unitPrice(Number.MAX_SAFE_INTEGER, 7)).toBe(1_286_742_750_677_284);
    expect(unitPrice(1_000_000_000_003, 1_000)).toBe(1_000_000_000);
  });
  it('refuses a day without customers or a fractional total', () => {
    expect(() => unitPrice(100, 0)).toThrow(RangeError);
    expect(() => unitPrice(100.5, 2)).toThrow(RangeError);
  });
});

describe('wholeWon', () => {
  it('accepts whole sums (null = no value = 0) and refuses anything else', () => {
    expect(wholeWon(12_345, 'x')).toBe(12_345);
    expect(wholeWon(null, 'x')).toBe(0);
    expect(wholeWon(-5_000, 'x')).toBe(-5_000);
    expect(() => wholeWon(0.1 + 0.2, 'total')).toThrow(/total/);
    // Beyond 2^53 - 1 the run fails with what to do, not a bare "not exact".
    expect(() => wholeWon(2 ** 60, 'total')).toThrow(RunFailedError);
    expect(() => wholeWon(2 ** 60, 'total')).toThrow(/beyond ±9,007,199,254,740,991 won/);
    try {
      wholeWon(2 ** 60, 'total');
    } catch (err) {
      expect((err as RunFailedError).hint).toMatch(/earlypay search sales --min-amount/);
    }
  });
});

describe('CustomerTally', () => {
  it('counts one customer per (store, card) bucket and adds up their sales', () => {
    const t = new CustomerTally();
    t.add('7', 3);
    t.add('7', 1);
    t.add('8', 2);
    expect(t.get('7')).toEqual({ customers: 2, sales: 4 });
    expect(t.get('8')).toEqual({ customers: 1, sales: 2 });
    expect(t.get('9')).toBeUndefined();
    expect([...t.stores()].sort()).toEqual(['7', '8']);
  });
});

describe('dailyDocuments', () => {
  it('builds one document per store with counted sales, with the docs/contract.md §5 figures', () => {
    const tally = new CustomerTally();
    // store 7: cards A (2 sales) and B (1 sale); store 8: card C (1 sale)
    tally.add('7', 2);
    tally.add('7', 1);
    tally.add('8', 1);
    const docs = dailyDocuments(
      '2024-05-01',
      [
        totals({
          storeId: '7',
          countedSales: 3,
          totalSale: 25_000,
          platforms: ['YOGIYO', 'BAEMIN'],
          canceledSales: 1,
          canceledAmount: 9_000,
        }),
        totals({ storeId: '8', countedSales: 1, totalSale: 7_700, platforms: ['KCP'] }),
        // store 9 had only canceled or non-positive sales: no document
        totals({ storeId: '9', countedSales: 0, canceledSales: 2, canceledAmount: 4_000 }),
      ],
      tally,
      AT,
      false,
    );
    expect(docs).toEqual([
      {
        store_id: '7',
        date: '2024-05-01',
        total_sale: 25_000,
        num_transactions: 3,
        num_customers: 2,
        unit_price: 12_500,
        num_canceled: 1,
        canceled_amount: 9_000,
        platforms: ['BAEMIN', 'YOGIYO'],
        computed_at: AT,
        provisional: false,
      },
      {
        store_id: '8',
        date: '2024-05-01',
        total_sale: 7_700,
        num_transactions: 1,
        num_customers: 1,
        unit_price: 7_700,
        num_canceled: 0,
        canceled_amount: 0,
        platforms: ['KCP'],
        computed_at: AT,
        provisional: false,
      },
    ]);
    expect(dailyAovId('7', '2024-05-01')).toBe('7:2024-05-01');
  });

  it('marks every document of a day not over yet provisional', () => {
    const tally = new CustomerTally();
    tally.add('7', 1);
    const docs = dailyDocuments(
      '2024-05-01',
      [totals({ storeId: '7', countedSales: 1, totalSale: 100 })],
      tally,
      AT,
      true,
    );
    expect(docs.map((d) => d.provisional)).toEqual([true]);
  });

  it('refuses aggregations that disagree instead of writing a wrong figure', () => {
    const short = new CustomerTally();
    short.add('7', 2);
    expect(() =>
      dailyDocuments('2024-05-01', [totals({ storeId: '7', countedSales: 3, totalSale: 30_000 })], short, AT, false),
    ).toThrow(InconsistentAggregationError);
    expect(() => dailyDocuments('2024-05-01', [totals({ storeId: '7', countedSales: 0 })], short, AT, false)).toThrow(
      InconsistentAggregationError,
    );
    expect(() => dailyDocuments('2024-05-01', [], short, AT, false)).toThrow(/no totals/);
    expect(() =>
      dailyDocuments(
        '2024-05-01',
        [totals({ storeId: '8', countedSales: 1, totalSale: 1 })],
        new CustomerTally(),
        AT,
        false,
      ),
    ).toThrow(/0 in the per-card buckets/);
  });
});
