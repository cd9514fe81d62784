/**
 * Business-day arithmetic. A business day is the calendar day of `sold_at` in the business
 * time zone (docs/contract.md §5). DATETIME columns are wall-clock strings in the *source* time zone;
 * documents carry ISO 8601 with an explicit offset.
 */
import { TZDate, tz, tzOffset } from '@date-fns/tz';
// One module each: date-fns' index loads all of its functions at every start (docs/performance.md "Small things").
import { format } from 'date-fns/format';
import { isValid } from 'date-fns/isValid';
import { parse } from 'date-fns/parse';
import { parseISO } from 'date-fns/parseISO';
import { isPlainWallClock, isoOfPlainWallClock, wallClockAsUtcMs } from '../codec/dateText';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The supported days (docs/configuration.md "Limits"), one range for every command: the days a user may name,
 * and the days ingest accepts a sale on (a sale dated outside them, or a row modified outside
 * them, is rejected with that reason), so nothing in the indices lies beyond what a command can
 * ask for. Card sales of this platform start long after 2000; the upper end keeps every year
 * four digits (days compare as strings) and any range at most 36,525 days long.
 */
export const FIRST_BUSINESS_DAY = '2000-01-01';
export const LAST_BUSINESS_DAY = '2099-12-31';

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

/*
 * Offsets in a time zone change only at its transitions, and an Intl lookup per conversion made
 * time-zone arithmetic the largest cost of ingest (nine conversions per row). So the offset is
 * looked up once per zone and quarter hour (transitions fall on quarter hours for any date a
 * sale can have) and checked at both ends of the quarter; a quarter that holds a transition, a
 * wall-clock time near one (ambiguous or skipped local times), or an offset with seconds goes
 * the exact TZDate way, so the results are identical to it everywhere.
 */
const QUARTER_HOUR_MS = 900_000;
const MAX_CACHED_QUARTERS = 200_000;
const offsetCache = new Map<string, Map<number, number | null>>();

/** The zone's offset in minutes at an instant (ms since the epoch). */
function offsetMinutesAt(ms: number, timeZone: string): number {
  let zone = offsetCache.get(timeZone);
  if (!zone) {
    zone = new Map();
    offsetCache.set(timeZone, zone);
  }
  const quarter = Math.floor(ms / QUARTER_HOUR_MS);
  let offset = zone.get(quarter);
  if (offset === undefined) {
    const start = tzOffset(timeZone, new Date(quarter * QUARTER_HOUR_MS));
    const end = tzOffset(timeZone, new Date((quarter + 1) * QUARTER_HOUR_MS - 1));
    offset = start === end && Number.isInteger(start) ? start : null;
    if (zone.size >= MAX_CACHED_QUARTERS) zone.clear();
    zone.set(quarter, offset);
  }
  return offset ?? tzOffset(timeZone, new Date(ms));
}

/** Offsets span UTC−12 … UTC+14: a wall-clock time's instant lies within 15 hours of it read as UTC. */
const WIDEST_OFFSET_MS = 15 * 3_600_000;

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const pad4 = (n: number): string => String(n).padStart(4, '0');

/** The wall-clock fields of an instant in a zone whose offset there is `offset` minutes. */
function wallClockFields(ms: number, offset: number): { date: string; time: string } {
  const local = new Date(ms + offset * 60_000);
  return {
    date: `${pad4(local.getUTCFullYear())}-${pad2(local.getUTCMonth() + 1)}-${pad2(local.getUTCDate())}`,
    time: `${pad2(local.getUTCHours())}:${pad2(local.getUTCMinutes())}:${pad2(local.getUTCSeconds())}`,
  };
}

