/**
 * REPEATED_AMOUNT is a rule over groups of sales (same store, card, business day, amount,
 * ordered by sold_at then id), so a late or canceled sale can change the flags of others.
 * `settleRepeatedAmounts` makes the flags of the given days exact: it finds every group that
 * has, or should have, a flag, ranks it, and writes only the differences (anomaly documents
 * and the sales' `anomaly_rules`), never overwriting a newer version of a sale.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { IndexNames } from '../config/indexNames';
import { writeBulk, type BulkOp } from '../es/bulkWrite';
import { streamHits, type StreamOptions } from '../es/pager';
import { LONG_SALE_FIELDS, repeatKeyOf, type SaleDocument } from '../sales/saleDocument';
import { withRewrittenSales, type SaleRewrite } from './rewrittenSales';
import { anomalyDeleteOp, anomalyUpsert, anomalyUpsertOp, rankRepeatedAmounts } from './rules';
import { contiguousRuns } from '../time/businessDay';
import { nextAfter, type AfterKey } from '../es/composite';

const RULE = 'REPEATED_AMOUNT';
const PAGE = 5_000;

export interface StoredSale {
  source: SaleDocument;
  version: number;
}

/** Every hit of a query, through the one pager (a point in time and search_after). */
function searchAll<T>(
  client: Client,
  index: string,
  query: estypes.QueryDslQueryContainer,
  sort: estypes.SortCombinations[],
  extra: Pick<StreamOptions, 'source' | 'version'> = {},
): AsyncGenerator<estypes.SearchHit<T>> {
  return streamHits<T>(client, { index, query, sort, pageSize: PAGE, ...extra });
}

/** All sales (counted or not) of the given repeat keys, with their versions. */
export async function fetchRepeatGroups(
  client: Client,
  salesIndex: string,
  keys: string[],
): Promise<Map<string, StoredSale[]>> {
  const groups = new Map<string, StoredSale[]>();
  for (let i = 0; i < keys.length; i += 1_000) {
    const chunk = keys.slice(i, i + 1_000);
    for await (const hit of searchAll<SaleDocument>(
      client,
      salesIndex,
      { terms: { repeat_key: chunk } },
      [{ repeat_key: 'asc' }, { id: 'asc' }],
      // The ranking reads none of the long fields; a member rewritten gets them (rewrittenSales.ts).
      { version: true, source: { excludes: [...LONG_SALE_FIELDS] } },
    )) {
      const sale = hit._source!;
      const list = groups.get(sale.repeat_key) ?? [];
      list.push({ source: sale, version: hit._version! });
      groups.set(sale.repeat_key, list);
    }
  }
  return groups;
}

/** Ranges per request: far below Elasticsearch's maxClauseCount (16,384 here; 1,024 on old or small nodes). */
const RUNS_PER_QUERY = 256;

/**
 * Filters on a set of business days, one range per run of consecutive days, in as many
 * queries as needed: a clause per day (a `terms` on a date field is one) made a scan over
 * 2000..2099 fail with maxClauseCount.
 */
export function dayFilters(field: string, days: readonly string[]): estypes.QueryDslQueryContainer[] {
  const runs = contiguousRuns([...days].sort());
  const filters: estypes.QueryDslQueryContainer[] = [];
  for (let i = 0; i < runs.length; i += RUNS_PER_QUERY) {
    const ranges = runs
      .slice(i, i + RUNS_PER_QUERY)
      .map((r) => ({ range: { [field]: { gte: r.from, lte: r.to, format: 'yyyy-MM-dd' } } }));
    filters.push(ranges.length === 1 ? ranges[0]! : { bool: { should: ranges, minimum_should_match: 1 } });
  }
  return filters;
}

/** The days among `days` that have a counted sale: a wide range is mostly empty, and each chunk below is a request. */
async function daysWithCountedSales(client: Client, salesIndex: string, days: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const filter of dayFilters('sale_date', days)) {
    const res = await client.search({
      index: salesIndex,
      size: 0,
      query: { bool: { filter: [filter, { term: { counted: true } }] } },
      // At most 36,525 days (2000..2099), below search.max_buckets.
      aggs: { days: { terms: { field: 'sale_date', size: 40_000, format: 'yyyy-MM-dd', order: { _key: 'asc' } } } },
    });
    const buckets = (res.aggregations!.days as estypes.AggregationsStringTermsAggregate)
      .buckets as estypes.AggregationsStringTermsBucket[];
    for (const b of buckets) found.push(String(b.key_as_string ?? b.key));
  }
  return found.sort();
}

