import {
  businessDayOfQuarter,
  businessDayOfWallClock,
  compareDays,
  defaultReconcileRange,
  sourceWallClockBounds,
  wallClockSlices,
  type IndexDayTotals,
  type SourceDayTotals,
} from '../../../src/core/reconcile/days';

const seoul = { tz: 'Asia/Seoul', sourceTz: 'Asia/Seoul' };

describe('reconcile: business days of source quarter hours', () => {
  it('same zone: the wall-clock date', () => {
    expect(businessDayOfQuarter('2024-05-01 00', 0, seoul)).toBe('2024-05-01');
    expect(businessDayOfQuarter('2024-05-01 23', 3, seoul)).toBe('2024-05-01');
  });

  it('business day in UTC: the day turns at 09:00 Seoul wall clock', () => {
    const zones = { tz: 'UTC', sourceTz: 'Asia/Seoul' };
    expect(businessDayOfQuarter('2024-05-01 08', 3, zones)).toBe('2024-04-30');
    expect(businessDayOfQuarter('2024-05-01 09', 0, zones)).toBe('2024-05-01');
  });

  it('a half-hour zone: the day turns at 03:30 Seoul wall clock for Asia/Kolkata', () => {
    const zones = { tz: 'Asia/Kolkata', sourceTz: 'Asia/Seoul' };
    expect(businessDayOfQuarter('2024-05-02 03', 1, zones)).toBe('2024-05-01');
    expect(businessDayOfQuarter('2024-05-02 03', 2, zones)).toBe('2024-05-02');
  });

  it('a quarter hour with a day boundary inside (historic local mean time) is left to a by-second read', () => {
    // Seoul ran on LMT +08:27:52 in 1900: 00:00 UTC was 08:27:52 on Seoul's clocks.
    const zones = { tz: 'UTC', sourceTz: 'Asia/Seoul' };
    expect(businessDayOfQuarter('1900-01-02 08', 1, zones)).toBeNull();
    expect(businessDayOfWallClock('1900-01-02 08:27:51', zones)).toBe('1900-01-01');
    expect(businessDayOfWallClock('1900-01-02 08:27:52', zones)).toBe('1900-01-02');
    expect(businessDayOfQuarter('1900-01-02 08', 2, zones)).toBe('1900-01-02');
  });

  it('invalid wall clocks have no business day', () => {
    expect(businessDayOfWallClock('0000-00-00 00:00:00', seoul)).toBeNull();
  });
});

describe('reconcile: ranges', () => {
  it('defaults to the 35 days ending yesterday', () => {
    expect(defaultReconcileRange('2024-05-10')).toEqual({ from: '2024-04-05', to: '2024-05-09' });
  });

  it('source bounds cover the days with a margin, in the source zone', () => {
    expect(sourceWallClockBounds({ from: '2024-05-01', to: '2024-05-02' }, seoul)).toEqual({
      from: '2024-04-30 00:00:00',
      until: '2024-05-04 00:00:00',
    });
    const utc = sourceWallClockBounds({ from: '2024-05-01', to: '2024-05-01' }, { tz: 'UTC', sourceTz: 'Asia/Seoul' });
    expect(utc.from <= '2024-05-01 09:00:00' && utc.until >= '2024-05-02 09:00:00').toBe(true);
  });
});

