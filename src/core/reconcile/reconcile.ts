/**
 * `reconcile`: per business day, MySQL's accepted rows (count, Σ amount_sale) against the
 * sales index; with `repair`, the drifting days are re-ingested and compared again.
 */
import { StateStore } from '../state/store';
import { compareDays, type Comparison, type DayComparison, type DayRange, type DayTotals, type Zones } from './days';
import { indexDayTotals } from './indexSide';
import { repairDays, type RepairDeps, type RepairOptions, type RepairStats } from './repair';
import { sourceDayTotals } from './sourceSide';

/** The clients and settings of a run; `onProgress` counts rows put through a repair. */
export type ReconcileDeps = RepairDeps;

export interface ReconcileOptions extends RepairOptions {
  /** The business days to compare; undefined = every day present in MySQL or Elasticsearch. */
  range: DayRange | undefined;
  repair: boolean;
}

export interface ReconcileResult {
  /** The compared range (for "every day": the first and last day with data, or null). */
  from: string | null;
  to: string | null;
  days_with_data: number;
  /** Totals of each side over the range, as first compared. */
  mysql: DayTotals;
  es: DayTotals;
  /** Where the ingest checkpoint stood (source wall clock), or null before the first ingest. */
  checkpoint: string | null;
  /** Days that drifted when compared first. */
  drifting_days: number;
  drift: DayComparison[];
  repair: RepairStats | null;
  /** After a repair: the totals compared again. */
  after: { mysql: DayTotals; es: DayTotals } | null;
  /** After a repair: the days that still drift (empty when repaired to sync). */
  remaining_days: number;
  remaining: DayComparison[];
}

async function compare(deps: ReconcileDeps, range: DayRange | undefined, checkpoint: string | null): Promise<Comparison> {
  const zones: Zones = { tz: deps.config.tz, sourceTz: deps.config.sourceTz };
  const [mysql, es] = await Promise.all([
    sourceDayTotals(deps.pool, deps.config.table, zones, range, checkpoint),
    indexDayTotals(deps.es, deps.names.sales, range),
  ]);
  return compareDays(mysql, es);
}

export async function reconcile(deps: ReconcileDeps, opts: ReconcileOptions): Promise<ReconcileResult> {
  const checkpoint = (await new StateStore(deps.es, deps.names.state).readCheckpoint(deps.config.table))?.modified ?? null;
  const first = await compare(deps, opts.range, checkpoint);
  deps.verbose(`reconcile: ${first.days_with_data} day(s) with data, ${first.drift.length} drifting`);
  const result: ReconcileResult = {
    from: opts.range?.from ?? first.first_day,
    to: opts.range?.to ?? first.last_day,
    days_with_data: first.days_with_data,
    mysql: first.mysql,
    es: first.es,
    checkpoint,
    drifting_days: first.drift.length,
    drift: first.drift,
    repair: null,
    after: null,
    remaining_days: first.drift.length,
    remaining: first.drift,
  };
  if (!opts.repair || first.drift.length === 0) return result;

  result.repair = await repairDays(deps, first.drift.map((d) => d.day), opts);
  const after = await compare(deps, opts.range, checkpoint);
  result.remaining = after.drift;
  result.remaining_days = after.drift.length;
  result.after = { mysql: after.mysql, es: after.es };
  return result;
}

