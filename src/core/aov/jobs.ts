/**
 * The `daily` and `weekly` jobs: which days to compute (the given range, the cron form:
 * yesterday plus what ingest marked as changed, or today so far), the computation, and
 * clearing the marks that were handled. Marks are cleared only after the documents are
 * written and the stale ones removed; a mark re-written by an ingest meanwhile is kept
 * (StateStore). Documents of a day not over yet are provisional, and clear no mark.
 */
import type { Client } from '@elastic/elasticsearch';
import type { IndexNames } from '../config/indexNames';
import { StateStore, type DayMark } from '../state/store';
import { shiftDay, today } from '../time/businessDay';
import { computeDailyAov, type DailyResult } from './computeDaily';
import { computeWeeklyAov, type WeeklyResult } from './computeWeekly';
import { cronDailyPlan, cronWeeklyPlan, rangeDailyPlan, rangeWeeklyPlan, todayPlan, type CronPlan } from './schedule';

export interface AovJobDeps {
  client: Client;
  names: IndexNames;
  /** Business time zone: what "yesterday" means. */
  tz: string;
  now: () => Date;
  onProgress?: (done: number, total: number) => void;
  concurrency?: number;
}

/** Explicit days (`--date`, `--from/--to`). */
export interface DayRangeInput {
  from: string;
  to: string;
}

/** Which days a run computes: explicit ones, the cron form (undefined), or today so far (`--today`). */
export type DayScope = DayRangeInput | 'today' | undefined;

export interface Coverage {
  mode: 'range' | 'cron' | 'today';
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

interface Planned {
  plan: CronPlan<DayMark>;
  state: StateStore;
  mode: Coverage['mode'];
  /** Today's business day: what is computed for it or later is provisional. */
  today: string;
}

async function planFor(deps: AovJobDeps, job: 'daily' | 'weekly', scope: DayScope): Promise<Planned> {
  const state = new StateStore(deps.client, deps.names.state);
  const now = today(deps.tz, deps.now());
  const yesterday = shiftDay(now, -1);
  const marks = await state.changedDays(job);
  if (scope === 'today') return { plan: todayPlan(now, marks), state, mode: 'today', today: now };
  if (scope) {
    const plan =
      job === 'daily'
        ? rangeDailyPlan(scope.from, scope.to, yesterday, marks)
        : rangeWeeklyPlan(scope.from, scope.to, yesterday, marks);
    return { plan, state, mode: 'range', today: now };
  }
  const plan = job === 'daily' ? cronDailyPlan(yesterday, marks) : cronWeeklyPlan(yesterday, marks);
  return { plan, state, mode: 'cron', today: now };
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
  scope: DayScope,
  compute: (days: string[], stamp: { computedAt: string; today: string }) => Promise<R>,
): Promise<R & Coverage> {
  const { plan, state, mode, today: now } = await planFor(deps, job, scope);
  const result = await compute(plan.days, { computedAt: computedAtStamp(), today: now });
  await state.clearChangedDays(job, plan.handled);
  return { ...coverage(plan, mode), ...result };
}

export function runDailyAovJob(deps: AovJobDeps, scope: DayScope): Promise<DailyJobResult> {
  const { client, names, concurrency, onProgress } = deps;
  return runRecomputeJob(deps, 'daily', scope, (days, stamp) =>
    computeDailyAov(
      { client, salesIndex: names.sales, dailyIndex: names.dailyAov, ...stamp, concurrency, onProgress },
      days,
    ),
  );
}

export function runWeeklyAovJob(deps: AovJobDeps, scope: DayScope): Promise<WeeklyJobResult> {
  const { client, names, onProgress } = deps;
  return runRecomputeJob(deps, 'weekly', scope, (ends, stamp) =>
    computeWeeklyAov({ client, dailyIndex: names.dailyAov, weeklyIndex: names.weeklyAov, ...stamp, onProgress }, ends),
  );
}