describe('reconcile: comparing days', () => {
  const src = (rows: number, amount: number, fingerprint: number, changed = 0): SourceDayTotals => ({
    rows,
    amount,
    fingerprint,
    changed,
  });
  const idx = (rows: number, amount: number, fingerprint: number, fingerprinted = rows): IndexDayTotals => ({
    rows,
    amount,
    fingerprint,
    fingerprinted,
  });

  it('reports days where the count, the sum or the fingerprints differ, including days on one side only', () => {
    const mysql = new Map<string, SourceDayTotals>([
      ['2024-05-01', src(10, 1000, 77)],
      ['2024-05-02', src(5, 500, 55, 1)],
      ['2024-05-03', src(3, 300, 33)],
      ['2024-05-05', src(1, 7, 1, 1)],
      ['2024-05-06', src(2, 200, 22)],
    ]);
    const es = new Map<string, IndexDayTotals>([
      ['2024-05-01', idx(10, 1000, 77)],
      ['2024-05-02', idx(5, 400, 55)],
      ['2024-05-03', idx(4, 300, 33)],
      ['2024-05-04', idx(2, 20, 2)],
      // Same count and amount, another fingerprint: a changed card, remark or raw_data.
      ['2024-05-06', idx(2, 200, 23)],
    ]);
    const c = compareDays(mysql, es, 1_000);
    expect(c.days_with_data).toBe(6);
    expect([c.first_day, c.last_day]).toEqual(['2024-05-01', '2024-05-06']);
    expect(c.mysql).toEqual({ rows: 21, amount: 2007 });
    expect(c.es).toEqual({ rows: 23, amount: 1920 });
    expect(
      c.drift.map((d) => [d.day, d.rows_diff, d.amount_diff, d.fingerprint_differs, d.changed_since_checkpoint]),
    ).toEqual([
      ['2024-05-02', 0, -100, false, 1],
      ['2024-05-03', 1, 0, false, 0],
      ['2024-05-04', 2, 20, false, 0],
      ['2024-05-05', -1, -7, false, 1],
      ['2024-05-06', 0, 0, true, 0],
    ]);
    expect(c.not_fingerprinted).toEqual([]);
  });

  it(
    'a day with documents written before fingerprints is ' + 'compared by count and amount only, never as false drift',
    () => {
      const mysql = new Map([
        ['2024-05-01', src(3, 300, 999)],
        ['2024-05-02', src(3, 300, 999)],
      ]);
      const es = new Map([
        ['2024-05-01', idx(3, 300, 5, 1)],
        ['2024-05-02', idx(3, 301, 5, 1)],
      ]);
      const c = compareDays(mysql, es, 1_000);
      expect(c.not_fingerprinted).toEqual([{ day: '2024-05-01', documents: 2 }]);
      expect(c.drift.map((d) => d.day)).toEqual(['2024-05-02']);
    },
  );

  it('a day with more rows than fingerprint sums hold exactly is always drilled down', () => {
    const c = compareDays(new Map([['2024-05-01', src(11, 300, 5)]]), new Map([['2024-05-01', idx(11, 300, 5)]]), 10);
    expect(c.drift.map((d) => [d.day, d.fingerprint_differs])).toEqual([['2024-05-01', false]]);
  });

  it('nothing on either side is in sync', () => {
    expect(compareDays(new Map(), new Map(), 1_000)).toMatchObject({
      days_with_data: 0,
      first_day: null,
      drift: [],
      not_fingerprinted: [],
    });
  });
});

describe('wallClockSlices: the pieces MySQL aggregates two at a time', () => {
  const bounds = { from: '2024-03-31 00:00:00', until: '2024-05-31 23:59:59' };

  it('cover the bounds exactly, end to end, cut only at wall-clock midnights', () => {
    const slices = wallClockSlices(bounds, 4);
    expect(slices).toHaveLength(4);
    expect(slices[0]!.from).toBe(bounds.from);
    expect(slices[slices.length - 1]!.until).toBe(bounds.until);
    for (let i = 1; i < slices.length; i++) {
      expect(slices[i]!.from).toBe(slices[i - 1]!.until);
      expect(slices[i]!.from).toMatch(/^\d{4}-\d{2}-\d{2} 00:00:00$/);
    }
    // Roughly even: 62 days in four pieces of 15 or 16.
    const days = slices.map(
      (s) => (Date.parse(`${s.until.replace(' ', 'T')}Z`) - Date.parse(`${s.from.replace(' ', 'T')}Z`)) / 86_400_000,
    );
    for (const d of days) expect(d).toBeGreaterThan(14);
  });

  it('a span without a midnight inside stays whole; never more pieces than midnights allow', () => {
    expect(wallClockSlices({ from: '2024-05-01 09:30:00', until: '2024-05-01 23:45:00' }, 4)).toEqual([
      { from: '2024-05-01 09:30:00', until: '2024-05-01 23:45:00' },
    ]);
    expect(wallClockSlices({ from: '2024-05-01 09:30:00', until: '2024-05-02 13:00:00' }, 4)).toEqual([
      { from: '2024-05-01 09:30:00', until: '2024-05-02 00:00:00' },
      { from: '2024-05-02 00:00:00', until: '2024-05-02 13:00:00' },
    ]);
    // A bound that is itself a midnight is not cut again.
    expect(wallClockSlices({ from: '2024-05-01 00:00:00', until: '2024-05-02 00:00:00' }, 4)).toEqual([
      { from: '2024-05-01 00:00:00', until: '2024-05-02 00:00:00' },
    ]);
  });
});
