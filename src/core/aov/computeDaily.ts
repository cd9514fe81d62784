/**
 * `daily`: the daily AOV documents of a set of business days, computed by Elasticsearch
 * aggregations over the sales index and written with `_id` `<store_id>:<date>`.
 *
 *   snapshot   a point in time over the sales, so every aggregation of the run sees the same
 *              data even while an ingest writes (what it changes is marked for the next run)
 *   days       which of the days have any sale (one day histogram): a backfill over years
 *              skips the empty ones, which only need the sweep
 *   per day    store totals (composite over store_id), then distinct customers (composite
 *              over (store_id, card_number), in slices of stores), folded into documents
 *   sink       the bulk helper, as the days complete (a few days in flight)
 *   sweep      documents of those days this run did not rewrite are deleted
 *
 * Nothing but aggregation buckets reaches the client; memory is bounded by one page per day
 * in flight plus the stores of those days.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { BulkOp } from '../es/bulkWrite';
import { nextAfter, type AfterKey } from '../es/composite';
import { RunFailedError } from '../errors';
import {
  CustomerTally,
  InconsistentAggregationError,
  dailyAovId,
  dailyDocuments,
  type DailyAovDocument,
  type StoreDayTotals,
} from './dailyAov';
import {
  CUSTOMERS_FILTER_PATH,
  CUSTOMER_PAGE,
  DAYS_PAGE,
  TOTALS_PAGE,
  customerSlices,
  customersRequest,
  daysFilters,
  salesPerDayRequest,
  storeTotalsOf,
  storeTotalsRequest,
  type StoreTotalsBucket,
} from './queries';
import { replaceDocumentsOfDays } from './replaceDays';
import { mapInOrder } from '../concurrency';

export interface DailyDeps {
  client: Client;
  salesIndex: string;
  dailyIndex: string;
  /** The run's timestamp, written as `computed_at` on every document. */
  computedAt: string;
  /** Today's business day: the documents of a day from it on are provisional (the day is not over). */
  today: string;
  /** Days computed at once (each is a few sequential requests). */
  concurrency?: number;
  /** After each day: sales aggregated so far (all sales of the finished days), out of the total. */
  onProgress?: (salesDone: number, salesTotal: number) => void;
}

export interface DailyResult {
  days: number;
  /** Distinct stores with at least one daily document written. */
  stores: number;
  written: number;
  removed: number;
  /** Every sale of those days (counted or not) the aggregations went through. */
  sales: number;
  counted_sales: number;
  /** Days without any sale: nothing to aggregate, only stale documents to remove. */
  days_without_sales: number;
  /** Documents written for a day not over yet. */
  provisional_documents: number;
}

/** Keeps one point in time alive across concurrent requests (its id may change per response). */
class Snapshot {
  constructor(
    private readonly client: Client,
    public id: string,
  ) {}

  static async open(client: Client, index: string): Promise<Snapshot> {
    const pit = await client.openPointInTime({ index, keep_alive: '2m' });
    return new Snapshot(client, pit.id);
  }

  async search<T = unknown>(
    body: estypes.SearchRequest,
    filterPath?: string[],
  ): Promise<estypes.SearchResponse<unknown, T>> {
    const res = await this.client.search<unknown, T>({
      ...body,
      pit: { id: this.id, keep_alive: '2m' },
      ...(filterPath ? { filter_path: filterPath } : {}),
    });
    if (res.pit_id) this.id = res.pit_id;
    return res;
  }

  async close(): Promise<void> {
    await this.client.closePointInTime({ id: this.id }).catch(() => undefined);
  }
}

interface DayOutcome {
  day: string;
  docs: DailyAovDocument[];
  sales: number;
}

/** How many sales each of `days` has (days without any are absent): a long backfill skips empty days. */
async function salesPerDay(snapshot: Snapshot, days: readonly string[]): Promise<Map<string, number>> {
  const perDay = new Map<string, number>();
  for (const filter of daysFilters('sale_date', days)) {
    let after: AfterKey | undefined;
    do {
      const res = await snapshot.search<{
        days: { buckets: { key: { day: string }; doc_count: number }[]; after_key?: AfterKey };
      }>(salesPerDayRequest(filter, after));
      const agg = res.aggregations?.days;
      for (const b of agg?.buckets ?? []) perDay.set(b.key.day, b.doc_count);
      after = nextAfter(agg, DAYS_PAGE);
    } while (after);
  }
  return perDay;
}

