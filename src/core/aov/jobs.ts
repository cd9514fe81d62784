/**
 * The `daily` and `weekly` jobs: which days to compute (the given range, or the cron form:
 * yesterday plus what ingest marked as changed), the computation, and clearing the marks
 * that were handled. Marks are cleared only after the documents are written and the stale
 * ones removed; a mark re-written by an ingest meanwhile is kept (StateStore).
 */
import type { Client } from '@elastic/elasticsearch';
import type { IndexNames } from '../es/indices';
import { StateStore, type DayMark } from '../state/store';
import { shiftDay, today } from '../time/businessDay';
import { computeDailyAov, type DailyResult } from './computeDaily';
import { computeWeeklyAov, type WeeklyResult } from './computeWeekly';
import { cronDailyPlan, cronWeeklyPlan, rangeDailyPlan, rangeWeeklyPlan, type CronPlan } from './schedule';

export interface AovJobDeps {
  client: Client;
  names: IndexNames;
  /** Business time zone: what "yesterday" means. */
  tz: string;
  now: () => Date;
  onProgress?: (done: number, total: number) => void;
  concurrency?: number;
}

/** Explicit days (`--date`, `--from/--to`), or undefined for the cron form. */
export interface DayRangeInput {
  from: string;
  to: string;
}

export interface Coverage {
  mode: 'range' | 'cron';
  /** First and last day (daily) or window end (weekly) computed. */
  from: string;
  to: string;
  /** Marked days handled (and cleared), and marked days left for a later run. */
  changed_days_handled: number;
  changed_days_deferred: number;
}

export type DailyJobResult = DailyResult & Coverage;
export type WeeklyJobResult = WeeklyResult & Coverage;

/**
 * `computed_at` of a run: the wall clock, never the injectable business clock. The stale sweep
 * tells this run's documents from earlier ones by it, so two runs must never share it (runs of
 * a job are serialised by its lock and take well over a millisecond).
 */
function computedAtStamp(): string {
  return new Date().toISOString();
}

function yesterdayIn(tz: string, now: Date): string {
  return shiftDay(today(tz, now), -1);
}

async function planFor(
  deps: AovJobDeps,
  job: 'daily' | 'weekly',
  range: DayRangeInput | undefined,
): Promise<{ plan: CronPlan<DayMark>; state: StateStore; mode: Coverage['mode'] }> {
  const state = new StateStore(deps.client, deps.names.state);
  const yesterday = yesterdayIn(deps.tz, deps.now());
  const marks = await state.changedDays(job);
  if (range) {
    const plan =
      job === 'daily'
        ? rangeDailyPlan(range.from, range.to, marks)
        : rangeWeeklyPlan(range.from, range.to, yesterday, marks);
    return { plan, state, mode: 'range' };
  }
  const plan = job === 'daily' ? cronDailyPlan(yesterday, marks) : cronWeeklyPlan(yesterday, marks);
  return { plan, state, mode: 'cron' };
}

function coverage(plan: CronPlan<DayMark>, mode: Coverage['mode']): Coverage {
  return {
    mode,
    from: plan.days[0] ?? '',
    to: plan.days[plan.days.length - 1] ?? '',
    changed_days_handled: plan.handled.length,
    changed_days_deferred: plan.deferred.length,
  };
}

/** Plans the days, computes them with the run's `computed_at`, then clears the handled marks. */
async function runRecomputeJob<R>(
  deps: AovJobDeps,
  job: 'daily' | 'weekly',
  range: DayRangeInput | undefined,
  compute: (days: string[], computedAt: string) => Promise<R>,
): Promise<R & Coverage> {
  const { plan, state, mode } = await planFor(deps, job, range);
  const result = await compute(plan.days, computedAtStamp());
  await state.clearChangedDays(job, plan.handled);
  return { ...coverage(plan, mode), ...result };
}

export function runDailyAovJob(deps: AovJobDeps, range: DayRangeInput | undefined): Promise<DailyJobResult> {
  const { client, names, concurrency, onProgress } = deps;
  return runRecomputeJob(deps, 'daily', range, (days, computedAt) =>
    computeDailyAov(
      { client, salesIndex: names.sales, dailyIndex: names.dailyAov, computedAt, concurrency, onProgress },
      days,
    ),
  );
}

export function runWeeklyAovJob(deps: AovJobDeps, range: DayRangeInput | undefined): Promise<WeeklyJobResult> {
  const { client, names, onProgress } = deps;
  return runRecomputeJob(deps, 'weekly', range, (ends, computedAt) =>
    computeWeeklyAov(
      { client, dailyIndex: names.dailyAov, weeklyIndex: names.weeklyAov, computedAt, onProgress },
      ends,
    ),
  );
}
