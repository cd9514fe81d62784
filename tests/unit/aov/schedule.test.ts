import {
  cronDailyPlan,
  cronWeeklyPlan,
  rangeDailyPlan,
  rangeWeeklyPlan,
  todayPlan,
} from '../../../src/core/aov/schedule';

const mark = (day: string) => ({ day, seqNo: 1, primaryTerm: 1 });

describe('cronDailyPlan', () => {
  it('is yesterday alone when nothing changed', () => {
    expect(cronDailyPlan('2024-05-01', [])).toEqual({ days: ['2024-05-01'], handled: [], deferred: [] });
  });
  it('adds every changed day up to yesterday, once, in order; leaves today and later marked', () => {
    const marks = [mark('2024-04-03'), mark('2024-05-01'), mark('2023-12-31'), mark('2024-05-02'), mark('2030-01-01')];
    const plan = cronDailyPlan('2024-05-01', marks);
    expect(plan.days).toEqual(['2023-12-31', '2024-04-03', '2024-05-01']);
    expect(plan.handled.map((m) => m.day)).toEqual(['2024-04-03', '2024-05-01', '2023-12-31']);
    expect(plan.deferred.map((m) => m.day)).toEqual(['2024-05-02', '2030-01-01']);
  });
});

describe('cronWeeklyPlan', () => {
  it('is the window ending yesterday when nothing changed', () => {
    expect(cronWeeklyPlan('2024-05-01', []).days).toEqual(['2024-05-01']);
  });
  it('adds every window containing a changed day (ends D..D+6), none ending after yesterday', () => {
    const plan = cronWeeklyPlan('2024-05-10', [mark('2024-04-01'), mark('2024-05-08'), mark('2024-05-11')]);
    expect(plan.days).toEqual([
      '2024-04-01',
      '2024-04-02',
      '2024-04-03',
      '2024-04-04',
      '2024-04-05',
      '2024-04-06',
      '2024-04-07',
      '2024-05-08',
      '2024-05-09',
      '2024-05-10',
    ]);
    expect(plan.handled.map((m) => m.day)).toEqual(['2024-04-01', '2024-05-08']);
    expect(plan.deferred.map((m) => m.day)).toEqual(['2024-05-11']);
  });
  it('merges overlapping windows of neighbouring changed days', () => {
    const plan = cronWeeklyPlan('2024-06-30', [mark('2024-06-01'), mark('2024-06-03')]);
    expect(plan.days).toEqual([
      '2024-06-01',
      '2024-06-02',
      '2024-06-03',
      '2024-06-04',
      '2024-06-05',
      '2024-06-06',
      '2024-06-07',
      '2024-06-08',
      '2024-06-09',
      '2024-06-30',
    ]);
  });
});

describe('explicit ranges clear the marks they satisfy', () => {
  const marks = ['2024-04-28', '2024-05-01', '2024-05-03', '2024-05-10', '2024-05-20'].map((day) => ({ day }));

  it('daily: the marks of the days in the range', () => {
    const plan = rangeDailyPlan('2024-05-01', '2024-05-10', '2024-05-30', marks);
    expect(plan.handled.map((m) => m.day)).toEqual(['2024-05-01', '2024-05-03', '2024-05-10']);
    expect(plan.deferred.map((m) => m.day)).toEqual(['2024-04-28', '2024-05-20']);
  });

  it('daily: not the marks of days not over yet, which it computed provisionally', () => {
    // yesterday 2024-05-02: 05-03 and 05-10 are today and later.
    const plan = rangeDailyPlan('2024-05-01', '2024-05-10', '2024-05-02', marks);
    expect(plan.handled.map((m) => m.day)).toEqual(['2024-05-01']);
    expect(plan.deferred.map((m) => m.day)).toEqual(['2024-04-28', '2024-05-03', '2024-05-10', '2024-05-20']);
  });

  it('--today: today alone, and it satisfies no mark', () => {
    expect(todayPlan('2024-05-03', marks)).toEqual({ days: ['2024-05-03'], handled: [], deferred: marks });
  });

  it('weekly: a mark only when every window ending D … D+6 (up to yesterday) was computed', () => {
    // yesterday 2024-05-12: the mark of 05-10 needs windows ending 05-10 … 05-12 only.
    const plan = rangeWeeklyPlan('2024-05-01', '2024-05-12', '2024-05-12', marks);
    expect(plan.handled.map((m) => m.day)).toEqual(['2024-05-01', '2024-05-03', '2024-05-10']);
    expect(plan.deferred.map((m) => m.day)).toEqual(['2024-04-28', '2024-05-20']);
    // 05-01 needs windows up to 05-07: covered; 04-28 starts before the range; 05-20 is in the future.
    expect(rangeWeeklyPlan('2024-05-01', '2024-05-07', '2024-05-30', marks).handled.map((m) => m.day)).toEqual([
      '2024-05-01',
    ]);
    expect(rangeWeeklyPlan('2024-05-01', '2024-05-06', '2024-05-30', marks).handled).toEqual([]);
  });
});