/** Groups a terms aggregation may return in one response (those with enough sales to flag anything). */
const GROUPS_PER_QUERY = 50_000;
/** Repeat keys a page of the composite aggregation (one business day read key by key) carries. */
const KEYS_PER_PAGE = 10_000;

/** The counted sales that `dayFilter` (one of dayFilters') keeps. */
function countedOn(dayFilter: estypes.QueryDslQueryContainer): estypes.QueryDslQueryContainer {
  return { bool: { filter: [dayFilter, { term: { counted: true } }] } };
}

/**
 * The repeat keys of a day with at least `from` counted sales, read key by key (a composite
 * aggregation, exact whatever the shards and the number of keys): the way for a day whose
 * groups the terms aggregation below cannot return exactly.
 */
async function repeatedKeysOfDay(
  client: Client,
  salesIndex: string,
  day: string,
  from: number,
  keys: Set<string>,
): Promise<void> {
  let after: AfterKey | undefined;
  do {
    const res = await client.search({
      index: salesIndex,
      size: 0,
      track_total_hits: false,
      query: countedOn(dayFilters('sale_date', [day])[0]!),
      aggs: {
        keys: {
          composite: {
            size: KEYS_PER_PAGE,
            sources: [{ key: { terms: { field: 'repeat_key' } } }],
            ...(after ? { after } : {}),
          },
        },
      },
    });
    const agg = res.aggregations?.keys as estypes.AggregationsCompositeAggregate | undefined;
    const buckets = (agg?.buckets ?? []) as estypes.AggregationsCompositeBucket[];
    for (const b of buckets) if (b.doc_count >= from) keys.add(String(b.key.key));
    after = nextAfter({ buckets, after_key: agg?.after_key as AfterKey | undefined }, KEYS_PER_PAGE);
  } while (after);
}

/**
 * The repeat keys of every group that has, or may have lost, a REPEATED_AMOUNT flag on these
 * days. Groups with enough sales come from terms aggregations over as many days at once as one
 * can answer exactly: each costs about the same whatever its days (it walks every repeat_key of
 * the index), so a 60-day backfill is one request, not one a week. A request's answer is used
 * only when it is exact: fewer groups than it may return, and no shard that cut its list short
 * (`doc_count_error_upper_bound` 0; on an index of several shards a group's sales are spread
 * over them, and a shard holding more keys than its `shard_size` leaves out keys it holds once,
 * so a group split 1 + 2 went unseen). Otherwise the days are halved, down to a single day,
 * which is read key by key (repeatedKeysOfDay). With `known` (SettleDeps.candidates) those keys
 * stand for the aggregations.
 */
async function candidateKeys(
  client: Client,
  names: IndexNames,
  days: string[],
  from: number,
  groupsPerQuery: number,
  known?: ReadonlySet<string>,
): Promise<Set<string>> {
  const keys = new Set<string>(known);
  const withSales = known ? [] : await daysWithCountedSales(client, names.sales, days);
  const queue = withSales.length ? [withSales] : [];
  while (queue.length) {
    const chunk = queue.shift()!;
    const halve = (): void => {
      const mid = Math.ceil(chunk.length / 2);
      queue.unshift(chunk.slice(0, mid), chunk.slice(mid));
    };
    // Days that take more than one query's ranges are halved first.
    const filters = dayFilters('sale_date', chunk);
    if (filters.length > 1) {
      halve();
      continue;
    }
    const res = await client.search({
      index: names.sales,
      size: 0,
      track_total_hits: false,
      query: countedOn(filters[0]!),
      aggs: { keys: { terms: { field: 'repeat_key', min_doc_count: from, size: groupsPerQuery } } },
    });
    const agg = res.aggregations?.keys as estypes.AggregationsStringTermsAggregate;
    const buckets = agg.buckets as estypes.AggregationsStringTermsBucket[];
    if (buckets.length < groupsPerQuery && (agg.doc_count_error_upper_bound ?? 0) === 0) {
      for (const b of buckets) keys.add(String(b.key));
    } else if (chunk.length > 1) {
      halve();
    } else {
      await repeatedKeysOfDay(client, names.sales, chunk[0]!, from, keys);
    }
  }
  // Groups flagged now, which may no longer deserve it.
  for (const dayFilter of dayFilters('sale_date', days)) {
    for await (const hit of searchAll<{ repeat_key: string }>(
      client,
      names.sales,
      { bool: { filter: [dayFilter, { term: { anomaly_rules: RULE } }] } },
      [{ id: 'asc' }],
      { source: ['repeat_key'] },
    )) {
      keys.add(hit._source!.repeat_key);
    }
    for await (const hit of searchAll<{
      store_id: string;
      card_number: string;
      sale_date: string;
      amount_sale: number;
    }>(client, names.anomalies, { bool: { filter: [dayFilter, { term: { rule: RULE } }] } }, [{ sale_id: 'asc' }], {
      source: ['store_id', 'card_number', 'sale_date', 'amount_sale'],
    })) {
      const a = hit._source!;
      keys.add(repeatKeyOf(a.store_id, a.card_number, a.sale_date, a.amount_sale));
    }
  }
  return keys;
}

