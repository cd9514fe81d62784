/**
 * DATETIME text read and written by position. Ingest reads four a row, nearly all exactly
 * 'YYYY-MM-DD HH:MM:SS': read by position, with no regex, array or intermediate string; anything
 * else goes through the regex. The zone arithmetic is time/businessDay.ts's.
 */

const WALL_CLOCK_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?$/;

/** Digits s[from..to) as a number, or -1. */
function digitsAt(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** Days in a month of the proleptic Gregorian calendar (as JavaScript dates count them). */
function daysInMonth(y: number, mo: number): number {
  if (mo === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
}

/** The fields as ms since the epoch read as UTC, or null when they are no real date and time from year 100 on. */
function utcMsOf(y: number, mo: number, d: number, h: number, mi: number, s: number): number | null {
  if (y < 100 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null;
  if (h < 0 || mi < 0 || s < 0) return null;
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** Whether `text` has the 19-character form 'YYYY-MM-DD HH:MM:SS' (or a 'T' between date and time). */
export function isPlainWallClock(text: string): boolean {
  return (
    text.length === 19 &&
    text[4] === '-' &&
    text[7] === '-' &&
    (text[10] === ' ' || text[10] === 'T') &&
    text[13] === ':' &&
    text[16] === ':'
  );
}

/**
 * A wall-clock DATETIME text ('2024-05-01 13:05:00', fractions allowed) read as if it were UTC:
 * ms since the epoch; null for zero dates, malformed text, impossible dates ('2024-02-30') and
 * years below 100 (JavaScript dates read them as 19xx).
 */
export function wallClockAsUtcMs(text: string): number | null {
  if (isPlainWallClock(text)) {
    return utcMsOf(
      digitsAt(text, 0, 4),
      digitsAt(text, 5, 7),
      digitsAt(text, 8, 10),
      digitsAt(text, 11, 13),
      digitsAt(text, 14, 16),
      digitsAt(text, 17, 19),
    );
  }
  const m = WALL_CLOCK_RE.exec(text.trim());
  if (!m) return null;
  return utcMsOf(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/**
 * `YYYY-MM-DDTHH:MM:SS` and the offset suffix ('Z' or '+09:00') from a text isPlainWallClock
 * accepts: one flat string made at once. Slicing and joining made four strings, the last a rope
 * the serializer flattened into a fifth (docs/performance.md "DATETIME text").
 */
export function isoOfPlainWallClock(t: string, suffix: string): string {
  // Every character an argument of its own: an array spread into the call cost more than the strings saved.
  const c = (i: number): number => t.charCodeAt(i);
  if (suffix.length === 1) {
    return String.fromCharCode(
      c(0),
      c(1),
      c(2),
      c(3),
      0x2d,
      c(5),
      c(6),
      0x2d,
      c(8),
      c(9),
      0x54,
      c(11),
      c(12),
      0x3a,
      c(14),
      c(15),
      0x3a,
      c(17),
      c(18),
      0x5a,
    );
  }
  const o = (i: number): number => suffix.charCodeAt(i);
  return String.fromCharCode(
    c(0),
    c(1),
    c(2),
    c(3),
    0x2d,
    c(5),
    c(6),
    0x2d,
    c(8),
    c(9),
    0x54,
    c(11),
    c(12),
    0x3a,
    c(14),
    c(15),
    0x3a,
    c(17),
    c(18),
    o(0),
    o(1),
    o(2),
    o(3),
    o(4),
    o(5),
  );
}
