/**
 * Paging composite aggregations: each page continues from the previous page's `after_key`,
 * so no number of buckets (stores, customers, days) is ever cut off.
 */
import type { estypes } from '@elastic/elasticsearch';

export type AfterKey = Record<string, string | number | null>;

/** The after_key to continue from, or undefined on the last page. */
export function nextAfter(
  agg: { buckets?: unknown[]; after_key?: AfterKey } | undefined,
  pageSize: number,
): AfterKey | undefined {
  if (!agg?.after_key || !agg.buckets || agg.buckets.length < pageSize) return undefined;
  return agg.after_key;
}

/** A composite source `day` bucketing sales by business day (`sale_date`). */
export const SALE_DAY_SOURCE: Record<string, estypes.AggregationsCompositeAggregationSource> = {
  day: { date_histogram: { field: 'sale_date', calendar_interval: '1d', format: 'yyyy-MM-dd' } },
};
