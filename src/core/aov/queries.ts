/**
 * The aggregation requests behind `daily` (pure, like core/search). Each covers one business
 * day (`sale_date`, written by ingest in the business time zone) and is paginated with the
 * composite aggregation's `after_key`, so no number of stores or customers is ever capped.
 *
 * Why one day at a time: a composite aggregation that is not backed by index sorting visits
 * every matching sale for every page it returns; slicing by day, and within a busy day by groups
 * of stores, keeps each pass to about one page, so every sale is visited about once
 * (docs/performance.md "Aggregations sliced by day").
 */
import type { estypes } from '@elastic/elasticsearch';
import { SALE_DAY_SOURCE, type AfterKey } from '../es/composite';
import type { StoreDayTotals } from './dailyAov';
import { wholeWon } from './dailyAov';
import { shiftDay } from '../time/businessDay';

/** Buckets per composite page; below `search.max_buckets` (65,536 on 7.x and 8.x). */
export const CUSTOMER_PAGE = 20_000;
/**
 * Stores per page of the store-totals aggregation. Each store bucket carries up to
 * 3 + PLATFORMS_MAX buckets of its own, and a response may hold at most `search.max_buckets`
 * (65,536 by default): 1,500 × 35 = 52,500 stays below it whatever the platforms.
 */
export const TOTALS_PAGE = 1_500;
/** A customers slice holds at most this many counted sales (unless one store alone has more). */
export const SLICE_SALES = CUSTOMER_PAGE;
/** Days per page of the sales-per-day aggregation. */
export const DAYS_PAGE = 1_000;
/** Distinct platforms listed per store-day (there are a handful in practice; more are left out of `platforms`). */
export const PLATFORMS_MAX = 32;

/** Runs of consecutive days per query: a `bool.should` stays far below max_clause_count. */
export const RUNS_PER_QUERY = 256;

/**
 * Filters matching `days` on a date field, as few range clauses as the days allow (a
 * contiguous range is one clause; the cron form's scattered days are a few). More runs than
 * RUNS_PER_QUERY are split into several filters, to be queried one after the other.
 */
export function daysFilters(field: string, days: readonly string[]): estypes.QueryDslQueryContainer[] {
  const sorted = [...new Set(days)].sort();
  const runs: { gte: string; lte: string }[] = [];
  for (const day of sorted) {
    const last = runs[runs.length - 1];
    if (last && shiftDay(last.lte, 1) === day) last.lte = day;
    else runs.push({ gte: day, lte: day });
  }
  const filters: estypes.QueryDslQueryContainer[] = [];
  for (let i = 0; i < runs.length; i += RUNS_PER_QUERY) {
    const clauses = runs.slice(i, i + RUNS_PER_QUERY).map((r) => ({ range: { [field]: { ...r } } }));
    filters.push(clauses.length === 1 ? clauses[0]! : { bool: { should: clauses, minimum_should_match: 1 } });
  }
  return filters;
}

/** Sales per business day among some days: which days have anything to aggregate at all. */
export function salesPerDayRequest(
  filter: estypes.QueryDslQueryContainer,
  after?: AfterKey,
): Pick<estypes.SearchRequest, 'query' | 'aggs' | 'size' | 'track_total_hits'> {
  return {
    size: 0,
    track_total_hits: false,
    query: { bool: { filter: [filter] } },
    aggs: {
      days: {
        composite: {
          size: DAYS_PAGE,
          sources: [SALE_DAY_SOURCE],
          ...(after ? { after } : {}),
        },
      },
    },
  };
}

function onDay(day: string): estypes.QueryDslQueryContainer {
  return { term: { sale_date: day } };
}

const COUNTED: estypes.QueryDslQueryContainer = { term: { counted: true } };

/** Per store, every sale of the day: counted count/sum/platforms, canceled count/sum. */
export function storeTotalsRequest(
  day: string,
  after?: AfterKey,
): Pick<estypes.SearchRequest, 'query' | 'aggs' | 'size' | 'track_total_hits'> {
  return {
    size: 0,
    track_total_hits: false,
    query: { bool: { filter: [onDay(day)] } },
    aggs: {
      stores: {
        composite: {
          size: TOTALS_PAGE,
          sources: [{ store: { terms: { field: 'store_id' } } }],
          ...(after ? { after } : {}),
        },
        aggs: {
          counted: {
            filter: COUNTED,
            aggs: {
              total: { sum: { field: 'amount_sale' } },
              platforms: { terms: { field: 'platform', size: PLATFORMS_MAX } },
            },
          },
          canceled: { filter: { term: { is_canceled: true } }, aggs: { amount: { sum: { field: 'amount_sale' } } } },
        },
      },
    },
  };
}

/** One (store, card) bucket per distinct customer of the given stores on the day. */
export function customersRequest(
  day: string,
  storeIds: readonly string[],
  after?: AfterKey,
): Pick<estypes.SearchRequest, 'query' | 'aggs' | 'size' | 'track_total_hits'> {
  return {
    size: 0,
    track_total_hits: false,
    query: { bool: { filter: [onDay(day), COUNTED, { terms: { store_id: [...storeIds] } }] } },
    aggs: {
      customers: {
        composite: {
          size: CUSTOMER_PAGE,
          sources: [{ store: { terms: { field: 'store_id' } } }, { card: { terms: { field: 'card_number' } } }],
          ...(after ? { after } : {}),
        },
      },
    },
  };
}

/** Only what the customers fold reads: keeps ~20,000-bucket responses small. */
export const CUSTOMERS_FILTER_PATH = [
  'pit_id',
  'aggregations.customers.after_key',
  'aggregations.customers.buckets.key.store',
  'aggregations.customers.buckets.doc_count',
];

export interface StoreTotalsBucket {
  key: { store: string };
  doc_count: number;
  counted: {
    doc_count: number;
    total: { value: number | null };
    platforms: { buckets: { key: string }[]; sum_other_doc_count?: number };
  };
  canceled: { doc_count: number; amount: { value: number | null } };
}

export function storeTotalsOf(b: StoreTotalsBucket, day: string): StoreDayTotals {
  return {
    storeId: String(b.key.store),
    countedSales: b.counted.doc_count,
    totalSale: wholeWon(b.counted.total.value, `total_sale of store ${b.key.store} on ${day}`),
    platforms: b.counted.platforms.buckets.map((p) => String(p.key)),
    canceledSales: b.canceled.doc_count,
    canceledAmount: wholeWon(b.canceled.amount.value, `canceled_amount of store ${b.key.store} on ${day}`),
  };
}

/**
 * Groups the day's stores with counted sales (in store order) into slices of at most
 * `maxSales` counted sales each, so one customers page covers about one slice. A store with
 * more sales than that is a slice of its own.
 */
export function customerSlices(totals: readonly StoreDayTotals[], maxSales = SLICE_SALES): string[][] {
  const slices: string[][] = [];
  let current: string[] = [];
  let sales = 0;
  for (const t of totals) {
    if (t.countedSales === 0) continue;
    if (current.length > 0 && sales + t.countedSales > maxSales) {
      slices.push(current);
      current = [];
      sales = 0;
    }
    current.push(t.storeId);
    sales += t.countedSales;
  }
  if (current.length > 0) slices.push(current);
  return slices;
}
