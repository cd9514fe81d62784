/**
 * The one way the product reads more hits than one search returns (the old system's silent
 * truncation at 10,000): a point in time plus `search_after`, one page at a time, so memory
 * stays bounded however many hits there are, and every page sees the same snapshot. The point
 * in time is closed when the stream ends, fails, or the consumer stops early.
 *
 * Small result sets (`--limit N` up to 10,000) take one plain search instead.
 */
import type { Client, estypes } from '@elastic/elasticsearch';

/** Hits per page when streaming (docs/performance.md "Small things"). */
export const PAGE_SIZE = 5_000;
/** Above this, one plain search would hit index.max_result_window. */
export const SINGLE_REQUEST_MAX = 10_000;

export interface StreamOptions {
  index: string;
  query: estypes.QueryDslQueryContainer;
  /** A total order without `_shard_doc` (added here). */
  sort: estypes.SortCombinations[];
  source?: estypes.SearchRequest['_source'];
  /** Stop after this many hits; undefined = all. */
  max?: number;
  pageSize?: number;
  keepAlive?: string;
  /** Return `_version` with each hit (for writes with external versions). */
  version?: boolean;
  /** Return `_seq_no`/`_primary_term` with each hit (for optimistic-concurrency deletes). */
  seqNoPrimaryTerm?: boolean;
}

export interface StreamStats {
  pages: number;
  hits: number;
  /** Whether `_shard_doc` was used as the final tiebreaker (false: the PIT's implicit one). */
  shardDocTiebreak: boolean;
  /** The point in time's latest id, and whether it was closed (for tests and --verbose). */
  pitId?: string;
  pitClosed?: boolean;
}

function isShardDocRejection(err: unknown): boolean {
  const e = err as { meta?: { statusCode?: number; body?: unknown } };
  return e.meta?.statusCode === 400 && JSON.stringify(e.meta.body ?? '').includes('_shard_doc');
}

/** Every hit of `query` in `sort` order, through a point in time (see streamPages). */
export async function* streamHits<T>(
  client: Client,
  opts: StreamOptions,
  stats?: StreamStats,
): AsyncGenerator<estypes.SearchHit<T>> {
  for await (const page of streamPages<T>(client, opts, stats)) yield* page;
}

/**
 * Every hit of `query` in `sort` order, a page at a time, through a point in time. `stats`
 * (optional) is filled in as the stream advances.
 */
export async function* streamPages<T>(
  client: Client,
  opts: StreamOptions,
  stats: StreamStats = { pages: 0, hits: 0, shardDocTiebreak: true },
): AsyncGenerator<estypes.SearchHit<T>[]> {
  const keepAlive = opts.keepAlive ?? '2m';
  const pageSize = Math.min(opts.pageSize ?? PAGE_SIZE, SINGLE_REQUEST_MAX);
  const pit = await client.openPointInTime({ index: opts.index, keep_alive: keepAlive });
  let pitId = pit.id;
  stats.pitId = pitId;
  stats.pitClosed = false;
  let after: estypes.SortResults | undefined;
  let useShardDoc = true;
  try {
    for (;;) {
      const remaining = opts.max === undefined ? pageSize : Math.min(pageSize, opts.max - stats.hits);
      if (remaining <= 0) return;
      const request = (shardDoc: boolean): estypes.SearchRequest => ({
        pit: { id: pitId, keep_alive: keepAlive },
        query: opts.query,
        sort: shardDoc ? [...opts.sort, { _shard_doc: { order: 'asc' } } as estypes.SortCombinations] : opts.sort,
        size: remaining,
        search_after: after,
        track_total_hits: false,
        _source: opts.source,
        version: opts.version,
        seq_no_primary_term: opts.seqNoPrimaryTerm,
      });
      let res: estypes.SearchResponse<T>;
      try {
        res = await client.search<T>(request(useShardDoc));
      } catch (err) {
        // Clusters without `_shard_doc` (before 7.12) fall back to the PIT's implicit tiebreaker.
        if (!useShardDoc || after !== undefined || !isShardDocRejection(err)) throw err;
        useShardDoc = false;
        stats.shardDocTiebreak = false;
        res = await client.search<T>(request(false));
      }
      if (res.pit_id) stats.pitId = pitId = res.pit_id;
      const hits = res.hits.hits;
      stats.pages++;
      stats.hits += hits.length;
      if (hits.length) yield hits;
      if (hits.length < remaining) return;
      after = hits[hits.length - 1]!.sort;
    }
  } finally {
    stats.pitClosed = await client.closePointInTime({ id: pitId }).then(
      (r) => r.succeeded,
      () => false,
    );
  }
}

export interface FirstPage<T> {
  hits: estypes.SearchHit<T>[];
  /** Matching documents; `relation: 'gte'` when there are more than Elasticsearch counted. */
  total: { value: number; relation: 'eq' | 'gte' };
}

/** One plain search for up to 10,000 hits, with the (capped) total for the "N of M" line. */
export async function searchPage<T>(client: Client, opts: StreamOptions & { max: number }): Promise<FirstPage<T>> {
  const res = await client.search<T>({
    index: opts.index,
    query: opts.query,
    sort: opts.sort,
    size: Math.min(opts.max, SINGLE_REQUEST_MAX),
    _source: opts.source,
    version: opts.version,
    track_total_hits: SINGLE_REQUEST_MAX,
  });
  const total = res.hits.total;
  const t =
    typeof total === 'number'
      ? { value: total, relation: 'eq' as const }
      : { value: total?.value ?? 0, relation: (total?.relation ?? 'eq') as 'eq' | 'gte' };
  return { hits: res.hits.hits, total: t };
}
