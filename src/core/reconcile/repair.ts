/**
 * `reconcile --repair`: make the sales index equal MySQL for exactly the ids the drill-down
 * named (missing, extra, changed, not fingerprinted), whatever the versions say — MySQL is
 * the truth, also when a restore moved `modified` backwards. Each id is read from MySQL and the
 * pages go through the ingest pipeline's explicit-rows mode in overwrite mode: validation,
 * rules re-evaluated, dead letter, moved documents; written at max(modified, stored version),
 * so a restored older row replaces the newer document; an id MySQL no longer has is withdrawn
 * (its document and anomaly documents deleted). The pipeline records every day it touches for
 * `daily`, `weekly` and REPEATED_AMOUNT before writing, and settles REPEATED_AMOUNT at its end.
 *
 * The job holds the ingest lock besides its own (commands/reconcile.ts, taken before the
 * comparison): an ingest that copied a row between our read and our write would otherwise be
 * overwritten with what we read before it (the versions alone cannot tell a silent change from
 * a stale read).
 */
import { INGEST_DEFAULTS, runIngestPipeline, type IngestDeps, type IngestStats } from '../ingest/pipeline';
import type { GivenPage } from '../ingest/plan';
import type { WithdrawPolicy } from '../ingest/withdrawGuard';
import { rowsById, type SourceTable } from '../source/query';
import type { DayIds } from './drillDown';
import { unfingerprintedSales } from './indexSide';

/** What the ingest pipeline needs; progress is reported as rows put through it. */
export type RepairDeps = Omit<IngestDeps, 'onProgress' | 'countTotal'> & { onProgress?: (rows: number) => void };

export interface RepairOptions {
  batchSize: number;
  concurrency: number;
  /** The source table as this run described it (and checked it can read: schemaWatch.ts). */
  source: SourceTable;
  /** The mass-withdrawal guard: ids gone from MySQL and rows invalid now are withdrawn all or none. */
  withdraw?: WithdrawPolicy;
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
  const { es, pool, names } = deps;
  /** id -> the day its document is on (for withdrawals), in the order the drill-down named them. */
  const targets = new Map<string, string | undefined>();
  for (const { day, ids } of plan.drift) {
    for (const id of [...ids.missing, ...ids.changed, ...ids.unfingerprinted])
      if (!targets.has(id)) targets.set(id, undefined);
    for (const doc of ids.extra) targets.set(doc.id, day);
  }
  const touchedDays = new Set(plan.drift.map((d) => d.day));
  let deleted = 0;
  /** Documents without a fingerprint among the targets, and those of the fill days. */
  let filled = plan.drift.reduce((n, d) => n + d.ids.unfingerprinted.length, 0);
  let fillOnly = 0;

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
  /** The rows MySQL has of each page of ids, and the ids it has not (withdrawn). */
  async function* pages(): AsyncGenerator<GivenPage> {
    for await (const page of idPages()) {
      const found = new Set<string>();
      for await (const rows of rowsById(
        pool,
        source,
        page.map(([id]) => id),
      )) {
        for (let i = 0; i < rows.length; i++) found.add(String(rows.row(i).id));
        if (rows.length) yield { rows, gone: [] };
      }
      const gone = page.filter(([id]) => !found.has(id)).map(([id, day]) => ({ id, day }));
      for (const g of gone) if (g.day) touchedDays.add(g.day);
      deleted += gone.length;
      if (gone.length) yield { rows: NO_ROWS, gone };
    }
  }

  const ingest: IngestStats = await runIngestPipeline(
    { ...deps, onProgress: (p) => deps.onProgress?.(p.read) },
    {
      ...INGEST_DEFAULTS,
      batchSize: opts.batchSize,
      concurrency: opts.concurrency,
      rows: pages(),
      source,
      overwrite: true,
      withdraw: opts.withdraw,
    },
  );
  await es.indices.refresh({ index: [names.sales, names.anomalies] });
  return {
    days: touchedDays.size,
    ids: targets.size + fillOnly,
    rows_reingested: ingest.read,
    indexed: ingest.indexed,
    superseded: ingest.superseded,
    rejected: ingest.rejected,
    withdrawn: ingest.withdrawn - deleted,
    valid_again: ingest.valid_again,
    deleted,
    filled,
    retried: ingest.retried,
    anomalies_flagged: ingest.flagged,
  };
}

/** A page of no rows, for the ids of a page MySQL has none of. */
const NO_ROWS: GivenPage['rows'] = { length: 0, row: () => undefined as never, fingerprint: () => 0 };
