/**
 * Daily average order value (docs/contract.md §5), the pure part: what one store's day adds up to, folded
 * from the aggregation buckets Elasticsearch returns, and the document it becomes.
 *
 * Per business day two aggregations arrive (see queries.ts):
 *   - store totals   one bucket per store over every sale of the day: counted sales (count,
 *                    Σ amount_sale, platforms) and canceled sales (count, Σ amount_sale);
 *   - customers      one bucket per distinct (store, card) over the counted sales: the number
 *                    of buckets of a store is its exact number of distinct cards, and their
 *                    doc counts add up to the store's counted sales again (a free cross-check).
 */
import { RunFailedError } from '../errors';
import { MAX_AMOUNT, formatWon } from '../money';

export interface DailyAovDocument {
  store_id: string;
  date: string;
  total_sale: number;
  num_transactions: number;
  num_customers: number;
  unit_price: number;
  num_canceled: number;
  canceled_amount: number;
  platforms: string[];
  computed_at: string;
  /** The day was not over when computed (`daily --today`): replaced by the computation after it ends. */
  provisional: boolean;
}

/** What the store-totals aggregation says about one store on one day. */
export interface StoreDayTotals {
  storeId: string;
  /** Counted sales (not canceled, amount_sale > 0). */
  countedSales: number;
  /** Σ amount_sale of the counted sales, in won. */
  totalSale: number;
  /** Platforms of the counted sales. */
  platforms: string[];
  canceledSales: number;
  canceledAmount: number;
}

/** Distinct customers per store for one day, counted from (store, card) buckets. */
export interface StoreCustomers {
  customers: number;
  /** Σ doc_count of the store's buckets: must equal its counted sales. */
  sales: number;
}

/** ⌊total / customers⌋ in whole won (docs/contract.md §5); only defined when there is a customer. */
export function unitPrice(totalSale: number, customers: number): number {
  if (!Number.isSafeInteger(totalSale) || !Number.isSafeInteger(customers) || customers <= 0) {
    throw new RangeError(
      `unit price needs a whole total and at least one customer (total ${totalSale}, customers ${customers})`,
    );
  }
  return Math.floor(totalSale / customers);
}

export function dailyAovId(storeId: string, date: string): string {
  return `${storeId}:${date}`;
}

/**
 * Sums returned by Elasticsearch are doubles. Amounts are whole won, so an exact sum is a
 * whole number below 2^53; anything else means the sum can no longer be trusted to the won.
 */
export function wholeWon(value: number | null | undefined, what: string): number {
  const n = value ?? 0;
  if (Number.isSafeInteger(n)) return n;
  if (Math.abs(n) > MAX_AMOUNT)
    throw new RunFailedError(
      `${what} is ${n}, beyond ±${formatWon(MAX_AMOUNT)} won: Elasticsearch sums amounts as doubles and ` +
        'cannot total it exactly, so it is not written',
      'a sale with an amount near that limit is in the source (a test or garbage row?): find it with ' +
        '`earlypay search sales --min-amount 1000000000000` (and --max-amount -1000000000000), fix or delete ' +
        'the row in MySQL, let ingest copy the change, then re-run',
    );
  throw new RunFailedError(
    `${what} is ${n}, not an exact whole number of won`,
    're-run; if it persists, `earlypay reconcile` on that day shows which sales differ from MySQL',
  );
}

/** Counts distinct customers per store from the (store, card) buckets of one day. */
export class CustomerTally {
  private readonly byStore = new Map<string, StoreCustomers>();

  /** One composite bucket: a distinct (store, card) pair and how many counted sales it has. */
  add(storeId: string, sales: number): void {
    const s = this.byStore.get(storeId);
    if (s) {
      s.customers++;
      s.sales += sales;
    } else this.byStore.set(storeId, { customers: 1, sales });
  }

  get(storeId: string): StoreCustomers | undefined {
    return this.byStore.get(storeId);
  }

  stores(): IterableIterator<string> {
    return this.byStore.keys();
  }
}

export class InconsistentAggregationError extends Error {}

/**
 * The daily documents of one day: a document for every store with at least one counted sale,
 * none for a store whose sales that day were all canceled or non-positive.
 */
export function dailyDocuments(
  date: string,
  totals: Iterable<StoreDayTotals>,
  customers: CustomerTally,
  computedAt: string,
  provisional: boolean,
): DailyAovDocument[] {
  const docs: DailyAovDocument[] = [];
  const seen = new Set<string>();
  for (const t of totals) {
    seen.add(t.storeId);
    const c = customers.get(t.storeId);
    if (t.countedSales === 0) {
      if (c)
        throw new InconsistentAggregationError(
          `store ${t.storeId} on ${date}: ${c.customers} customer(s) but no counted sale`,
        );
      continue;
    }
    if (!c || c.sales !== t.countedSales) {
      throw new InconsistentAggregationError(
        `store ${t.storeId} on ${date}: ${t.countedSales} counted sale(s) but ${c?.sales ?? 0} in the per-card ` +
          `buckets (a counted sale without card_number?)`,
      );
    }
    docs.push({
      store_id: t.storeId,
      date,
      total_sale: t.totalSale,
      num_transactions: t.countedSales,
      num_customers: c.customers,
      unit_price: unitPrice(t.totalSale, c.customers),
      num_canceled: t.canceledSales,
      canceled_amount: t.canceledAmount,
      platforms: [...t.platforms].sort(),
      computed_at: computedAt,
      provisional,
    });
  }
  for (const storeId of customers.stores()) {
    if (!seen.has(storeId))
      throw new InconsistentAggregationError(
        `store ${storeId} on ${date}: customers counted but the store has no totals`,
      );
  }
  return docs;
}
