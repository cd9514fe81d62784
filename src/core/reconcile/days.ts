/**
 * Pure pieces of `reconcile`: which business days to compare, how a wall-clock quarter hour
 * of the source maps to a business day, and which days drift.
 *
 * MySQL cannot be asked for business days directly without its time-zone tables, so it
 * groups rows by wall-clock quarter hour of `sold_at` (source zone) and the quarters are
 * mapped here with the same functions mapSourceRow uses. Zone offsets and DST switches are
 * whole quarter hours in every zone of today's tz database, so a quarter lies on one day; a
 * quarter that does not (historic local mean time) is re-read second by second.
 */
import { businessDayOf, shiftDay, toWallClock, wallClockToInstant } from '../time/businessDay';

export interface Zones {
  /** Business time zone: day boundaries (config.tz). */
  tz: string;
  /** Zone the source DATETIMEs are written in (config.sourceTz). */
  sourceTz: string;
}

export interface DayRange {
  from: string;
  to: string;
}

/** Without --from/--to: this many days, ending yesterday (today is still being ingested). */
export const DEFAULT_RECONCILE_DAYS = 35;

export function defaultReconcileRange(today: string, days = DEFAULT_RECONCILE_DAYS): DayRange {
  return { from: shiftDay(today, -days), to: shiftDay(today, -1) };
}

/**
 * Wall-clock bounds in the source zone, [from, until), that contain every second of the
 * business days `range` — with half a day to spare on each side, so that offsets and DST
 * never cut a day short. Rows outside the days are filtered by their business day.
 */
export function sourceWallClockBounds(range: DayRange, zones: Zones): { from: string; until: string } {
  const noon = (day: string): Date => wallClockToInstant(`${day} 12:00:00`, zones.tz)!;
  const margin = 36 * 3_600_000;
  return {
    from: toWallClock(new Date(noon(range.from).getTime() - margin), zones.sourceTz),
    until: toWallClock(new Date(noon(range.to).getTime() + margin), zones.sourceTz),
  };
}

/** The business day of a source wall-clock DATETIME, or null when mapSourceRow would reject it. */
export function businessDayOfWallClock(wallClock: string, zones: Zones): string | null {
  const instant = wallClockToInstant(wallClock, zones.sourceTz);
  return instant ? businessDayOf(instant, zones.tz) : null;
}

/**
 * The business day every second of a wall-clock quarter hour falls on ('2024-05-01 13', 1
 * is 13:15:00–13:29:59), or null when the quarter spans two days (re-read it by second).
 */
export function businessDayOfQuarter(hour: string, quarter: number, zones: Zones): string | null {
  const mm = String(quarter * 15).padStart(2, '0');
  const last = String(quarter * 15 + 14).padStart(2, '0');
  const first = businessDayOfWallClock(`${hour}:${mm}:00`, zones);
  const end = businessDayOfWallClock(`${hour}:${last}:59`, zones);
  return first !== null && first === end ? first : null;
}

/** Days grouped into runs of consecutive days (one range query per run). */
export function consecutiveRuns(days: readonly string[]): DayRange[] {
  const sorted = [...new Set(days)].sort();
  const runs: DayRange[] = [];
  for (const day of sorted) {
    const last = runs[runs.length - 1];
    if (last && shiftDay(last.to, 1) === day) last.to = day;
    else runs.push({ from: day, to: day });
  }
  return runs;
}

export interface DayTotals {
  rows: number;
  /** Σ amount_sale, won. */
  amount: number;
}

export interface SourceDayTotals extends DayTotals {
  /** Rows modified after the ingest checkpoint: the next ingest copies them anyway. */
  changed: number;
}

export interface DayComparison {
  day: string;
  mysql_rows: number;
  mysql_amount: number;
  es_rows: number;
  es_amount: number;
  /** Elasticsearch minus MySQL. */
  rows_diff: number;
  amount_diff: number;
  changed_since_checkpoint: number;
}

export interface Comparison {
  /** How many days hold data on either side, and the first and last of them. */
  days_with_data: number;
  first_day: string | null;
  last_day: string | null;
  mysql: DayTotals;
  es: DayTotals;
  drift: DayComparison[];
}

export function addTotals<T extends DayTotals>(into: Map<string, T>, day: string, add: T): void {
  const current = into.get(day);
  if (!current) {
    into.set(day, { ...add });
    return;
  }
  for (const key of Object.keys(add) as (keyof T)[]) (current[key] as number) += add[key] as number;
}

/** Day by day, MySQL's accepted rows against the sales index; a day drifts when count or sum differ. */
export function compareDays(mysql: ReadonlyMap<string, SourceDayTotals>, es: ReadonlyMap<string, DayTotals>): Comparison {
  const days = [...new Set([...mysql.keys(), ...es.keys()])].sort();
  const out: Comparison = { days_with_data: days.length, first_day: days[0] ?? null, last_day: days[days.length - 1] ?? null, mysql: { rows: 0, amount: 0 }, es: { rows: 0, amount: 0 }, drift: [] };
  for (const day of days) {
    const m = mysql.get(day) ?? { rows: 0, amount: 0, changed: 0 };
    const e = es.get(day) ?? { rows: 0, amount: 0 };
    out.mysql.rows += m.rows;
    out.mysql.amount += m.amount;
    out.es.rows += e.rows;
    out.es.amount += e.amount;
    if (m.rows !== e.rows || m.amount !== e.amount) {
      out.drift.push({
        day, mysql_rows: m.rows, mysql_amount: m.amount, es_rows: e.rows, es_amount: e.amount,
        rows_diff: e.rows - m.rows, amount_diff: e.amount - m.amount, changed_since_checkpoint: m.changed,
      });
    }
  }
  return out;
}
