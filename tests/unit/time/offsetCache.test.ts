/**
 * The cached offsets of businessDay.ts must give exactly what the plain TZDate / date-fns way
 * gives, everywhere: far from transitions, across them (DST gaps and overlaps, half-hour DST,
 * quarter-hour offsets) and for dates the calendar rolls over.
 */
import { TZDate, tz } from '@date-fns/tz';
import { format } from 'date-fns';
import {
  businessDayOf,
  readWallClock,
  toOffsetIso,
  toWallClock,
  wallClockToInstant,
} from '../../../src/core/time/businessDay';

const ZONES = [
  'Asia/Seoul',
  'UTC',
  'America/New_York',
  'Europe/Berlin',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'America/St_Johns',
  'Pacific/Chatham',
];

function referenceInstant(value: string, timeZone: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(value)!;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new TZDate(y, mo - 1, d, h, mi, s, timeZone);
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d) return null;
  return date.getTime();
}

function seeded(seed: number): () => number {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
}

/** Every 17 minutes across the two days around each transition of 2024 in the zone, and a sample of decades. */
function instantsFor(timeZone: string): number[] {
  const out: number[] = [];
  const random = seeded(ZONES.indexOf(timeZone) + 1);
  for (let i = 0; i < 800; i++)
    out.push(Date.UTC(1990, 0, 1) + Math.floor(random() * (Date.UTC(2040, 0, 1) - Date.UTC(1990, 0, 1))));
  const transitionDays = [
    '2024-03-10',
    '2024-11-03',
    '2024-03-31',
    '2024-10-27',
    '2024-04-07',
    '2024-10-06',
    '2024-09-29',
  ];
  for (const day of transitionDays) {
    const start = Date.parse(`${day}T00:00:00Z`) - 86_400_000;
    for (let t = start; t < start + 3 * 86_400_000; t += 17 * 60_000 + 13_000) out.push(t);
  }
  return out;
}

describe.each(ZONES)('cached offsets in %s', (timeZone) => {
  const instants = instantsFor(timeZone);

  it('write instants exactly as TZDate + date-fns do', () => {
    for (const ms of instants) {
      const at = new Date(ms);
      expect(toOffsetIso(at, timeZone)).toBe(format(new TZDate(ms, timeZone), "yyyy-MM-dd'T'HH:mm:ssXXX"));
      expect(businessDayOf(at, timeZone)).toBe(format(at, 'yyyy-MM-dd', { in: tz(timeZone) }));
      expect(toWallClock(at, timeZone)).toBe(format(at, 'yyyy-MM-dd HH:mm:ss', { in: tz(timeZone) }));
    }
  });

  it('read wall-clock times exactly as TZDate does, skipped and repeated local times included', () => {
    for (const ms of instants) {
      // Every wall-clock reading of the UTC fields is a plausible source DATETIME in any zone.
      const wall = new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
      const reference = referenceInstant(wall, timeZone);
      expect(wallClockToInstant(wall, timeZone)?.getTime() ?? null).toBe(reference);
      // What ingest writes: the instant, and its ISO text without converting back.
      const reading = readWallClock(wall, timeZone);
      expect(reading && { ms: reading.ms, iso: reading.iso }).toEqual(
        reference === null
          ? null
          : { ms: reference, iso: format(new TZDate(reference, timeZone), "yyyy-MM-dd'T'HH:mm:ssXXX") },
      );
    }
  });
});

it('rejects rolled-over dates and two-digit years on the fast path too', () => {
  expect(wallClockToInstant('2023-02-29 12:00:00', 'Asia/Seoul')).toBeNull();
  expect(wallClockToInstant('2024-04-31 00:00:00', 'Asia/Seoul')).toBeNull();
  expect(wallClockToInstant('1900-02-29 00:00:00', 'Asia/Seoul')).toBeNull();
  expect(readWallClock('2000-02-29 23:59:59', 'Asia/Seoul')).toEqual({
    ms: Date.parse('2000-02-29T23:59:59+09:00'),
    iso: '2000-02-29T23:59:59+09:00',
  });
  expect(readWallClock('2024-05-01T13:05:00', 'UTC')).toEqual({
    ms: Date.parse('2024-05-01T13:05:00Z'),
    iso: '2024-05-01T13:05:00Z',
  });
  expect(readWallClock(' 2024-05-01 13:05:00.5 ', 'Asia/Seoul')?.iso).toBe('2024-05-01T13:05:00+09:00');
  expect(wallClockToInstant('0099-05-01 00:00:00', 'Asia/Seoul')?.getTime() ?? null).toBe(
    referenceInstant('0099-05-01 00:00:00', 'Asia/Seoul'),
  );
});
