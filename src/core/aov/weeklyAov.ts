/**
 * Weekly average order value (docs/contract.md §5), the pure part: the trailing 7-day window ending on E
 * (E−6 … E), summed from the store's daily documents in it.
 */
import { shiftDay } from '../time/businessDay';
import { unitPrice, wholeWon } from './dailyAov';

export const WINDOW_DAYS = 7;

export interface WeeklyAovDocument {
  store_id: string;
  start_date: string;
  end_date: string;
  total_sale: number;
  num_customers: number;
  num_transactions: number;
  days_with_sales: number;
  unit_price: number;
  computed_at: string;
  /**
   * The window ends today or later, or holds a provisional daily document: its figures will
   * change, and the computation after its last day is over replaces it.
   */
  provisional: boolean;
}

/** The figures of a daily document a weekly window adds up. */
export interface DailyFigures {
  date: string;
  total_sale: number;
  num_customers: number;
  num_transactions: number;
  /** Absent on documents written before provisional ones existed: final. */
  provisional?: boolean;
}

export function weeklyAovId(storeId: string, endDate: string): string {
  return `${storeId}:${endDate}`;
}

/** The first day of the window ending on `endDate`. */
export function windowStart(endDate: string): string {
  return shiftDay(endDate, -(WINDOW_DAYS - 1));
}

/**
 * The weekly document of one store for the window ending on `endDate`, from that store's
 * daily documents (any order; days outside the window are ignored). Null when the store has
 * no daily document in the window.
 */
export function weeklyDocument(
  storeId: string,
  endDate: string,
  dailies: Iterable<DailyFigures>,
  computedAt: string,
  today: string,
): WeeklyAovDocument | null {
  const start = windowStart(endDate);
  let total = 0;
  let customers = 0;
  let transactions = 0;
  let provisional = endDate >= today;
  const days = new Set<string>();
  for (const d of dailies) {
    if (d.date < start || d.date > endDate) continue;
    if (days.has(d.date)) throw new RangeError(`store ${storeId} has two daily documents for ${d.date}`);
    days.add(d.date);
    total += wholeWon(d.total_sale, `total_sale of ${storeId}:${d.date}`);
    customers += d.num_customers;
    transactions += d.num_transactions;
    if (d.provisional === true) provisional = true;
  }
  if (days.size === 0) return null;
  return {
    store_id: storeId,
    start_date: start,
    end_date: endDate,
    total_sale: wholeWon(total, `weekly total_sale of ${storeId} ending ${endDate}`),
    num_customers: customers,
    num_transactions: transactions,
    days_with_sales: days.size,
    unit_price: unitPrice(total, customers),
    computed_at: computedAt,
    provisional,
  };
}

/**
 * Every weekly document of one store for `ends` (ascending), from its daily documents sorted
 * by date: a sliding window, so a long range costs one pass over the dailies and the ends.
 * Ends whose window holds no daily document yield nothing. A window ending `today` or later,
 * or holding a provisional daily document, is provisional.
 */
export function weeklyDocumentsForStore(
  storeId: string,
  dailiesByDate: readonly DailyFigures[],
  ends: readonly string[],
  computedAt: string,
  today: string,
): WeeklyAovDocument[] {
  const docs: WeeklyAovDocument[] = [];
  let lo = 0; // first daily still inside the window
  let hi = 0; // first daily after the window
  let total = 0;
  let customers = 0;
  let transactions = 0;
  let provisionalDailies = 0;
  for (let i = 1; i < dailiesByDate.length; i++) {
    if (dailiesByDate[i]!.date <= dailiesByDate[i - 1]!.date)
      throw new RangeError(`daily documents of store ${storeId} are not in strictly ascending date order`);
  }
  let previousEnd = '';
  for (const end of ends) {
    if (end <= previousEnd) throw new RangeError('window ends must be strictly ascending');
    previousEnd = end;
    const start = windowStart(end);
    while (hi < dailiesByDate.length && dailiesByDate[hi]!.date <= end) {
      const d = dailiesByDate[hi++]!;
      total += wholeWon(d.total_sale, `total_sale of ${storeId}:${d.date}`);
      customers += d.num_customers;
      transactions += d.num_transactions;
      if (d.provisional === true) provisionalDailies++;
    }
    while (lo < hi && dailiesByDate[lo]!.date < start) {
      const d = dailiesByDate[lo++]!;
      total -= d.total_sale;
      customers -= d.num_customers;
      transactions -= d.num_transactions;
      if (d.provisional === true) provisionalDailies--;
    }
    const days = hi - lo;
    if (days === 0) continue;
    docs.push({
      store_id: storeId,
      start_date: start,
      end_date: end,
      total_sale: wholeWon(total, `weekly total_sale of ${storeId} ending ${end}`),
      num_customers: customers,
      num_transactions: transactions,
      days_with_sales: days,
      unit_price: unitPrice(total, customers),
      computed_at: computedAt,
      provisional: end >= today || provisionalDailies > 0,
    });
  }
  return docs;
}

/** A run of daily documents to read for a group of window ends: [from, to] covers every window. */
export interface DailySpan {
  /** First daily date needed (earliest end − 6). */
  from: string;
  /** Last daily date needed (latest end). */
  to: string;
  /** The window ends this span serves, ascending. */
  ends: string[];
}

/**
 * Groups window ends so that each group's windows are covered by one contiguous read of daily
 * documents, without reading long stretches no window needs: ends whose windows overlap or
 * touch share a span.
 */
export function spansForEnds(ends: Iterable<string>): DailySpan[] {
  const sorted = [...new Set(ends)].sort();
  const spans: DailySpan[] = [];
  for (const end of sorted) {
    const last = spans[spans.length - 1];
    const start = windowStart(end);
    if (last && start <= shiftDay(last.to, 1)) {
      last.to = end;
      last.ends.push(end);
    } else spans.push({ from: start, to: end, ends: [end] });
  }
  return spans;
}
