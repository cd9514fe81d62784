/**
 * What `earlypay report` shows, read from Elasticsearch (and MySQL for the copy's lag): the
 * period's totals from the daily AOV documents, each store's AOV, each store's weekly AOV over
 * the eight windows ending on the period's last day, counted sales per platform, anomalies by
 * rule with the open ones, reconcile's last verdict, the ingest lag and the dead letters.
 * Sums come from aggregations (composite, paged), never from pulling documents.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { Pool } from 'mysql2/promise';
import type { IndexNames } from '../config/indexNames';
import { nextAfter, type AfterKey } from '../es/composite';
import { buildAnomalySearch } from '../search/anomalyQuery';
import { dayRange, keywordIn } from '../search/salesQuery';
import { lastRuns } from '../runs/runRecord';
import { StateStore } from '../state/store';
import { sourceBacklog, BACKLOG_COUNT_CAP } from '../inspect/source';
import { shiftDay, toWallClock } from '../time/businessDay';

export interface StoreFigures {
  store_id: string;
  total_sale: number;
  num_transactions: number;
  /** Σ of the daily distinct customers (a customer counts once per day, as in the weekly AOV). */
  num_customers: number;
  /** ⌊total_sale / num_customers⌋, the AOV of the period. */
  unit_price: number;
  days_with_sales: number;
}

export interface ReportData {
  from: string;
  to: string;
  stores_filter: string[] | null;
  generated_at: string;
  /** `unit_price` is null when the period has no counted sale. */
  totals: Omit<StoreFigures, 'store_id' | 'days_with_sales' | 'unit_price'> & {
    stores: number;
    unit_price: number | null;
  };
  stores: StoreFigures[];
  aov: { best: StoreFigures | null; worst: StoreFigures | null; spread: number | null };
  /** The eight windows ending on `to`, `to`−7, … (oldest first) and each store's weekly AOV there. */
  weekly: { ends: string[]; stores: { store_id: string; unit_price: (number | null)[] }[] };
  platforms: { platform: string; count: number; amount: number }[];
  anomalies: {
    by_rule: { rule: string; total: number; open: number }[];
    open_total: number;
    open: Record<string, unknown>[];
  };
  reconcile: { status: string; outcome: string | null; started_at: string; exit_code: number | null } | null;
  lag: {
    checkpoint_modified: string | null;
    checkpoint_saved_at: string | null;
    source_latest: string | null;
    rows_waiting: number | null;
    rows_waiting_capped: boolean;
  };
  dead_letters: { total: number; latest: { source_id: unknown; reason: unknown; last_seen: unknown }[] };
}

export interface ReportInput {
  from: string;
  to: string;
  stores?: string[];
  /** Open anomalies listed (the count says how many there are in all). */
  openLimit?: number;
}

export interface ReportDeps {
  es: Client;
  mysql: Pool;
  names: IndexNames;
  table: string;
  /** The zone the source DATETIMEs are written in: rows modified up to now wait for ingest. */
  sourceTz: string;
  now: Date;
}

const PAGE = 1_000;
/** Windows in the weekly trend. */
export const TREND_WEEKS = 8;

function filterOf(...clauses: (estypes.QueryDslQueryContainer | undefined)[]): estypes.QueryDslQueryContainer {
  const filter = clauses.filter((c): c is estypes.QueryDslQueryContainer => c !== undefined);
  return filter.length ? { bool: { filter } } : { match_all: {} };
}

async function composite<B>(
  es: Client,
  index: string,
  query: estypes.QueryDslQueryContainer,
  sources: Record<string, estypes.AggregationsCompositeAggregationSource>[],
  aggs: Record<string, estypes.AggregationsAggregationContainer>,
): Promise<B[]> {
  const out: B[] = [];
  let after: AfterKey | undefined;
  do {
    const res = await es.search({
      index,
      size: 0,
      query,
      aggs: { page: { composite: { size: PAGE, sources, ...(after ? { after } : {}) }, aggs } },
    });
    const page = res.aggregations?.page as { buckets: B[]; after_key?: AfterKey } | undefined;
    out.push(...(page?.buckets ?? []));
    after = nextAfter(page as never, PAGE);
  } while (after);
  return out;
}

type SumBucket = { key: { store: string }; doc_count: number } & Record<string, { value: number | null }>;

