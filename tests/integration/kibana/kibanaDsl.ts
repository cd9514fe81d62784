/**
 * The request Kibana (7.17 to 9.x) sends for a legacy visualization, built from its saved
 * visState the way Kibana builds it, so the tests see what the chart shows:
 * - data plugin, common/search/aggs/agg_configs.ts `toDsl`: the request aggs are the bucket
 *   aggregations in array order, then the metrics (`getRequestAggs` sorts metrics last, a
 *   stable sort); each one nests under the previous bucket, so the metrics land under the
 *   deepest bucket and the first bucket in the array is the outermost.
 * - common/search/aggs/buckets/_terms_order_helper.ts: a terms aggregation ordered by a metric
 *   gets that metric as its own sub-aggregation and `order: {<metric id>: dir}`; ordered by a
 *   count metric, `order: {_count: dir}`.
 * - date_histogram with interval `d`: `calendar_interval: 1d`; `auto` is scaled from the time
 *   range by Kibana (histogram:barTarget): the caller gives the interval it wants for its data.
 */

export interface VisAgg {
  id: string;
  type: string;
  schema: string;
  enabled?: boolean;
  params: { field?: string; size?: number; interval?: string; orderBy?: string; order?: string };
}

export interface VisState {
  title: string;
  type: string;
  aggs: VisAgg[];
}

const BUCKET_SCHEMAS = new Set(['segment', 'group', 'split', 'bucket']);

function metricDsl(agg: VisAgg): Record<string, unknown> | undefined {
  return agg.type === 'count' ? undefined : { [agg.type]: { field: agg.params.field } };
}

function bucketDsl(agg: VisAgg, metrics: VisAgg[], opts: { autoInterval: string; timeZone: string }) {
  if (agg.type === 'date_histogram') {
    const interval = agg.params.interval === 'auto' ? opts.autoInterval : agg.params.interval;
    const calendar = interval === 'd' ? { calendar_interval: '1d' } : { fixed_interval: interval };
    return { date_histogram: { field: agg.params.field, ...calendar, time_zone: opts.timeZone, min_doc_count: 1 } };
  }
  if (agg.type === 'terms') {
    const orderAgg = metrics.find((m) => m.id === agg.params.orderBy);
    const dir = agg.params.order ?? 'desc';
    const orderDsl = orderAgg ? metricDsl(orderAgg) : undefined;
    return {
      terms: {
        field: agg.params.field,
        size: agg.params.size,
        order: orderDsl ? { [orderAgg!.id]: dir } : { _count: dir },
      },
      ...(orderDsl ? { aggs: { [orderAgg!.id]: orderDsl } } : {}),
    };
  }
  throw new Error(`bucket aggregation ${agg.type} is not modelled here`);
}

/** The `aggs` of Kibana's request for this visState. */
export function kibanaAggs(
  vis: VisState,
  opts: { autoInterval?: string; timeZone?: string } = {},
): Record<string, Record<string, unknown>> {
  const o = { autoInterval: opts.autoInterval ?? '1d', timeZone: opts.timeZone ?? 'Asia/Seoul' };
  const enabled = vis.aggs.filter((a) => a.enabled !== false);
  const buckets = enabled.filter((a) => BUCKET_SCHEMAS.has(a.schema));
  const metrics = enabled.filter((a) => !BUCKET_SCHEMAS.has(a.schema));
  const top: Record<string, Record<string, unknown>> = {};
  let level = top;
  for (const b of buckets) {
    const dsl: Record<string, unknown> = bucketDsl(b, metrics, o);
    level[b.id] = dsl;
    dsl.aggs ??= {};
    level = dsl.aggs as Record<string, Record<string, unknown>>;
  }
  for (const m of metrics) {
    const dsl = metricDsl(m);
    if (dsl) level[m.id] = dsl;
  }
  return top;
}

interface Bucket {
  key: unknown;
  key_as_string?: string;
  doc_count: number;
  [sub: string]: unknown;
}

/** The chart's points as Kibana tabifies them: one row per leaf bucket, keyed by each bucket agg. */
export function chartRows(vis: VisState, aggregations: Record<string, unknown>): Record<string, unknown>[] {
  const buckets = vis.aggs.filter((a) => a.enabled !== false && BUCKET_SCHEMAS.has(a.schema));
  const rows: Record<string, unknown>[] = [];
  const walk = (level: Record<string, unknown>, depth: number, row: Record<string, unknown>): void => {
    if (depth === buckets.length) {
      rows.push(row);
      return;
    }
    const agg = buckets[depth]!;
    for (const b of (level[agg.id] as { buckets: Bucket[] }).buckets) {
      walk(b, depth + 1, { ...row, [agg.type]: b.key_as_string ?? b.key });
    }
  };
  walk(aggregations, 0, {});
  return rows;
}
