/**
 * The recent-days net of `ingest`: after its pass (and during `--follow` once a minute) the
 * last `--recent-days` business days, today included, go through `reconcile --repair` — the
 * same count, Σ amount and fingerprint comparison, the same repair of exactly the differing ids
 * — under the ingest lock the run already holds. It catches what reading by `modified` cannot
 * see: rows deleted in MySQL and rows changed without a new `modified`. The nightly full
 * `reconcile` stays the net for older days.
 */
import { shiftDay, today } from '../time/businessDay';
import { reconcile, type ReconcileDeps } from './reconcile';
import type { RepairOptions } from './repair';

/** Today and yesterday. */
export const DEFAULT_RECENT_DAYS = 2;

export interface RecentDaysStats {
  /** Business days checked each time (0: the net is off). */
  days: number;
  /** The days of the last check. */
  from: string | null;
  to: string | null;
  /** How many times the days were compared, and how long that took in all. */
  checks: number;
  ms: number;
  /** Days found drifting, summed over the checks. */
  drifting_days: number;
  /** Ids rewritten or deleted, summed over the checks. */
  repaired_ids: number;
  /** Documents deleted because their rows are gone from MySQL. */
  deleted: number;
  /** Documents rewritten (changed in MySQL without a new `modified`, or missing). */
  indexed: number;
  /** Days that still drifted after the last check's repair. */
  remaining_days: number;
}

export function emptyRecentDays(days: number): RecentDaysStats {
  return {
    days,
    from: null,
    to: null,
    checks: 0,
    ms: 0,
    drifting_days: 0,
    repaired_ids: 0,
    deleted: 0,
    indexed: 0,
    remaining_days: 0,
  };
}

/** Compares the recent days and repairs them; adds to `stats`. */
export async function checkRecentDays(deps: ReconcileDeps, opts: RepairOptions, stats: RecentDaysStats): Promise<void> {
  if (stats.days <= 0) return;
  const started = Date.now();
  const to = today(deps.config.tz, deps.now());
  const range = { from: shiftDay(to, 1 - stats.days), to };
  // What the pass just wrote must be visible to the comparison, or it would look missing.
  await deps.es.indices.refresh({ index: deps.names.sales });
  const result = await reconcile(deps, { ...opts, range, repair: true });
  Object.assign(stats, { from: range.from, to: range.to, remaining_days: result.remaining_days });
  stats.checks++;
  stats.drifting_days += result.drifting_days;
  if (result.repair) {
    stats.repaired_ids += result.repair.ids;
    stats.deleted += result.repair.deleted;
    stats.indexed += result.repair.indexed;
  }
  stats.ms += Date.now() - started;
  if (result.drifting_days)
    deps.verbose(
      `recent days ${range.from}..${range.to}: ${result.drifting_days} day(s) drifted, ` +
        `${result.repair?.ids ?? 0} id(s) repaired`,
    );
}