async function storeFigures(deps: ReportDeps, input: ReportInput): Promise<StoreFigures[]> {
  const query = filterOf(
    input.stores?.length ? keywordIn('store_id', input.stores) : undefined,
    dayRange('date', input.from, input.to),
  );
  const buckets = await composite<SumBucket>(
    deps.es,
    deps.names.dailyAov,
    query,
    [{ store: { terms: { field: 'store_id' } } }],
    {
      total: { sum: { field: 'total_sale' } },
      transactions: { sum: { field: 'num_transactions' } },
      customers: { sum: { field: 'num_customers' } },
    },
  );
  return buckets.map((b) => {
    const total = b.total!.value ?? 0;
    const customers = b.customers!.value ?? 0;
    return {
      store_id: b.key.store,
      total_sale: total,
      num_transactions: b.transactions!.value ?? 0,
      num_customers: customers,
      unit_price: customers > 0 ? Math.floor(total / customers) : 0,
      days_with_sales: b.doc_count,
    };
  });
}

async function weeklyTrend(deps: ReportDeps, input: ReportInput, stores: string[]): Promise<ReportData['weekly']> {
  const ends = Array.from({ length: TREND_WEEKS }, (_, i) => shiftDay(input.to, -7 * (TREND_WEEKS - 1 - i)));
  const buckets = await composite<{ key: { store: string; end: string }; price: { value: number | null } }>(
    deps.es,
    deps.names.weeklyAov,
    filterOf(input.stores?.length ? keywordIn('store_id', input.stores) : undefined, keywordIn('end_date', ends)),
    [
      { store: { terms: { field: 'store_id' } } },
      { end: { date_histogram: { field: 'end_date', calendar_interval: '1d', format: 'yyyy-MM-dd' } } },
    ],
    { price: { max: { field: 'unit_price' } } },
  );
  return trendRows(
    ends,
    stores,
    buckets.map((b) => ({ store: b.key.store, end: b.key.end, price: b.price.value })),
  );
}

/** Store ids compare as the numbers they are: 9 before 10 (the buckets come in keyword order). */
const byStoreId = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/**
 * The trend's table: the period's stores in the order given, then the stores that have weekly
 * documents in the windows but no sales in the period, by id; null where a window has none.
 */
export function trendRows(
  ends: string[],
  stores: string[],
  points: { store: string; end: string; price: number | null }[],
): ReportData['weekly'] {
  const others = [...new Set(points.map((p) => p.store))].filter((s) => !stores.includes(s)).sort(byStoreId);
  const byStore = new Map<string, (number | null)[]>([...stores, ...others].map((s) => [s, ends.map(() => null)]));
  for (const p of points) byStore.get(p.store)![ends.indexOf(p.end)] = p.price;
  return { ends, stores: [...byStore].map(([store_id, unit_price]) => ({ store_id, unit_price })) };
}

/** Stores by sales, highest first; the best and worst AOV (ties go to the lower id first). */
export function rankStores(stores: StoreFigures[]): { stores: StoreFigures[]; aov: ReportData['aov'] } {
  const bySales = [...stores].sort((a, b) => b.total_sale - a.total_sale || byStoreId(a.store_id, b.store_id));
  const byAov = [...stores].sort((a, b) => b.unit_price - a.unit_price || byStoreId(a.store_id, b.store_id));
  const best = byAov[0] ?? null;
  const worst = byAov.at(-1) ?? null;
  return { stores: bySales, aov: { best, worst, spread: best && worst ? best.unit_price - worst.unit_price : null } };
}

async function platformFigures(deps: ReportDeps, input: ReportInput): Promise<ReportData['platforms']> {
  const buckets = await composite<{ key: { platform: string | null }; doc_count: number; amount: { value: number } }>(
    deps.es,
    deps.names.sales,
    filterOf(
      { term: { counted: true } },
      input.stores?.length ? keywordIn('store_id', input.stores) : undefined,
      dayRange('sale_date', input.from, input.to),
    ),
    [{ platform: { terms: { field: 'platform', missing_bucket: true } } }],
    { amount: { sum: { field: 'amount_sale' } } },
  );
  return buckets
    .map((b) => ({ platform: b.key.platform ?? '(none)', count: b.doc_count, amount: b.amount.value }))
    .sort((a, b) => b.count - a.count || a.platform.localeCompare(b.platform));
}

