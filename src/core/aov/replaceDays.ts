/**
 * Replacing the AOV documents of a set of days: write the new ones, then remove those a
 * recomputation did not rewrite: a store-day that no longer has
 * counted sales (daily), a store whose window no longer has a daily document (weekly).
 *
 * Every document a run writes carries the run's `computed_at`; once the writes are refreshed,
 * the documents of the recomputed days with any other `computed_at` are stale. This needs
 * neither `_delete_by_query` (absent from the integ-test-zip distributions) nor a list of
 * the ids written, so memory stays flat however many stores there are.
 */
import type { Client } from '@elastic/elasticsearch';
import { writeBulk, type BulkOp } from '../es/bulkWrite';
import { streamHits } from '../es/pager';
import { daysFilters } from './queries';

export async function removeStaleDocuments(
  client: Client,
  index: string,
  dayField: 'date' | 'end_date',
  days: readonly string[],
  computedAt: string,
): Promise<number> {
  if (days.length === 0) return 0;
  await client.indices.refresh({ index });
  let removed = 0;
  for (const onDays of daysFilters(dayField, days)) {
    const stale = streamHits(client, {
      index,
      query: { bool: { filter: [onDays], must_not: [{ term: { computed_at: computedAt } }] } },
      sort: [{ [dayField]: { order: 'asc' } }, { store_id: { order: 'asc' } }],
      source: false,
    });
    async function* deletes(): AsyncGenerator<BulkOp> {
      for await (const hit of stale) yield { kind: 'delete', index, id: hit._id! };
    }
    const res = await writeBulk(client, deletes(), { what: `removing stale documents from ${index}` });
    removed += res.written;
  }
  if (removed > 0) await client.indices.refresh({ index });
  return removed;
}

/**
 * Writes `docs` (all carrying `computedAt`) and then removes the documents of `days` that
 * were not rewritten. When a write fails nothing is removed: a re-run repairs the days.
 */
export async function replaceDocumentsOfDays(
  client: Client,
  target: { index: string; dayField: 'date' | 'end_date'; job: string },
  days: readonly string[],
  computedAt: string,
  docs: AsyncIterable<BulkOp>,
): Promise<{ written: number; removed: number }> {
  // Refreshed by the sweep, on this index only (the helper's refresh would refresh every index).
  const res = await writeBulk(client, docs, {
    what: `writing documents to ${target.index}`,
    hint: `nothing was removed; re-run \`earlypay ${target.job}\` for the same days`,
  });
  const removed = await removeStaleDocuments(client, target.index, target.dayField, days, computedAt);
  return { written: res.written, removed };
}
