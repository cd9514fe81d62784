/**
 * `reconcile --repair`: make the sales index hold exactly MySQL's accepted rows on the
 * drifting days, through the ingest pipeline's explicit-rows mode (validation, rules, dead
 * letter, external versions; the checkpoint is left alone):
 *
 *   1. documents of those days whose row is gone from MySQL are deleted (with their
 *      anomalies); rows that moved to another day (or to an invalid sold_at) are re-ingested
 *      by id, so the pipeline moves or withdraws their documents;
 *   2. every row MySQL has on those days is re-ingested, read by sold_at in bounded pages;
 *   3. the days are marked changed for `daily` and `weekly`.
 */
import { writeBulk, type BulkOp } from '../es/bulkWrite';
import { RunFailedError } from '../errors';
import { INGEST_DEFAULTS, runIngestPipeline, type IngestDeps, type IngestStats } from '../ingest/pipeline';
import { readRowsById } from '../ingest/source';
import { anomalyId, type RuleId } from '../rules/rules';
import type { SourceRow } from '../source/row';
import { StateStore } from '../state/store';
import { salesOfDays } from './indexSide';
import { readRowsOfDays } from './sourceSide';
import { businessDayOfWallClock, type Zones } from './days';

/** What the ingest pipeline needs; progress is reported as rows put through it. */
export type RepairDeps = Omit<IngestDeps, 'onProgress' | 'countTotal'> & { onProgress?: (rows: number) => void };

export interface RepairOptions {
  batchSize: number;
  concurrency: number;
}

export interface RepairStats {
  days: number;
  /** Rows read from MySQL and put through the pipeline. */
  rows_reingested: number;
  /** Documents written (new or changed). */
  indexed: number;
  /** Rows not written because Elasticsearch holds a newer version (a concurrent ingest). */
  superseded: number;
  /** Rows that were rejected (dead letter), including documents Elasticsearch refused. */
  rejected: number;
  /** Documents of rows that are invalid now, removed by the pipeline. */
  withdrawn: number;
  /** Documents of rows deleted from MySQL. */
  deleted: number;
  /** Documents on the days whose row now lies on another day (or none): re-ingested by id. */
  moved: number;
  retried: number;
  anomalies_flagged: number;
}

const ES_PAGE = 2_000;

export async function repairDays(deps: RepairDeps, days: readonly string[], opts: RepairOptions): Promise<RepairStats> {
  const { es, pool, names, config } = deps;
  const zones: Zones = { tz: config.tz, sourceTz: config.sourceTz };
  const wanted = new Set(days);
  let deleted = 0;
  let moved = 0;

  /** Step 1: documents on the days that no longer stand for an accepted row of that day. */
  async function* staleDocuments(): AsyncGenerator<SourceRow[]> {
    for await (const page of salesOfDays(es, names.sales, days, ES_PAGE)) {
      const rows = await readRowsById(pool, config.table, page.map((d) => d.id));
      const gone: BulkOp[] = [];
      const recheck: SourceRow[] = [];
      for (const doc of page) {
        const row = rows.get(doc.id);
        if (!row) {
          gone.push({ kind: 'delete', index: names.sales, id: doc.id });
          for (const rule of doc.anomaly_rules) gone.push({ kind: 'delete', index: names.anomalies, id: anomalyId(doc.id, rule as RuleId) });
          deleted++;
          continue;
        }
        // Rows still on these days are re-ingested by the day scan below (once: the pipeline
        // looks up stored documents per batch, so a row fed twice could be withdrawn twice).
        const day = row.sold_at == null ? null : businessDayOfWallClock(String(row.sold_at), zones);
        if (day === null || !wanted.has(day)) recheck.push(row);
      }
      if (gone.length) {
        const res = await writeBulk(es, gone, { refresh: true });
        if (res.failed.length) throw new RunFailedError(`could not delete documents of rows deleted from MySQL: ${res.failed[0]!.reason}`);
        deps.verbose(`repair: deleted ${gone.length} document(s) of rows gone from MySQL`);
      }
      if (recheck.length) {
        moved += recheck.length;
        yield recheck;
      }
    }
  }

  async function* rows(): AsyncGenerator<SourceRow[]> {
    yield* staleDocuments();
    yield* readRowsOfDays(pool, config.table, days, zones, opts.batchSize);
  }

  const ingest: IngestStats = await runIngestPipeline(
    { ...deps, onProgress: (p) => deps.onProgress?.(p.read) },
    { ...INGEST_DEFAULTS, batchSize: opts.batchSize, concurrency: opts.concurrency, rows: rows() },
  );
  await new StateStore(es, names.state).markChangedDays(days);
  await es.indices.refresh({ index: names.sales });
  return {
    days: days.length,
    rows_reingested: ingest.read,
    indexed: ingest.indexed,
    superseded: ingest.superseded,
    rejected: ingest.rejected,
    withdrawn: ingest.withdrawn,
    deleted,
    moved,
    retried: ingest.retried,
    anomalies_flagged: ingest.flagged,
  };
}
