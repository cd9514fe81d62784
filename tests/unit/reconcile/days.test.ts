import {
  businessDayOfQuarter, businessDayOfWallClock, compareDays, consecutiveRuns, defaultReconcileRange, sourceWallClockBounds,
  type DayTotals, type SourceDayTotals,
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
    expect(sourceWallClockBounds({ from: '2024-05-01', to: '2024-05-02' }, seoul)).toEqual({ from: '2024-04-30 00:00:00', until: '2024-05-04 00:00:00' });
    const utc = sourceWallClockBounds({ from: '2024-05-01', to: '2024-05-01' }, { tz: 'UTC', sourceTz: 'Asia/Seoul' });
    expect(utc.from <= '2024-05-01 09:00:00' && utc.until >= '2024-05-02 09:00:00').toBe(true);
  });

  it('groups days into runs of consecutive days', () => {
    expect(consecutiveRuns(['2024-05-03', '2024-05-01', '2024-05-02', '2024-05-07', '2024-05-31', '2024-06-01', '2024-05-07'])).toEqual([
      { from: '2024-05-01', to: '2024-05-03' }, { from: '2024-05-07', to: '2024-05-07' }, { from: '2024-05-31', to: '2024-06-01' },
    ]);
  });
});

describe('reconcile: comparing days', () => {
  it('reports days where the count or the sum differ, including days on one side only', () => {
    const mysql = new Map<string, SourceDayTotals>([
      ['2024-05-01', { rows: 10, amount: 1000, changed: 0 }],
      ['2024-05-02', { rows: 5, amount: 500, changed: 1 }],
      ['2024-05-03', { rows: 3, amount: 300, changed: 0 }],
      ['2024-05-05', { rows: 1, amount: 7, changed: 1 }],
    ]);
    const es = new Map<string, DayTotals>([
      ['2024-05-01', { rows: 10, amount: 1000 }],
      ['2024-05-02', { rows: 5, amount: 400 }],
      ['2024-05-03', { rows: 4, amount: 300 }],
      ['2024-05-04', { rows: 2, amount: 20 }],
    ]);
    const c = compareDays(mysql, es);
    expect(c.days_with_data).toBe(5);
    expect([c.first_day, c.last_day]).toEqual(['2024-05-01', '2024-05-05']);
    expect(c.mysql).toEqual({ rows: 19, amount: 1807 });
    expect(c.es).toEqual({ rows: 21, amount: 1720 });
    expect(c.drift.map((d) => [d.day, d.rows_diff, d.amount_diff, d.changed_since_checkpoint])).toEqual([
      ['2024-05-02', 0, -100, 1],
      ['2024-05-03', 1, 0, 0],
      ['2024-05-04', 2, 20, 0],
      ['2024-05-05', -1, -7, 1],
    ]);
  });

  it('nothing on either side is in sync', () => {
    expect(compareDays(new Map(), new Map())).toMatchObject({ days_with_data: 0, first_day: null, drift: [] });
  });
});