export interface SettleResult {
  groups: number;
  flagged: number;
  newlyFlagged: number;
  unflagged: number;
}

export interface SettleDeps {
  client: Client;
  names: IndexNames;
  repeatedAmountFrom: number;
  now: () => Date;
  /**
   * Groups one terms aggregation may return (GROUPS_PER_QUERY): lowered by tests, to reach the other ways at a small
   * scale.
   */
  groupsPerQuery?: number;
  /**
   * Every repeat key on these days with `repeatedAmountFrom` counted sales or more is among these
   * (RepeatCandidates, after a load into an empty sales index): they are looked up instead of
   * aggregated. Groups flagged now are found as always.
   */
  candidates?: ReadonlySet<string>;
}

/** Makes REPEATED_AMOUNT exact for these business days. */
export async function settleRepeatedAmounts(deps: SettleDeps, days: string[]): Promise<SettleResult> {
  const { client, names } = deps;
  const result: SettleResult = { groups: 0, flagged: 0, newlyFlagged: 0, unflagged: 0 };
  if (days.length === 0) return result;
  await client.indices.refresh({ index: [names.sales, names.anomalies] });
  const keys = [
    ...(await candidateKeys(
      client,
      names,
      days,
      deps.repeatedAmountFrom,
      deps.groupsPerQuery ?? GROUPS_PER_QUERY,
      deps.candidates,
    )),
  ];
  for (let i = 0; i < keys.length; i += 1_000) {
    const chunk = keys.slice(i, i + 1_000);
    const groups = await fetchRepeatGroups(client, names.sales, chunk);
    const memberIds = [...groups.values()].flat().map((m) => m.source.id);
    const existingDocs = new Set<string>();
    for (let j = 0; j < memberIds.length; j += 10_000) {
      for await (const hit of searchAll<{ sale_id: string }>(
        client,
        names.anomalies,
        { bool: { filter: [{ terms: { sale_id: memberIds.slice(j, j + 10_000) } }, { term: { rule: RULE } }] } },
        [{ sale_id: 'asc' }],
        { source: ['sale_id'] },
      )) {
        existingDocs.add(hit._source!.sale_id);
      }
    }
    const at = deps.now().toISOString();
    const ops: BulkOp[] = [];
    const rewrites: SaleRewrite[] = [];
    for (const members of groups.values()) {
      const counted = members.filter((m) => m.source.counted);
      // A group: enough counted sales to flag, or a flag to take back (a candidate key that is
      // neither, which RepeatCandidates may name, is no group).
      if (
        counted.length >= deps.repeatedAmountFrom ||
        members.some((m) => m.source.anomaly_rules.includes(RULE) || existingDocs.has(m.source.id))
      )
        result.groups++;
      const expected = rankRepeatedAmounts(
        counted.map((m) => m.source),
        deps.repeatedAmountFrom,
      );
      for (const m of members) {
        const sale = m.source;
        const should = expected.get(sale.id);
        const hasRule = sale.anomaly_rules.includes(RULE);
        if (should) {
          result.flagged++;
          ops.push(anomalyUpsertOp(names, sale.id, RULE, anomalyUpsert(sale, should, at)));
          if (!hasRule) {
            result.newlyFlagged++;
            rewrites.push({ sale, version: m.version, rules: [...sale.anomaly_rules, RULE].sort() });
          }
        } else {
          if (existingDocs.has(sale.id)) ops.push(anomalyDeleteOp(names, sale.id, RULE));
          if (hasRule) {
            result.unflagged++;
            rewrites.push({ sale, version: m.version, rules: sale.anomaly_rules.filter((r) => r !== RULE) });
          } else if (existingDocs.has(sale.id)) {
            result.unflagged++;
          }
        }
      }
    }
    await writeBulk(client, withRewrittenSales(client, names.sales, ops, rewrites), {
      what: 'settling REPEATED_AMOUNT',
    });
  }
  await client.indices.refresh({ index: [names.sales, names.anomalies] });
  return result;
}