async function anomalyFigures(deps: ReportDeps, input: ReportInput): Promise<ReportData['anomalies']> {
  const all = buildAnomalySearch({ from: input.from, to: input.to, stores: input.stores, status: 'all' });
  const rules = await composite<{ key: { rule: string }; doc_count: number; open: { doc_count: number } }>(
    deps.es,
    deps.names.anomalies,
    all.query,
    [{ rule: { terms: { field: 'rule' } } }],
    { open: { filter: { term: { status: 'open' } } } },
  );
  const open = buildAnomalySearch({ from: input.from, to: input.to, stores: input.stores, status: 'open' });
  const res = await deps.es.search<Record<string, unknown>>({
    index: deps.names.anomalies,
    query: open.query,
    sort: open.sort,
    size: input.openLimit ?? 50,
    track_total_hits: true,
    _source: ['sale_id', 'rule', 'store_id', 'sale_date', 'sold_at', 'amount_sale', 'reason'],
  });
  const total = res.hits.total;
  return {
    by_rule: rules.map((b) => ({ rule: b.key.rule, total: b.doc_count, open: b.open.doc_count })),
    open_total: typeof total === 'number' ? total : (total?.value ?? 0),
    open: res.hits.hits.map((h) => h._source ?? {}),
  };
}

async function lastReconcile(deps: ReportDeps): Promise<ReportData['reconcile']> {
  const run = (await lastRuns(deps.es, deps.names.runs)).find((r) => r.command === 'reconcile');
  if (!run) return null;
  const outcome = run.counts?.outcome;
  return {
    status: run.status,
    outcome: typeof outcome === 'string' ? outcome : null,
    started_at: run.started_at,
    exit_code: run.exit_code ?? null,
  };
}

async function copyLag(deps: ReportDeps): Promise<ReportData['lag']> {
  const checkpoint = await new StateStore(deps.es, deps.names.state).readCheckpoint(deps.table);
  if (!checkpoint) {
    return {
      checkpoint_modified: null,
      checkpoint_saved_at: null,
      source_latest: null,
      rows_waiting: null,
      rows_waiting_capped: false,
    };
  }
  const { latest, pending } = await sourceBacklog(
    deps.mysql,
    deps.table,
    checkpoint,
    toWallClock(deps.now, deps.sourceTz),
  );
  return {
    checkpoint_modified: checkpoint.modified,
    checkpoint_saved_at: checkpoint.updatedAt,
    source_latest: latest == null ? null : String(latest),
    rows_waiting: Math.min(pending, BACKLOG_COUNT_CAP),
    rows_waiting_capped: pending > BACKLOG_COUNT_CAP,
  };
}

async function deadLetters(deps: ReportDeps): Promise<ReportData['dead_letters']> {
  const res = await deps.es.search<{ source_id: unknown; reason: unknown; last_seen: unknown }>({
    index: deps.names.deadletter,
    size: 10,
    track_total_hits: true,
    sort: [{ last_seen: { order: 'desc' } }],
    _source: ['source_id', 'reason', 'last_seen'],
  });
  const total = res.hits.total;
  return {
    total: typeof total === 'number' ? total : (total?.value ?? 0),
    latest: res.hits.hits.map((h) => h._source!),
  };
}

/** Everything the report shows, for the period and stores asked. */
export async function buildReport(deps: ReportDeps, input: ReportInput): Promise<ReportData> {
  const [figures, platforms, anomalies, reconcile, lag, dead] = await Promise.all([
    storeFigures(deps, input),
    platformFigures(deps, input),
    anomalyFigures(deps, input),
    lastReconcile(deps),
    copyLag(deps),
    deadLetters(deps),
  ]);
  const { stores, aov } = rankStores(figures);
  const sum = (k: 'total_sale' | 'num_transactions' | 'num_customers'): number => stores.reduce((n, s) => n + s[k], 0);
  const totalSale = sum('total_sale');
  const customers = sum('num_customers');
  const weekly = await weeklyTrend(
    deps,
    input,
    stores.map((s) => s.store_id),
  );
  return {
    from: input.from,
    to: input.to,
    stores_filter: input.stores?.length ? input.stores : null,
    generated_at: deps.now.toISOString(),
    totals: {
      stores: stores.length,
      total_sale: totalSale,
      num_transactions: sum('num_transactions'),
      num_customers: customers,
      // No customer, no AOV: a page that said 0 won would read as a real figure.
      unit_price: customers > 0 ? Math.floor(totalSale / customers) : null,
    },
    stores,
    aov,
    weekly,
    platforms,
    anomalies,
    reconcile,
    lag,
    dead_letters: dead,
  };
}
