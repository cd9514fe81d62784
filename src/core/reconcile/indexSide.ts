/**
 * The Elasticsearch side of `reconcile`: per business day (`sale_date`), the count, Σ
 * amount_sale, Σ row_fingerprint and how many documents carry one — a composite aggregation
 * paged with `after`, so no day and no number of days is ever cut off — and, to drill down
 * into a drifting day, that day's documents (id, fingerprint, anomaly rules) in pages.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { DayRange, IndexDayTotals } from './days';
import { SALE_DAY_SOURCE, nextAfter, type AfterKey } from '../es/composite';
import { streamPages } from '../es/pager';

const DAYS_PER_PAGE = 500;

export async function indexDayTotals(
  es: Client,
  salesIndex: string,
  range: DayRange | undefined,
): Promise<Map<string, IndexDayTotals>> {
  await es.indices.refresh({ index: salesIndex });
  const byDay = new Map<string, IndexDayTotals>();
  let after: AfterKey | undefined;
  do {
    const res = await es.search({
      index: salesIndex,
      size: 0,
      track_total_hits: false,
      query: range ? { range: { sale_date: { gte: range.from, lte: range.to } } } : { match_all: {} },
      aggs: {
        days: {
          composite: {
            size: DAYS_PER_PAGE,
            sources: [SALE_DAY_SOURCE],
            ...(after ? { after } : {}),
          },
          aggs: {
            amount: { sum: { field: 'amount_sale' } },
            fingerprint: { sum: { field: 'row_fingerprint' } },
            fingerprinted: { value_count: { field: 'row_fingerprint' } },
          },
        },
      },
    });
    const agg = res.aggregations?.days as estypes.AggregationsCompositeAggregate | undefined;
    type Bucket = estypes.AggregationsCompositeBucket & {
      amount: estypes.AggregationsSumAggregate;
      fingerprint: estypes.AggregationsSumAggregate;
      fingerprinted: estypes.AggregationsValueCountAggregate;
    };
    const buckets = (agg?.buckets ?? []) as Bucket[];
    for (const b of buckets) {
      const day = String(b.key.day);
      byDay.set(day, {
        rows: b.doc_count,
        amount: b.amount.value ?? 0,
        fingerprint: b.fingerprint.value ?? 0,
        fingerprinted: b.fingerprinted.value ?? 0,
      });
    }
    after = nextAfter({ buckets, after_key: agg?.after_key as AfterKey | undefined }, DAYS_PER_PAGE);
  } while (after);
  return byDay;
}

export interface StoredSaleRef {
  id: string;
  sale_date: string;
  anomaly_rules: string[];
  /** Absent on documents written before mapping version 2. */
  row_fingerprint?: number;
}

/**
 * The sales documents matching `query`, in pages, sorted by id (the one pager: a point in time
 * and search_after): the documents of a day to drill down, or those still without a fingerprint.
 */
async function* salesPages(
  es: Client,
  salesIndex: string,
  query: estypes.QueryDslQueryContainer,
  pageSize: number,
): AsyncGenerator<StoredSaleRef[]> {
  await es.indices.refresh({ index: salesIndex });
  const pages = streamPages<Omit<StoredSaleRef, 'id'>>(es, {
    index: salesIndex,
    query,
    sort: [{ id: 'asc' }],
    source: ['sale_date', 'anomaly_rules', 'row_fingerprint'],
    pageSize,
  });
  for await (const hits of pages) {
    yield hits.map((h) => ({
      id: h._id!,
      sale_date: h._source!.sale_date,
      anomaly_rules: h._source!.anomaly_rules ?? [],
      row_fingerprint: h._source!.row_fingerprint,
    }));
  }
}

/** Every sales document of one business day. */
export function salesOfDay(
  es: Client,
  salesIndex: string,
  day: string,
  pageSize: number,
): AsyncGenerator<StoredSaleRef[]> {
  return salesPages(es, salesIndex, { term: { sale_date: day } }, pageSize);
}

/** The sales documents of these days written before row_fingerprint existed. */
export function unfingerprintedSales(
  es: Client,
  salesIndex: string,
  days: readonly string[],
  pageSize: number,
): AsyncGenerator<StoredSaleRef[]> {
  return salesPages(
    es,
    salesIndex,
    { bool: { filter: [{ terms: { sale_date: [...days] } }], must_not: [{ exists: { field: 'row_fingerprint' } }] } },
    pageSize,
  );
}
