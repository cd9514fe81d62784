/**
 * Which days the cron form of `daily` and `weekly` covers (docs/contract.md §6): yesterday, plus what
 * `ingest` marked as changed. Pure, so the calendar logic is unit-tested without a server.
 *
 * Only complete days are computed: a mark for today (ingest runs every 6 hours) or a later
 * day (a sale dated in the future) stays in place and is handled by the first run after that
 * day is over, when it is "yesterday" or earlier. Likewise `weekly` computes only windows
 * ending yesterday or earlier: a window ending today would be built from a day still being
 * sold in, and is computed anyway by the next night's run, as the window ending yesterday.
 * `--today` computes today anyway, provisionally, and leaves every mark to that run.
 */
import { daysBetween, shiftDay } from '../time/businessDay';
import { WINDOW_DAYS } from './weeklyAov';

export interface MarkedDay {
  day: string;
}

export interface CronPlan<M extends MarkedDay> {
  /** Business days (daily) or window ends (weekly) to compute, ascending, distinct. */
  days: string[];
  /** Marks this run handles and clears when it succeeds. */
  handled: M[];
  /** Marks left for a later run (today or later). */
  deferred: M[];
}

function split<M extends MarkedDay>(yesterday: string, marks: readonly M[]): { handled: M[]; deferred: M[] } {
  const handled = marks.filter((m) => m.day <= yesterday);
  const deferred = marks.filter((m) => m.day > yesterday);
  return { handled, deferred };
}

/** `daily` with no dates: yesterday and every marked day up to yesterday. */
export function cronDailyPlan<M extends MarkedDay>(yesterday: string, marks: readonly M[]): CronPlan<M> {
  const { handled, deferred } = split(yesterday, marks);
  const days = new Set<string>([yesterday, ...handled.map((m) => m.day)]);
  return { days: [...days].sort(), handled, deferred };
}

/**
 * `weekly` with no dates: the window ending yesterday and every window containing a marked
 * day D (ending D … D+6), none ending after yesterday.
 */
export function cronWeeklyPlan<M extends MarkedDay>(yesterday: string, marks: readonly M[]): CronPlan<M> {
  const { handled, deferred } = split(yesterday, marks);
  const ends = new Set<string>([yesterday]);
  for (const m of handled) {
    for (let k = 0; k < WINDOW_DAYS; k++) {
      const end = shiftDay(m.day, k);
      if (end > yesterday) break;
      ends.add(end);
    }
  }
  return { days: [...ends].sort(), handled, deferred };
}

/**
 * An explicit `daily --from --to` run satisfies the marks of the days it computed: they are
 * cleared too, so a backfill leaves nothing "pending" behind it. Marks outside the range stay,
 * and so do those of days not over yet (after yesterday): what it wrote for them is provisional.
 */
export function rangeDailyPlan<M extends MarkedDay>(
  from: string,
  to: string,
  yesterday: string,
  marks: readonly M[],
): CronPlan<M> {
  const covered = (m: M): boolean => m.day >= from && m.day <= to && m.day <= yesterday;
  return { days: daysBetween(from, to), handled: marks.filter(covered), deferred: marks.filter((m) => !covered(m)) };
}

/**
 * `daily --today` / `weekly --today`: today's day (or the window ending today), provisional.
 * It satisfies no mark: the day is not over, and the run after it is computes it for good.
 */
export function todayPlan<M extends MarkedDay>(today: string, marks: readonly M[]): CronPlan<M> {
  return { days: [today], handled: [], deferred: [...marks] };
}

/**
 * An explicit `weekly --from --to` run satisfies a mark for day D when it computed every window
 * the cron form would recompute for D: those ending D … D+6, none after yesterday.
 */
export function rangeWeeklyPlan<M extends MarkedDay>(
  from: string,
  to: string,
  yesterday: string,
  marks: readonly M[],
): CronPlan<M> {
  const covered = (m: M): boolean => {
    if (m.day > yesterday) return false;
    const lastEnd = shiftDay(m.day, WINDOW_DAYS - 1) < yesterday ? shiftDay(m.day, WINDOW_DAYS - 1) : yesterday;
    return m.day >= from && lastEnd <= to;
  };
  return { days: daysBetween(from, to), handled: marks.filter(covered), deferred: marks.filter((m) => !covered(m)) };
}
