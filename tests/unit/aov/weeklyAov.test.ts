import {
  spansForEnds,
  weeklyAovId,
  weeklyDocument,
  weeklyDocumentsForStore,
  windowStart,
  type DailyFigures,
} from '../../../src/core/aov/weeklyAov';
import { daysBetween, shiftDay } from '../../../src/core/time/businessDay';

const AT = '2024-05-08T00:10:00.000Z';
/** "Today" for the tests: every window before it is over. */
const TODAY = '2030-01-01';
const day = (
  date: string,
  total_sale: number,
  num_customers: number,
  num_transactions = num_customers,
): DailyFigures => ({ date, total_sale, num_customers, num_transactions });

describe('weekly window', () => {
  it('covers E-6 .. E, across month and year ends', () => {
    expect(windowStart('2024-05-07')).toBe('2024-05-01');
    expect(windowStart('2024-03-03')).toBe('2024-02-26');
    expect(windowStart('2025-01-02')).toBe('2024-12-27');
    expect(weeklyAovId('50', '2024-05-07')).toBe('50:2024-05-07');
  });
});

describe('weeklyDocument', () => {
  it('sums totals and customers of the daily documents in the window (not an average of AOVs)', () => {
    const doc = weeklyDocument(
      '50',
      '2024-05-07',
      [day('2024-05-01', 10_000, 1), day('2024-05-03', 20_000, 3, 4), day('2024-05-07', 1, 1)],
      AT,
      TODAY,
    );
    expect(doc).toEqual({
      store_id: '50',
      start_date: '2024-05-01',
      end_date: '2024-05-07',
      total_sale: 30_001,
      num_customers: 5,
      num_transactions: 6,
      days_with_sales: 3,
      unit_price: 6_000,
      computed_at: AT,
      provisional: false,
    });
  });
  it('ignores days outside the window; no document without a daily document in it', () => {
    expect(
      weeklyDocument('50', '2024-05-07', [day('2024-04-30', 5_000, 1), day('2024-05-08', 5_000, 1)], AT, TODAY),
    ).toBeNull();
    expect(
      weeklyDocument('50', '2024-05-07', [day('2024-04-30', 5_000, 1), day('2024-05-01', 3_000, 2)], AT, TODAY)!
        .total_sale,
    ).toBe(3_000);
  });
  it('refuses two daily documents for one day', () => {
    expect(() =>
      weeklyDocument('50', '2024-05-07', [day('2024-05-02', 1, 1), day('2024-05-02', 1, 1)], AT, TODAY),
    ).toThrow(/two daily documents/);
  });
});

describe('provisional windows', () => {
  const provisional = (d: DailyFigures): DailyFigures => ({ ...d, provisional: true });
  it('a window ending today or later is provisional; one holding a provisional daily document too', () => {
    const dailies = [day('2024-05-01', 100, 1), day('2024-05-05', 100, 1)];
    expect(weeklyDocument('9', '2024-05-05', dailies, AT, '2024-05-05')!.provisional).toBe(true);
    expect(weeklyDocument('9', '2024-05-05', dailies, AT, '2024-05-06')!.provisional).toBe(false);
    const withOpen = [day('2024-05-01', 100, 1), provisional(day('2024-05-05', 100, 1))];
    expect(weeklyDocument('9', '2024-05-07', withOpen, AT, '2024-05-08')!.provisional).toBe(true);
    // The provisional daily document has left the window ending 05-12.
    expect(weeklyDocument('9', '2024-05-12', withOpen, AT, '2024-05-13')).toBeNull();
  });
  it('the sliding window says the same as the definition for every end', () => {
    const dailies = [
      day('2024-05-01', 100, 1),
      provisional(day('2024-05-03', 200, 2)),
      day('2024-05-09', 300, 1),
      provisional(day('2024-05-12', 50, 1)),
    ];
    const ends = daysBetween('2024-04-30', '2024-05-20');
    for (const today of ['2024-05-10', '2024-05-12', '2024-05-30']) {
      const sliding = weeklyDocumentsForStore('9', dailies, ends, AT, today);
      const reference = ends.map((e) => weeklyDocument('9', e, dailies, AT, today)).filter((d) => d !== null);
      expect(sliding).toEqual(reference);
    }
    const flags = weeklyDocumentsForStore('9', dailies, ends, AT, '2024-05-30').map((d) => [d.end_date, d.provisional]);
    expect(flags.filter(([, p]) => p).map(([e]) => e)).toEqual([
      ...daysBetween('2024-05-03', '2024-05-09'),
      ...daysBetween('2024-05-12', '2024-05-18'),
    ]);
  });
});

describe('weeklyDocumentsForStore (sliding window)', () => {
  it('matches the definition for every end, on irregular data', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const days = daysBetween('2024-01-20', '2024-03-10');
    const dailies = days
      .filter(() => rand(3) !== 0)
      .map((d) => day(d, 1 + rand(5_000_000), 1 + rand(40), 1 + rand(90)));
    const ends = daysBetween('2024-01-15', '2024-03-20').filter(() => rand(4) !== 0);
    const sliding = weeklyDocumentsForStore('9', dailies, ends, AT, TODAY);
    const reference = ends.map((e) => weeklyDocument('9', e, dailies, AT, TODAY)).filter((d) => d !== null);
    expect(sliding).toEqual(reference);
    expect(sliding.length).toBeGreaterThan(20);
  });
  it('yields nothing for windows without daily documents, and needs sorted input', () => {
    expect(
      weeklyDocumentsForStore(
        '9',
        [day('2024-05-01', 100, 1)],
        ['2024-04-29', '2024-05-07', '2024-05-08'],
        AT,
        TODAY,
      ).map((d) => d.end_date),
    ).toEqual(['2024-05-07']);
    expect(() =>
      weeklyDocumentsForStore('9', [day('2024-05-02', 1, 1), day('2024-05-01', 1, 1)], ['2024-05-07'], AT, TODAY),
    ).toThrow(/ascending/);
    expect(() => weeklyDocumentsForStore('9', [], ['2024-05-07', '2024-05-07'], AT, TODAY)).toThrow(/ascending/);
  });
});

describe('spansForEnds', () => {
  it('reads one contiguous span for touching windows, separate spans for distant ones', () => {
    expect(spansForEnds(['2024-05-07', '2024-05-01', '2024-05-07', '2024-05-14'])).toEqual([
      { from: '2024-04-25', to: '2024-05-14', ends: ['2024-05-01', '2024-05-07', '2024-05-14'] },
    ]);
    expect(spansForEnds(['2024-05-01', '2024-05-09', '2023-01-01'])).toEqual([
      { from: '2022-12-26', to: '2023-01-01', ends: ['2023-01-01'] },
      { from: '2024-04-25', to: '2024-05-01', ends: ['2024-05-01'] },
      { from: '2024-05-03', to: '2024-05-09', ends: ['2024-05-09'] },
    ]);
    // window of 05-09 starts 05-03: the day after 05-02's span end, so it joins
    expect(spansForEnds(['2024-05-02', '2024-05-09'])).toHaveLength(1);
    expect(spansForEnds([])).toEqual([]);
    expect(shiftDay('2024-05-02', 1)).toBe(windowStart('2024-05-09'));
  });
});
