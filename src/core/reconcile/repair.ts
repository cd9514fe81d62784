/**
 * `reconcile --repair`: make the sales index equal MySQL for exactly the ids the drill-down
 * named (missing, extra, changed, not fingerprinted), whatever the versions say — MySQL is
 * the truth, also when a restore moved `modified` backwards:
 *
 *   1. each id is read from MySQL; an id MySQL no longer has loses its document and its
 *      anomaly documents;
 *   2. every other id goes through the ingest pipeline's explicit-rows mode in overwrite mode
 *      (validation, rules re-evaluated, dead letter, moved or withdrawn documents; written at
 *      max(modified, stored version), so a restored older row replaces the newer document);
 *   3. REPEATED_AMOUNT is settled on the days documents were deleted from (the pipeline does
 *      it for the days it wrote), and every day touched is marked for `daily` and `weekly`.
 *
 * The ingest lock is held throughout: an ingest that copied a row between our read and our
 * write would otherwise be overwritten with what we read before it (the versions alone
 * cannot tell a silent change from a stale read).
 */
import { writeBulk, type BulkOp } from '../es/bulkWrite';
import { RunFailedError } from '../errors';
import { INGEST_DEFAULTS, runIngestPipeline, type IngestDeps, type IngestStats } from '../ingest/pipeline';
import { rowsById, type EncodedRows, type SourceTable } from '../source/query';
import { anomalyId, describeRules } from '../rules/rules';
import { settleRepeatedAmounts } from '../rules/repeatedAmounts';
import { JobLock } from '../runs/lock';
import { StateStore } from '../state/store';
import type { DayIds } from './drillDown';
import { unfingerprintedSales } from './indexSide';

/** What the ingest pipeline needs; progress is reported as rows put through it. */
export type RepairDeps = Omit<IngestDeps, 'onProgress' | 'countTotal'> & { onProgress?: (rows: number) => void };

export interface RepairOptions {
  batchSize: number;
  concurrency: number;
  /** The source table as this run described it (and checked it can read: schemaWatch.ts). */
  source: SourceTable;
}

export interface RepairPlan {
  /** The drifting days and the ids the drill-down found on each. */
  drift: { day: string; ids: DayIds }[];
  /** Days whose documents are not all fingerprinted yet: those documents are rewritten. */
  fill: string[];
}

export interface RepairStats {
  days: number;
  /** Distinct ids the repair looked at (drift and not-yet-fingerprinted documents). */
  ids: number;
  /** Rows read from MySQL and put through the pipeline. */
  rows_reingested: number;
  /** Documents written (new or changed). */
  indexed: number;
  /** Rows not written because Elasticsearch holds a newer version (written since we read it). */
  superseded: number;
  /** Rows that were rejected (dead letter), including documents Elasticsearch refused. */
  rejected: number;
  /** Documents of rows that are invalid now, removed by the pipeline. */
  withdrawn: number;
  /** Rows the dead letter held that are accepted now: their dead letters removed. */
  valid_again: number;
  /** Documents of rows deleted from MySQL (with their anomaly documents). */
  deleted: number;
  /** Documents written before row_fingerprint existed, rewritten with it. */
  filled: number;
  retried: number;
  anomalies_flagged: number;
}

const ES_PAGE = 2_000;

export async function repairIds(deps: RepairDeps, plan: RepairPlan, opts: RepairOptions): Promise<RepairStats> {
  const { es, pool, names, config } = deps;
  const lock = new JobLock(es, names.state, 'ingest', deps.runId);
  await lock.acquire();
  try {
    /** id -> the day its document is on (for deletes), in the order the drill-down named them. */
    const targets = new Map<string, string | undefined>();
    for (const { day, ids } of plan.drift) {
      for (const id of [...ids.missing, ...ids.changed, ...ids.unfingerprinted])
        if (!targets.has(id)) targets.set(id, undefined);
      for (const doc of ids.extra) targets.set(doc.id, day);
    }
    const touchedDays = new Set(plan.drift.map((d) => d.day));
    const deletedDays = new Set<string>();
    let deleted = 0;
    /** Documents without a fingerprint among the targets, and those of the fill days. */
    let filled = plan.drift.reduce((n, d) => n + d.ids.unfingerprinted.length, 0);
    let fillOnly = 0;
    const ruleIds = describeRules(config.rules).map((r) => r.id);

    async function* idPages(): AsyncGenerator<[string, string | undefined][]> {
      const all = [...targets];
      for (let i = 0; i < all.length; i += opts.batchSize) yield all.slice(i, i + opts.batchSize);
      if (plan.fill.length === 0) return;
      for await (const page of unfingerprintedSales(es, names.sales, plan.fill, ES_PAGE)) {
        const fresh = page.filter((d) => !targets.has(d.id));
        filled += fresh.length;
        fillOnly += fresh.length;
        for (const d of fresh) touchedDays.add(d.sale_date);
        if (fresh.length) yield fresh.map((d) => [d.id, d.sale_date]);
      }
    }

    const { source } = opts;
    /** The rows MySQL has for these ids; documents of the ids it has not are deleted. */
    async function* rows(): AsyncGenerator<EncodedRows> {
      for await (const page of idPages()) {
        const found = new Set<string>();
        for await (const read of rowsById(
          pool,
          source,
          page.map(([id]) => id),
        )) {
          for (let i = 0; i < read.length; i++) found.add(String(read.row(i).id));
          if (read.length) yield read;
        }
        const gone: BulkOp[] = [];
        for (const [id, day] of page) {
          if (found.has(id)) continue;
          gone.push(
            { kind: 'delete', index: names.sales, id },
            ...ruleIds.map((rule) => ({ kind: 'delete', index: names.anomalies, id: anomalyId(id, rule) }) as const),
          );
          if (day !== undefined) deletedDays.add(day);
          deleted++;
        }
        if (gone.length) {
          const res = await writeBulk(es, gone, { refresh: true });
          if (res.failed.length)
            throw new RunFailedError(`could not delete documents of rows deleted from MySQL: ${res.failed[0]!.reason}`);
          deps.verbose(`repair: deleted the documents of ${gone.length / (1 + ruleIds.length)} row(s) gone from MySQL`);
        }
      }
    }

    const ingest: IngestStats = await runIngestPipeline(
      { ...deps, onProgress: (p) => deps.onProgress?.(p.read) },
      {
        ...INGEST_DEFAULTS,
        batchSize: opts.batchSize,
        concurrency: opts.concurrency,
        rows: rows(),
        source,
        overwrite: true,
      },
    );
    if (deletedDays.size) {
      await settleRepeatedAmounts(
        { client: es, names, repeatedAmountFrom: config.rules.repeatedAmountFrom, now: deps.now },
        [...deletedDays].sort(),
      );
    }
    for (const d of deletedDays) touchedDays.add(d);
    await new StateStore(es, names.state).markChangedDays(touchedDays);
    await es.indices.refresh({ index: [names.sales, names.anomalies] });
    return {
      days: touchedDays.size,
      ids: targets.size + fillOnly,
      rows_reingested: ingest.read,
      indexed: ingest.indexed,
      superseded: ingest.superseded,
      rejected: ingest.rejected,
      withdrawn: ingest.withdrawn,
      valid_again: ingest.valid_again,
      deleted,
      filled,
      retried: ingest.retried,
      anomalies_flagged: ingest.flagged,
    };
  } finally {
    await lock.release().catch(() => undefined);
  }
}
