/**
 * The Elasticsearch side of `reconcile`: per business day (`sale_date`), the count and
 * Σ amount_sale of the sales index — a composite aggregation paged with `after`, so no day
 * and no number of days is ever cut off — and, for a repair, the documents of given days.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { DayRange, DayTotals } from './days';
import { SALE_DAY_SOURCE, nextAfter, type AfterKey } from '../es/composite';

const DAYS_PER_PAGE = 500;

export async function indexDayTotals(es: Client, salesIndex: string, range: DayRange | undefined): Promise<Map<string, DayTotals>> {
  await es.indices.refresh({ index: salesIndex });
  const byDay = new Map<string, DayTotals>();
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
          aggs: { amount: { sum: { field: 'amount_sale' } } },
        },
      },
    });
    const agg = res.aggregations?.days as estypes.AggregationsCompositeAggregate | undefined;
    const buckets = (agg?.buckets ?? []) as (estypes.AggregationsCompositeBucket & { amount: estypes.AggregationsSumAggregate })[];
    for (const b of buckets) {
      const day = String(b.key.day);
      byDay.set(day, { rows: b.doc_count, amount: b.amount.value ?? 0 });
    }
    after = nextAfter({ buckets, after_key: agg?.after_key as AfterKey | undefined }, DAYS_PER_PAGE);
  } while (after);
  return byDay;
}

export interface StoredSaleRef {
  id: string;
  sale_date: string;
  anomaly_rules: string[];
}

/** Every sales document of these days, in pages, sorted by id (search_after on a unique key). */
export async function* salesOfDays(es: Client, salesIndex: string, days: readonly string[], pageSize: number): AsyncGenerator<StoredSaleRef[]> {
  await es.indices.refresh({ index: salesIndex });
  let after: estypes.SortResults | undefined;
  for (;;) {
    const res = await es.search<{ sale_date: string; anomaly_rules?: string[] }>({
      index: salesIndex,
      size: pageSize,
      track_total_hits: false,
      query: { terms: { sale_date: [...days] } },
      sort: [{ id: 'asc' }],
      _source: ['sale_date', 'anomaly_rules'],
      ...(after ? { search_after: after } : {}),
    });
    const hits = res.hits.hits;
    if (hits.length) yield hits.map((h) => ({ id: h._id!, sale_date: h._source!.sale_date, anomaly_rules: h._source!.anomaly_rules ?? [] }));
    if (hits.length < pageSize) return;
    after = hits[hits.length - 1]!.sort;
  }
}
