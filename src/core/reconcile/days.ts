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
import { MAX_AMOUNT } from '../money';
import { businessDayOf, daysBetween, shiftDay, toWallClock, wallClockToInstant } from '../time/businessDay';

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
export function sourceWallClockBounds(
  range: DayRange,
  zones: Zones,
  marginHours = 36,
): { from: string; until: string } {
  const noon = (day: string): Date => wallClockToInstant(`${day} 12:00:00`, zones.tz)!;
  const margin = marginHours * 3_600_000;
  return {
    from: toWallClock(new Date(noon(range.from).getTime() - margin), zones.sourceTz),
    until: toWallClock(new Date(noon(range.to).getTime() + margin), zones.sourceTz),
  };
}

/**
 * [from, until) of source wall clock cut into at most `slices` consecutive pieces at wall-clock
 * midnights, so that no quarter hour lies in two pieces (MySQL groups by quarter hour, and a
 * quarter that spans two business days is re-read whole).
 */
export function wallClockSlices(
  bounds: { from: string; until: string },
  slices: number,
): { from: string; until: string }[] {
  const cuts = daysBetween(shiftDay(bounds.from.slice(0, 10), 1), bounds.until.slice(0, 10))
    .map((day) => `${day} 00:00:00`)
    .filter((cut) => cut > bounds.from && cut < bounds.until);
  const pieces = Math.max(1, Math.min(slices, cuts.length + 1));
  const chosen = Array.from(
    { length: pieces - 1 },
    (_, i) => cuts[Math.round(((i + 1) * (cuts.length + 1)) / pieces) - 1],
  ).filter((c): c is string => c !== undefined);
  const edges = [bounds.from, ...new Set(chosen), bounds.until];
  return edges.slice(1).map((until, i) => ({ from: edges[i]!, until }));
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

export interface DayTotals {
  rows: number;
  /** Σ amount_sale, won. */
  amount: number;
}

/** A day's totals with Σ row_fingerprint (source/fingerprint.ts). */
export interface FingerprintedTotals extends DayTotals {
  fingerprint: number;
}

export interface SourceDayTotals extends FingerprintedTotals {
  /** Rows modified after the ingest checkpoint: the next ingest copies them anyway. */
  changed: number;
}

export interface IndexDayTotals extends FingerprintedTotals {
  /** Documents that carry row_fingerprint (written since mapping version 2). */
  fingerprinted: number;
}

/** What the drill-down found on a drifting day (drillDown.ts); ids capped at DRIFT_ID_CAP each. */
export interface DayDifferences {
  /** Accepted rows of the day in MySQL without their document on that day in Elasticsearch. */
  missing: number;
  /** Documents of the day in Elasticsearch without an accepted row of that day in MySQL. */
  extra: number;
  /** Both sides have the id on that day, with different fingerprints. */
  changed: number;
  /** Both sides have the id, the document has no fingerprint yet (it cannot be compared). */
  unfingerprinted: number;
  missing_ids: string[];
  extra_ids: string[];
  changed_ids: string[];
}

export interface DayComparison extends DayDifferences {
  day: string;
  mysql_rows: number;
  mysql_amount: number;
  es_rows: number;
  es_amount: number;
  /** Elasticsearch minus MySQL. */
  rows_diff: number;
  amount_diff: number;
  /** Count and Σ amount agree, the fingerprints do not (a changed card, remark, raw_data …). */
  fingerprint_differs: boolean;
  changed_since_checkpoint: number;
}

/** A day whose documents are not all fingerprinted yet: compared by count and Σ amount only. */
export interface UnfingerprintedDay {
  day: string;
  documents: number;
}

export interface Comparison {
  /** How many days hold data on either side, and the first and last of them. */
  days_with_data: number;
  first_day: string | null;
  last_day: string | null;
  mysql: DayTotals;
  es: DayTotals;
  /** Days to drill down: their totals or fingerprints differ, or they are too big for exact sums. */
  drift: DayComparison[];
  not_fingerprinted: UnfingerprintedDay[];
}

export function addTotals<T extends DayTotals>(into: Map<string, T>, day: string, add: T): void {
  const current = into.get(day);
  if (!current) {
    into.set(day, { ...add });
    return;
  }
  for (const key of Object.keys(add) as (keyof T)[]) (current[key] as number) += add[key] as number;
}

export const NO_DIFFERENCES: DayDifferences = {
  missing: 0,
  extra: 0,
  changed: 0,
  unfingerprinted: 0,
  missing_ids: [],
  extra_ids: [],
  changed_ids: [],
};

/**
 * Whether a day's Σ amount_sale on both sides is exact, so that they compare: Elasticsearch sums
 * in doubles, exact below 2^53 (money.ts's MAX_AMOUNT); beyond, the drill-down decides.
 */
export function exactAmounts(mysql: number, es: number): boolean {
  return Math.abs(mysql) <= MAX_AMOUNT && Math.abs(es) <= MAX_AMOUNT;
}

/**
 * Day by day, MySQL's accepted rows against the sales index. A day is a candidate for drift
 * when count or Σ amount differ, or — when every document of the day carries a fingerprint —
 * Σ fingerprint differs; a day with more rows than fingerprint sums hold exactly, or amounts
 * beyond what sums hold exactly, is always a candidate (the drill-down decides). A day whose documents are not all
 * fingerprinted yet and whose count and amount agree is listed in `not_fingerprinted`, not as drift.
 */
export function compareDays(
  mysql: ReadonlyMap<string, SourceDayTotals>,
  es: ReadonlyMap<string, IndexDayTotals>,
  exactRows: number,
): Comparison {
  const days = [...new Set([...mysql.keys(), ...es.keys()])].sort();
  const out: Comparison = {
    days_with_data: days.length,
    first_day: days[0] ?? null,
    last_day: days[days.length - 1] ?? null,
    mysql: { rows: 0, amount: 0 },
    es: { rows: 0, amount: 0 },
    drift: [],
    not_fingerprinted: [],
  };
  for (const day of days) {
    const m = mysql.get(day) ?? { rows: 0, amount: 0, fingerprint: 0, changed: 0 };
    const e = es.get(day) ?? { rows: 0, amount: 0, fingerprint: 0, fingerprinted: 0 };
    out.mysql.rows += m.rows;
    out.mysql.amount += m.amount;
    out.es.rows += e.rows;
    out.es.amount += e.amount;
    const amountsExact = exactAmounts(m.amount, e.amount);
    const totalsDiffer = m.rows !== e.rows || (amountsExact && m.amount !== e.amount);
    const allFingerprinted = e.fingerprinted === e.rows;
    const fingerprintDiffers = !totalsDiffer && allFingerprinted && m.fingerprint !== e.fingerprint;
    const tooBig = Math.max(m.rows, e.rows) > exactRows || !amountsExact;
    if (!totalsDiffer && !allFingerprinted) out.not_fingerprinted.push({ day, documents: e.rows - e.fingerprinted });
    if (totalsDiffer || fingerprintDiffers || (tooBig && allFingerprinted)) {
      out.drift.push({
        day,
        mysql_rows: m.rows,
        mysql_amount: m.amount,
        es_rows: e.rows,
        es_amount: e.amount,
        rows_diff: e.rows - m.rows,
        amount_diff: e.amount - m.amount,
        fingerprint_differs: fingerprintDiffers,
        changed_since_checkpoint: m.changed,
        ...NO_DIFFERENCES,
      });
    }
  }
  return out;
}
