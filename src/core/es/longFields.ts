/**
 * The long fields of documents (a sale's remark, raw_data and text_grams may be megabytes each:
 * docs/configuration.md "Limits") fetched apart from the others, a few documents at a time: a search or a scan
 * asks Elasticsearch for its pages without them, then for their long fields in requests whose
 * answers hold at most LONG_FETCH_BYTES — by each document's `text_bytes` —, so that no answer
 * trips Elasticsearch's request circuit breaker or fills the CLI's memory, whatever the page size.
 */
import type { Client } from '@elastic/elasticsearch';

/** Bytes of long fields one answer may hold (and the CLI holds at a time, with the page). */
export const LONG_FETCH_BYTES = 4_000_000;

/**
 * What a document written before `text_bytes` is taken to hold. Such a document's long fields
 * came from TEXT columns in nearly every installation (65,535 bytes each); an `ingest --full`
 * sizes every document (the judge rewrites those without it).
 */
export const UNSIZED_BYTES = 500_000;

/** A document's long-field bytes as it says them (`text_bytes`), or UNSIZED_BYTES. */
export function longBytesOf(source: { text_bytes?: unknown } | undefined): number {
  const n = source?.text_bytes;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : UNSIZED_BYTES;
}

/** Consecutive items in groups whose bytes add up to at most `budget` (an item larger than it makes a group alone). */
export function* byBytes<T>(
  items: readonly T[],
  bytesOf: (item: T) => number,
  budget = LONG_FETCH_BYTES,
): Generator<T[]> {
  let group: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const n = bytesOf(item);
    if (group.length && bytes + n > budget) {
      yield group;
      group = [];
      bytes = 0;
    }
    group.push(item);
    bytes += n;
  }
  if (group.length) yield group;
}

/**
 * The long fields of these documents, by id (a document gone meanwhile is absent): one `mget`
 * asking for those fields alone. The caller chose the ids with `byBytes`.
 */
export async function longFieldsOf(
  client: Client,
  index: string,
  ids: readonly string[],
  fields: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  if (ids.length === 0 || fields.length === 0) return out;
  const res = await client.mget<Record<string, unknown>>({ index, ids: [...ids], _source: [...fields] });
  for (const d of res.docs) if ('found' in d && d.found && d._source) out.set(d._id, d._source);
  return out;
}

/**
 * Hits of a page, completed with their long fields, in groups bounded by bytes: each group is
 * yielded as copies of its hits with the fields in their `_source` (the page's hits stay as they
 * were, so a group is let go once it is used), without the documents gone meanwhile (a
 * document without its long fields must never be written back). With no long field asked for,
 * the page as it is.
 */
export async function* withLongFields<H extends { _id?: string; _source?: Record<string, unknown> }>(
  client: Client,
  index: string,
  hits: readonly H[],
  fields: readonly string[],
): AsyncGenerator<H[]> {
  if (fields.length === 0) {
    if (hits.length) yield [...hits];
    return;
  }
  for (const group of byBytes(hits, (h) => longBytesOf(h._source))) {
    const long = await longFieldsOf(
      client,
      index,
      group.map((h) => h._id!),
      fields,
    );
    // Copies: the page keeps its hits (without the long fields) while the next groups are fetched.
    const complete: H[] = [];
    for (const h of group) {
      const found = long.get(h._id!);
      if (found) complete.push({ ...h, _source: { ...h._source, ...found } });
    }
    if (complete.length) yield complete;
  }
}
