/**
 * Business-day arithmetic. A business day is the calendar day of `sold_at` in the business
 * time zone (SPEC §5). DATETIME columns are wall-clock strings in the *source* time zone;
 * documents carry ISO 8601 with an explicit offset.
 */
import { TZDate, tz } from '@date-fns/tz';
import { addDays, format, isValid, parse, parseISO } from 'date-fns';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const WALL_CLOCK_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?$/;

/** A `YYYY-MM-DD` string that is a real calendar date. */
export function isBusinessDay(value: string): boolean {
  if (!DATE_RE.test(value)) return false;
  const d = parse(value, 'yyyy-MM-dd', new Date(2000, 0, 1));
  return isValid(d) && format(d, 'yyyy-MM-dd') === value;
}

/** Validates an IANA time zone name (throws RangeError for unknown ones). */
export function assertTimeZone(timeZone: string): void {
  new Intl.DateTimeFormat('en-US', { timeZone }).format(0);
}

/**
 * Interprets a wall-clock DATETIME ('2024-05-01 13:05:00') in `timeZone`.
 * Returns null for zero dates, malformed strings and impossible dates ('2024-02-30').
 */
export function wallClockToInstant(value: string | null | undefined, timeZone: string): Date | null {
  if (value == null) return null;
  const m = WALL_CLOCK_RE.exec(String(value).trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const date = new TZDate(y, mo - 1, d, h, mi, s, timeZone);
  // Reject dates the calendar rolled over (Feb 30 -> Mar 2).
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d) return null;
  return new Date(date.getTime());
}

/** ISO 8601 with the offset of `timeZone`, second precision: 2024-05-01T13:05:00+09:00. */
export function toOffsetIso(instant: Date, timeZone: string): string {
  return format(new TZDate(instant.getTime(), timeZone), "yyyy-MM-dd'T'HH:mm:ssXXX");
}

/** The business day (YYYY-MM-DD in `timeZone`) an instant falls on. */
export function businessDayOf(instant: Date, timeZone: string): string {
  return format(instant, 'yyyy-MM-dd', { in: tz(timeZone) });
}

/** The first instant of a business day, as ISO with offset (for range queries). */
export function startOfBusinessDay(day: string, timeZone: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return toOffsetIso(new TZDate(y, m - 1, d, 0, 0, 0, timeZone), timeZone);
}

/** `day` plus `n` calendar days (n may be negative). */
export function shiftDay(day: string, n: number): string {
  return format(addDays(parseISO(day), n), 'yyyy-MM-dd');
}

/** Every day from `from` to `to` inclusive; empty when from > to. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let d = from; d <= to; d = shiftDay(d, 1)) days.push(d);
  return days;
}

/** Today's business day in `timeZone` (injectable clock for tests). */
export function today(timeZone: string, now: Date = new Date()): string {
  return businessDayOf(now, timeZone);
}

/** Formats an instant as a wall-clock DATETIME string in `timeZone`, for SQL parameters. */
export function toWallClock(instant: Date, timeZone: string): string {
  return format(instant, 'yyyy-MM-dd HH:mm:ss', { in: tz(timeZone) });
}

/** Parses a user-supplied time: ISO 8601 with or without offset (no offset = `timeZone`), or a business day. */
export function parseUserTime(value: string, timeZone: string): Date | null {
  if (isBusinessDay(value)) return wallClockToInstant(`${value} 00:00:00`, timeZone);
  if (/[zZ]$|[+-]\d{2}:?\d{2}$/.test(value)) {
    const d = parseISO(value);
    return isValid(d) ? d : null;
  }
  return wallClockToInstant(value, timeZone);
}
