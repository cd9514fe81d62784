import {
  businessDayOf,
  daysBetween,
  isBusinessDay,
  isoBefore,
  parseUserTime,
  shiftDay,
  startOfBusinessDay,
  toOffsetIso,
  toWallClock,
  wallClockToInstant,
} from '../../../src/core/time/businessDay';

describe('business days', () => {
  it('accepts only real calendar dates', () => {
    expect(isBusinessDay('2024-02-29')).toBe(true);
    expect(isBusinessDay('2023-02-29')).toBe(false);
    expect(isBusinessDay('2024-13-01')).toBe(false);
    expect(isBusinessDay('2024-5-1')).toBe(false);
    expect(isBusinessDay('yesterday')).toBe(false);
  });

  it('reads wall-clock DATETIMEs in the source zone and writes them with their offset', () => {
    const t = wallClockToInstant('2024-05-01 13:05:00', 'Asia/Seoul')!;
    expect(t.toISOString()).toBe('2024-05-01T04:05:00.000Z');
    expect(toOffsetIso(t, 'Asia/Seoul')).toBe('2024-05-01T13:05:00+09:00');
  });

  it('rejects zero dates and impossible dates', () => {
    expect(wallClockToInstant('0000-00-00 00:00:00', 'Asia/Seoul')).toBeNull();
    expect(wallClockToInstant('2024-02-30 10:00:00', 'Asia/Seoul')).toBeNull();
    expect(wallClockToInstant('', 'Asia/Seoul')).toBeNull();
    expect(wallClockToInstant(null, 'Asia/Seoul')).toBeNull();
  });

  it('puts a sale at 00:30 KST on the KST day, though it is the previous UTC day', () => {
    const t = wallClockToInstant('2024-05-02 00:30:00', 'Asia/Seoul')!;
    expect(t.toISOString().slice(0, 10)).toBe('2024-05-01');
    expect(businessDayOf(t, 'Asia/Seoul')).toBe('2024-05-02');
    expect(businessDayOf(wallClockToInstant('2024-05-01 23:59:59', 'Asia/Seoul')!, 'Asia/Seoul')).toBe('2024-05-01');
  });

  it('handles a business zone different from the source zone', () => {
    const t = wallClockToInstant('2024-05-02 08:00:00', 'Asia/Seoul')!; // 23:00 UTC on May 1
    expect(businessDayOf(t, 'UTC')).toBe('2024-05-01');
    expect(toWallClock(t, 'UTC')).toBe('2024-05-01 23:00:00');
  });

  it('does day arithmetic across month and year ends', () => {
    expect(shiftDay('2024-03-01', -1)).toBe('2024-02-29');
    expect(shiftDay('2023-12-31', 1)).toBe('2024-01-01');
    expect(daysBetween('2024-02-27', '2024-03-01')).toEqual(['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01']);
    expect(daysBetween('2024-03-02', '2024-03-01')).toEqual([]);
    expect(startOfBusinessDay('2024-05-01', 'Asia/Seoul')).toBe('2024-05-01T00:00:00+09:00');
  });

  it('parses user times with or without offsets', () => {
    expect(parseUserTime('2024-05-01', 'Asia/Seoul')!.toISOString()).toBe('2024-04-30T15:00:00.000Z');
    expect(parseUserTime('2024-05-01T10:00:00Z', 'Asia/Seoul')!.toISOString()).toBe('2024-05-01T10:00:00.000Z');
    expect(parseUserTime('2024-05-01 10:00:00', 'Asia/Seoul')!.toISOString()).toBe('2024-05-01T01:00:00.000Z');
    expect(parseUserTime('soon', 'Asia/Seoul')).toBeNull();
  });
});

describe('shiftDay', () => {
  it('moves across month, year and leap-day boundaries', () => {
    expect(shiftDay('2024-02-28', 1)).toBe('2024-02-29');
    expect(shiftDay('2023-02-28', 1)).toBe('2023-03-01');
    expect(shiftDay('2024-03-01', -1)).toBe('2024-02-29');
    expect(shiftDay('2024-12-31', 1)).toBe('2025-01-01');
    expect(shiftDay('2025-01-01', -7)).toBe('2024-12-25');
    expect(shiftDay('2024-05-01', 0)).toBe('2024-05-01');
    expect(shiftDay('2024-01-01', 366)).toBe('2025-01-01');
  });
});

describe('isoBefore', () => {
  it('orders instants as Date.parse does, whatever their offsets, fractions and forms', () => {
    const texts = [
      '2024-05-01T13:05:00+09:00',
      '2024-05-01T13:05:01+09:00',
      '2024-05-01T04:05:00Z',
      '2024-05-01T04:05:00.500Z',
      '2024-05-01T13:05:00.250+09:00',
      '2024-05-01T13:05:00.750+09:00',
      '2024-05-01T00:05:00-04:00',
      '2024-04-30T23:59:59-05:00',
      '2024-03-10T01:59:59-05:00',
      '2024-03-10T03:00:00-04:00',
      '2023-12-31T23:59:59+14:00',
      '2024-01-01T00:00:00Z',
      '2024-05-01T13:05:00+05:30',
    ];
    for (const a of texts)
      for (const b of texts) expect([a, b, isoBefore(a, b)]).toEqual([a, b, Date.parse(a) < Date.parse(b)]);
  });
});