async function storeTotals(snapshot: Snapshot, day: string): Promise<{ totals: StoreDayTotals[]; sales: number }> {
  const totals: StoreDayTotals[] = [];
  let sales = 0;
  let after: AfterKey | undefined;
  do {
    const res = await snapshot.search<{ stores: { buckets: StoreTotalsBucket[]; after_key?: AfterKey } }>(
      storeTotalsRequest(day, after),
    );
    const agg = res.aggregations?.stores;
    for (const b of agg?.buckets ?? []) {
      totals.push(storeTotalsOf(b, day));
      sales += b.doc_count;
    }
    after = nextAfter(agg, TOTALS_PAGE);
  } while (after);
  return { totals, sales };
}

async function countCustomers(
  snapshot: Snapshot,
  day: string,
  storeIds: string[],
  tally: CustomerTally,
): Promise<void> {
  let after: AfterKey | undefined;
  do {
    const res = await snapshot.search<{
      customers?: { buckets?: { key: { store: string }; doc_count: number }[]; after_key?: AfterKey };
    }>(customersRequest(day, storeIds, after), CUSTOMERS_FILTER_PATH);
    const agg = res.aggregations?.customers;
    for (const b of agg?.buckets ?? []) tally.add(String(b.key.store), b.doc_count);
    after = nextAfter(agg, CUSTOMER_PAGE);
  } while (after);
}

async function computeDay(snapshot: Snapshot, day: string, computedAt: string, today: string): Promise<DayOutcome> {
  const { totals, sales } = await storeTotals(snapshot, day);
  const tally = new CustomerTally();
  for (const slice of customerSlices(totals)) await countCustomers(snapshot, day, slice, tally);
  try {
    return { day, docs: dailyDocuments(day, totals, tally, computedAt, day >= today), sales };
  } catch (err) {
    if (err instanceof InconsistentAggregationError)
      throw new RunFailedError(
        `daily AOV aggregations disagree: ${err.message}`,
        'check the sales documents of that day (`earlypay search sales --from D --to D --store S`)',
      );
    throw err;
  }
}

/** Computes and writes the daily documents of `days` (ascending, distinct), then removes stale ones. */
export async function computeDailyAov(deps: DailyDeps, days: readonly string[]): Promise<DailyResult> {
  const { client } = deps;
  const result: DailyResult = {
    days: days.length,
    stores: 0,
    written: 0,
    removed: 0,
    sales: 0,
    counted_sales: 0,
    days_without_sales: 0,
    provisional_documents: 0,
  };
  if (days.length === 0) return result;
  await client.indices.refresh({ index: deps.salesIndex });
  const snapshot = await Snapshot.open(client, deps.salesIndex);
  const stores = new Set<string>();
  try {
    const perDay = await salesPerDay(snapshot, days);
    const total = [...perDay.values()].reduce((a, b) => a + b, 0);
    const daysWithSales = days.filter((d) => perDay.has(d));
    result.days_without_sales = days.length - daysWithSales.length;
    deps.onProgress?.(0, total);
    async function* ops(): AsyncGenerator<BulkOp> {
      for await (const outcome of mapInOrder(daysWithSales, deps.concurrency ?? 2, (day) =>
        computeDay(snapshot, day, deps.computedAt, deps.today),
      )) {
        result.sales += outcome.sales;
        for (const doc of outcome.docs) {
          result.counted_sales += doc.num_transactions;
          if (doc.provisional) result.provisional_documents++;
          stores.add(doc.store_id);
          yield { kind: 'index', index: deps.dailyIndex, id: dailyAovId(doc.store_id, doc.date), doc };
        }
        deps.onProgress?.(result.sales, total);
      }
    }
    const replaced = await replaceDocumentsOfDays(
      client,
      { index: deps.dailyIndex, dayField: 'date', job: 'daily' },
      days,
      deps.computedAt,
      ops(),
    );
    result.written = replaced.written;
    result.removed = replaced.removed;
  } finally {
    await snapshot.close();
  }
  result.stores = stores.size;
  return result;
}
