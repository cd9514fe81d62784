/**
 * `reconcile`: per business day, MySQL's accepted rows (count, Σ amount_sale, Σ fingerprint,
 * all aggregated by MySQL) against the sales index (the same, aggregated by Elasticsearch);
 * each drifting day is drilled down id by id; with `repair`, exactly those ids are rewritten
 * or deleted and everything is compared again.
 */
import { FINGERPRINT_EXACT_ROWS } from '../source/fingerprint';
import type { SourceTable } from '../source/query';
import { StateStore } from '../state/store';
import {
  compareDays,
  exactAmounts,
  type DayComparison,
  type DayRange,
  type DayTotals,
  type UnfingerprintedDay,
  type Zones,
} from './days';
import { drillDownDay, summarizeIds, type DayIds } from './drillDown';
import { indexDayTotals } from './indexSide';
import { repairIds, type RepairDeps, type RepairOptions, type RepairStats } from './repair';
import { sourceDayTotals } from './sourceSide';

/** The clients and settings of a run; `onProgress` counts rows put through a repair. */
export type ReconcileDeps = RepairDeps;

export interface ReconcileOptions extends RepairOptions {
  /** The business days to compare; undefined = every day present in MySQL or Elasticsearch. */
  range: DayRange | undefined;
  repair: boolean;
  /** Days with more rows than this are compared id by id (tests lower it). */
  exactRows?: number;
}

/** How the run ended, for the runs index and `doctor`. */
export type ReconcileOutcome = 'in sync' | 'drift found' | 'repaired' | 'drift remains';

export interface ReconcileResult {
  outcome: ReconcileOutcome;
  /** The compared range (for "every day": the first and last day with data, or null). */
  from: string | null;
  to: string | null;
  days_with_data: number;
  /** Totals of each side over the range, as first compared. */
  mysql: DayTotals;
  es: DayTotals;
  /** Where the ingest checkpoint stood (source wall clock), or null before the first ingest. */
  checkpoint: string | null;
  /** Days that drifted when compared first, each with its missing / extra / changed ids. */
  drifting_days: number;
  drift: DayComparison[];
  /** Days compared by count and Σ amount only: some documents carry no fingerprint yet. */
  not_fingerprinted: { days: number; documents: number; list: UnfingerprintedDay[] };
  repair: RepairStats | null;
  /** After a repair: the totals compared again. */
  after: { mysql: DayTotals; es: DayTotals } | null;
  /** After a repair: the days that still drift (empty when repaired to sync). */
  remaining_days: number;
  remaining: DayComparison[];
}

interface Compared {
  mysql: DayTotals;
  es: DayTotals;
  days_with_data: number;
  first_day: string | null;
  last_day: string | null;
  drift: { comparison: DayComparison; ids: DayIds }[];
  not_fingerprinted: UnfingerprintedDay[];
}

async function compare(
  deps: ReconcileDeps,
  source: SourceTable,
  range: DayRange | undefined,
  checkpoint: string | null,
  exactRows: number,
): Promise<Compared> {
  const zones: Zones = { tz: deps.config.tz, sourceTz: deps.config.sourceTz };
  const [mysql, es] = await Promise.all([
    sourceDayTotals(deps.pool, source, zones, range, checkpoint),
    indexDayTotals(deps.es, deps.names.sales, range),
  ]);
  const days = compareDays(mysql, es, exactRows);
  const drift: Compared['drift'] = [];
  // One day at a time: a day's ids are held in memory, never more than one day's.
  for (const candidate of days.drift) {
    const ids = await drillDownDay(deps.es, deps.names.sales, deps.pool, source, candidate.day, zones);
    const comparison: DayComparison = { ...candidate, ...summarizeIds(ids) };
    const totalsDiffer =
      comparison.rows_diff !== 0 ||
      (exactAmounts(comparison.mysql_amount, comparison.es_amount) && comparison.amount_diff !== 0);
    // A candidate only for its size (or changed between the two reads) whose ids all agree is in sync.
    if (totalsDiffer || comparison.missing + comparison.extra + comparison.changed > 0) drift.push({ comparison, ids });
  }
  return { ...days, drift };
}

export async function reconcile(deps: ReconcileDeps, opts: ReconcileOptions): Promise<ReconcileResult> {
  const exactRows = opts.exactRows ?? FINGERPRINT_EXACT_ROWS;
  const checkpoint =
    (await new StateStore(deps.es, deps.names.state).readCheckpoint(deps.config.table))?.modified ?? null;
  const first = await compare(deps, opts.source, opts.range, checkpoint, exactRows);
  deps.verbose(
    `reconcile: ${first.days_with_data} day(s) with data, ${first.drift.length} drifting, ` +
      `${first.not_fingerprinted.length} not fingerprinted yet`,
  );
  const drift = first.drift.map((d) => d.comparison);
  const notFingerprinted = (list: UnfingerprintedDay[]): ReconcileResult['not_fingerprinted'] => ({
    days: list.length,
    documents: list.reduce((n, d) => n + d.documents, 0),
    list,
  });
  const result: ReconcileResult = {
    outcome: drift.length ? 'drift found' : 'in sync',
    from: opts.range?.from ?? first.first_day,
    to: opts.range?.to ?? first.last_day,
    days_with_data: first.days_with_data,
    mysql: first.mysql,
    es: first.es,
    checkpoint,
    drifting_days: drift.length,
    drift,
    not_fingerprinted: notFingerprinted(first.not_fingerprinted),
    repair: null,
    after: null,
    remaining_days: drift.length,
    remaining: drift,
  };
  if (!opts.repair || (drift.length === 0 && first.not_fingerprinted.length === 0)) return result;

  result.repair = await repairIds(
    deps,
    {
      drift: first.drift.map((d) => ({ day: d.comparison.day, ids: d.ids })),
      fill: first.not_fingerprinted.map((d) => d.day),
    },
    opts,
  );
  const after = await compare(deps, opts.source, opts.range, checkpoint, exactRows);
  result.remaining = after.drift.map((d) => d.comparison);
  result.remaining_days = result.remaining.length;
  result.not_fingerprinted = notFingerprinted(after.not_fingerprinted);
  result.after = { mysql: after.mysql, es: after.es };
  result.outcome = result.remaining_days ? 'drift remains' : drift.length ? 'repaired' : 'in sync';
  return result;
}