/** `+09:00`, `-03:30`, or `Z` for UTC (as date-fns' XXX writes it). */
function offsetSuffix(offset: number): string {
  if (offset === 0) return 'Z';
  const abs = Math.abs(offset);
  return `${offset < 0 ? '-' : '+'}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/** The offset to use for an instant when it is cached and whole-minute; undefined means "go the exact way". */
function steadyOffset(ms: number, timeZone: string): number | undefined {
  const offset = offsetMinutesAt(ms, timeZone);
  return Number.isInteger(offset) ? offset : undefined;
}

/** A wall-clock DATETIME read in a zone: the instant, and the same time written as ISO 8601 with the zone's offset. */
export interface WallClockReading {
  /** The instant, ms since the epoch. */
  ms: number;
  /** 2024-05-01T13:05:00+09:00 (what toOffsetIso writes for the instant in that zone). */
  iso: string;
}

const suffixes = new Map<number, string>();

/**
 * The zone's offset (minutes) around the instant of a wall clock read as UTC (`asUtc`), when it
 * is steady for 15 hours either side: then the local time exists once, at this offset, and its
 * instant is `asUtc` less it. Undefined near a transition (TZDate decides there: exactInstant).
 */
function steadyOffsetAround(asUtc: number, timeZone: string): number | undefined {
  const before = steadyOffset(asUtc - WIDEST_OFFSET_MS, timeZone);
  return before !== undefined && before === steadyOffset(asUtc + WIDEST_OFFSET_MS, timeZone) ? before : undefined;
}

/** The instant of a wall clock (read as UTC: `asUtc`) in `timeZone` by TZDate; null for a local time that is not. */
function exactInstant(asUtc: number, timeZone: string): number | null {
  const f = new Date(asUtc);
  const y = f.getUTCFullYear();
  const mo = f.getUTCMonth();
  const d = f.getUTCDate();
  const date = new TZDate(y, mo, d, f.getUTCHours(), f.getUTCMinutes(), f.getUTCSeconds(), timeZone);
  if (date.getFullYear() !== y || date.getMonth() !== mo || date.getDate() !== d) return null;
  return date.getTime();
}

/** The instant (ms since the epoch) of a wall-clock DATETIME text in `timeZone`, or null (see readWallClock). */
function wallClockMs(text: string, timeZone: string): number | null {
  const asUtc = wallClockAsUtcMs(text);
  if (asUtc === null) return null;
  const offset = steadyOffsetAround(asUtc, timeZone);
  return offset === undefined ? exactInstant(asUtc, timeZone) : asUtc - offset * 60_000;
}

/**
 * Reads a wall-clock DATETIME ('2024-05-01 13:05:00') in `timeZone`: null for zero dates,
 * malformed strings, impossible dates ('2024-02-30') and years below 100 (JavaScript dates read
 * them as 19xx). Ingest reads four a row, so the common case allocates nothing but the ISO
 * text: where the zone's offset is steady around the instant, the ISO text is the wall clock's
 * own digits with the offset appended — exactly what converting the instant back would write.
 */
export function readWallClock(value: string | null | undefined, timeZone: string): WallClockReading | null {
  if (value == null) return null;
  const text = String(value);
  const asUtc = wallClockAsUtcMs(text);
  if (asUtc === null) return null;
  const offset = steadyOffsetAround(asUtc, timeZone);
  if (offset === undefined) {
    const ms = exactInstant(asUtc, timeZone);
    return ms === null ? null : { ms, iso: toOffsetIso(new Date(ms), timeZone) };
  }
  const ms = asUtc - offset * 60_000;
  if (!isPlainWallClock(text)) return { ms, iso: toOffsetIso(new Date(ms), timeZone) };
  let suffix = suffixes.get(offset);
  if (suffix === undefined) {
    suffix = offsetSuffix(offset);
    suffixes.set(offset, suffix);
  }
  return { ms, iso: isoOfPlainWallClock(text, suffix) };
}

/**
 * Interprets a wall-clock DATETIME ('2024-05-01 13:05:00') in `timeZone` (no ISO text built).
 * Returns null for zero dates, malformed strings and impossible dates ('2024-02-30').
 */
export function wallClockToInstant(value: string | null | undefined, timeZone: string): Date | null {
  if (value == null) return null;
  const ms = wallClockMs(String(value), timeZone);
  return ms === null ? null : new Date(ms);
}

/**
 * ISO 8601 with the offset of `timeZone`, second precision: 2024-05-01T13:05:00+09:00. Where the
 * zone's offset is not whole minutes (local mean time before a zone adopted standard time: Seoul
 * was +08:27:52 until 1908), the offset cannot be written in ISO 8601's ±HH:MM, and the instant is
 * written in UTC instead (…Z): the same instant, exactly. Every supported day (docs/configuration.md "Limits")
 * has whole-minute offsets in every zone of the tz database.
 */
export function toOffsetIso(instant: Date, timeZone: string): string {
  const offset = steadyOffset(instant.getTime(), timeZone);
  if (offset === undefined) {
    if (!Number.isInteger(tzOffset(timeZone, instant))) return `${instant.toISOString().slice(0, 19)}Z`;
    return format(new TZDate(instant.getTime(), timeZone), "yyyy-MM-dd'T'HH:mm:ssXXX");
  }
  const { date, time } = wallClockFields(instant.getTime(), offset);
  return `${date}T${time}${offsetSuffix(offset)}`;
}

/**
 * Whether ISO 8601 instant `a` is earlier than `b`. Two texts of one form and one offset (what
 * documents carry: toOffsetIso's, or readWallClock's) order as their characters do, which is a
 * comparison instead of two Date.parse calls (rules judge a row with it); any others are parsed.
 */
export function isoBefore(a: string, b: string): boolean {
  if (a.length === b.length && a.length >= 20 && a.charCodeAt(10) === 0x54 && b.charCodeAt(10) === 0x54) {
    let sameOffset = true;
    for (let i = 19; i < a.length && sameOffset; i++) sameOffset = a.charCodeAt(i) === b.charCodeAt(i);
    if (sameOffset) return a < b;
  }
  return Date.parse(a) < Date.parse(b);
}

/** The business day (YYYY-MM-DD in `timeZone`) an instant falls on. */
export function businessDayOf(instant: Date, timeZone: string): string {
  const offset = steadyOffset(instant.getTime(), timeZone);
  if (offset === undefined) return format(instant, 'yyyy-MM-dd', { in: tz(timeZone) });
  return wallClockFields(instant.getTime(), offset).date;
}

/** The first instant of a business day, as ISO with offset (for range queries). */
export function startOfBusinessDay(day: string, timeZone: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return toOffsetIso(new TZDate(y, m - 1, d, 0, 0, 0, timeZone), timeZone);
}

/** `day` plus `n` calendar days (n may be negative). */
export function shiftDay(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const shifted = new Date(0);
  shifted.setUTCFullYear(y, m - 1, d + n); // unlike Date.UTC, reads years below 100 as they are
  return `${pad4(shifted.getUTCFullYear())}-${pad2(shifted.getUTCMonth() + 1)}-${pad2(shifted.getUTCDate())}`;
}

/** Every day from `from` to `to` inclusive; empty when from > to. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  // After 9999-12-31 comes "10000-01-01", which sorts below it: stop there instead of forever.
  for (let d = from; d <= to && d.length === 10; d = shiftDay(d, 1)) days.push(d);
  return days;
}

/**
 * Ascending distinct days as runs of consecutive days: ['05-01','05-02','05-04'] ->
 * [{from:'05-01',to:'05-02'},{from:'05-04',to:'05-04'}]. A query over many days uses one
 * range per run, not one clause per day (Elasticsearch caps a query's clauses).
 */
export function contiguousRuns(days: readonly string[]): { from: string; to: string }[] {
  const runs: { from: string; to: string }[] = [];
  for (const day of days) {
    const last = runs[runs.length - 1];
    if (last && shiftDay(last.to, 1) === day) last.to = day;
    else if (!last || day > last.to) runs.push({ from: day, to: day });
  }
  return runs;
}

/** Today's business day in `timeZone` (injectable clock for tests). */
export function today(timeZone: string, now: Date = new Date()): string {
  return businessDayOf(now, timeZone);
}

/** Formats an instant as a wall-clock DATETIME string in `timeZone`, for SQL parameters. */
export function toWallClock(instant: Date, timeZone: string): string {
  const offset = steadyOffset(instant.getTime(), timeZone);
  if (offset === undefined) return format(instant, 'yyyy-MM-dd HH:mm:ss', { in: tz(timeZone) });
  const { date, time } = wallClockFields(instant.getTime(), offset);
  return `${date} ${time}`;
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

/** A zone's offset from UTC at an instant, in whole minutes (rounded as a clock shows it). */
export function zoneOffsetMinutes(timeZone: string, at: Date): number {
  return Math.round(tzOffset(timeZone, at));
}
