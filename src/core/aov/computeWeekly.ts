/**
 * `weekly`: the trailing 7-day AOV documents for a set of window ends, from the daily
 * documents (docs/contract.md §5), written with `_id` `<store_id>:<end_date>`.
 *
 *   source   the daily documents of each span of days the windows need, streamed in
 *            (store_id, date) order through a point in time: one store at a time in memory
 *   fold     a sliding 7-day window per store over the span's window ends (weeklyAov.ts)
 *   sink     the bulk helper
 *   sweep    weekly documents of those ends this run did not rewrite are deleted (a store
 *            whose window no longer has a daily document)
 */
import type { Client } from '@elastic/elasticsearch';
import type { BulkOp } from '../es/bulkWrite';
import { streamHits } from '../es/pager';
import { replaceDocumentsOfDays } from './replaceDays';
import {
  spansForEnds,
  weeklyAovId,
  weeklyDocumentsForStore,
  type DailyFigures,
  type DailySpan,
  type WeeklyAovDocument,
} from './weeklyAov';

export interface WeeklyDeps {
  client: Client;
  dailyIndex: string;
  weeklyIndex: string;
  computedAt: string;
  /** Today's business day: a window ending on it or later is provisional. */
  today: string;
  /** Daily documents read so far, out of the total to read. */
  onProgress?: (dailiesRead: number, dailiesTotal: number) => void;
}

export interface WeeklyResult {
  windows: number;
  /** Distinct stores with at least one weekly document written. */
  stores: number;
  written: number;
  removed: number;
  daily_documents_read: number;
  /** Documents written for a window not over yet, or holding a provisional daily document. */
  provisional_documents: number;
}

interface DailyHit extends DailyFigures {
  store_id: string;
}

/** The weekly documents of one span, one store at a time. */
async function* spanDocuments(
  client: Client,
  dailyIndex: string,
  span: DailySpan,
  stamp: { computedAt: string; today: string },
  onDaily: () => void,
): AsyncGenerator<WeeklyAovDocument> {
  const { computedAt, today } = stamp;
  let store: string | undefined;
  let dailies: DailyFigures[] = [];
  const hits = streamHits<DailyHit>(client, {
    index: dailyIndex,
    query: { bool: { filter: [{ range: { date: { gte: span.from, lte: span.to } } }] } },
    sort: [{ store_id: { order: 'asc' } }, { date: { order: 'asc' } }],
    source: { includes: ['store_id', 'date', 'total_sale', 'num_customers', 'num_transactions', 'provisional'] },
  });
  for await (const hit of hits) {
    const d = hit._source!;
    onDaily();
    if (d.store_id !== store) {
      if (store !== undefined) yield* weeklyDocumentsForStore(store, dailies, span.ends, computedAt, today);
      store = d.store_id;
      dailies = [];
    }
    dailies.push({
      date: d.date,
      total_sale: d.total_sale,
      num_customers: d.num_customers,
      num_transactions: d.num_transactions,
      provisional: d.provisional,
    });
  }
  if (store !== undefined) yield* weeklyDocumentsForStore(store, dailies, span.ends, computedAt, today);
}

/** Computes and writes the weekly documents ending on `ends`, then removes stale ones. */
export async function computeWeeklyAov(deps: WeeklyDeps, ends: readonly string[]): Promise<WeeklyResult> {
  const { client } = deps;
  const sortedEnds = [...new Set(ends)].sort();
  const result: WeeklyResult = {
    windows: sortedEnds.length,
    stores: 0,
    written: 0,
    removed: 0,
    daily_documents_read: 0,
    provisional_documents: 0,
  };
  if (sortedEnds.length === 0) return result;
  await client.indices.refresh({ index: deps.dailyIndex });
  const stores = new Set<string>();
  const spans = spansForEnds(sortedEnds);
  // The total only sizes a progress bar: no count queries when nobody watches one.
  let total = 0;
  if (deps.onProgress) {
    for (const span of spans)
      total += (
        await client.count({ index: deps.dailyIndex, query: { range: { date: { gte: span.from, lte: span.to } } } })
      ).count;
  }
  deps.onProgress?.(0, total);
  const onDaily = (): void => {
    result.daily_documents_read++;
    if (result.daily_documents_read % 1000 === 0) deps.onProgress?.(result.daily_documents_read, total);
  };
  async function* ops(): AsyncGenerator<BulkOp> {
    for (const span of spans) {
      for await (const doc of spanDocuments(client, deps.dailyIndex, span, deps, onDaily)) {
        stores.add(doc.store_id);
        if (doc.provisional) result.provisional_documents++;
        yield { kind: 'index', index: deps.weeklyIndex, id: weeklyAovId(doc.store_id, doc.end_date), doc };
      }
    }
    deps.onProgress?.(result.daily_documents_read, total);
  }
  const replaced = await replaceDocumentsOfDays(
    client,
    { index: deps.weeklyIndex, dayField: 'end_date', job: 'weekly' },
    sortedEnds,
    deps.computedAt,
    ops(),
  );
  result.written = replaced.written;
  result.removed = replaced.removed;
  result.stores = stores.size;
  return result;
}
