import { buildDailySearch, buildWeeklySearch } from '../../../src/core/search/aovQuery';
import { buildAnomalySearch, parseAnomalyId, parseRules, parseStatus } from '../../../src/core/search/anomalyQuery';
import { UsageError } from '../../../src/core/errors';

describe('daily and weekly searches', () => {
  it('daily: one date for all stores, newest first then store', () => {
    const plan = buildDailySearch({ from: '2024-05-01', to: '2024-05-01' });
    expect(plan.query).toEqual({
      bool: { filter: [{ range: { date: { gte: '2024-05-01', lte: '2024-05-01', format: 'yyyy-MM-dd' } } }] },
    });
    expect(plan.sort).toEqual([{ date: { order: 'desc' } }, { 'store_id.number': { order: 'asc' } }]);
  });
  it('weekly: by end_date, store filter, custom sort keeps a total order', () => {
    const plan = buildWeeklySearch({ stores: ['50'], sort: { field: 'unit_price', order: 'asc' } });
    expect(plan.query).toEqual({ bool: { filter: [{ term: { store_id: '50' } }] } });
    expect(plan.sort).toEqual([
      { unit_price: { order: 'asc' } },
      { end_date: { order: 'asc' } },
      { 'store_id.number': { order: 'asc' } },
    ]);
  });
  it('weekly sorted by store: end_date breaks ties', () => {
    expect(buildWeeklySearch({ sort: { field: 'store_id', order: 'desc' } }).sort).toEqual([
      { 'store_id.number': { order: 'desc' } },
      { end_date: { order: 'desc' } },
    ]);
  });
  it('rejects a reversed range', () => {
    expect(() => buildDailySearch({ from: '2024-05-02', to: '2024-05-01' })).toThrow(UsageError);
  });
});

describe('anomaly search', () => {
  it('defaults to open anomalies, newest sale first', () => {
    const plan = buildAnomalySearch({});
    expect(plan.query).toEqual({ bool: { filter: [{ term: { status: 'open' } }] } });
    expect(plan.sort[0]).toEqual({ sold_at: { order: 'desc' } });
    expect(plan.fields[0]).toBe('id');
  });
  it('filters rule, store, days; status all drops the status filter', () => {
    const plan = buildAnomalySearch({
      rules: ['OVER_WEEKLY_AOV', 'REPEATED_AMOUNT'],
      stores: ['7'],
      from: '2024-05-01',
      to: '2024-05-02',
      status: 'all',
    });
    expect((plan.query as { bool: { filter: unknown } }).bool.filter).toEqual([
      { terms: { rule: ['OVER_WEEKLY_AOV', 'REPEATED_AMOUNT'] } },
      { term: { store_id: '7' } },
      { range: { sale_date: { gte: '2024-05-01', lte: '2024-05-02', format: 'yyyy-MM-dd' } } },
    ]);
  });
  it('parses rules case-insensitively and rejects unknown ones', () => {
    expect(parseRules('over_weekly_aov, repeated-amount')).toEqual(['OVER_WEEKLY_AOV', 'REPEATED_AMOUNT']);
    expect(() => parseRules('OVER_AOV')).toThrow(/unknown rule "OVER_AOV"/);
    expect(() => parseStatus('closed')).toThrow(UsageError);
    expect(parseStatus('ALL')).toBe('all');
  });
  it('parses anomaly ids', () => {
    expect(parseAnomalyId('123:OVER_WEEKLY_AOV')).toEqual({ saleId: '123', rule: 'OVER_WEEKLY_AOV' });
    expect(parseAnomalyId('123:NOPE')).toBeNull();
    expect(parseAnomalyId('abc:OVER_WEEKLY_AOV')).toBeNull();
    expect(parseAnomalyId('123')).toBeNull();
    // as --store and --rule read them: sale 0693 is sale 693, rules in any case
    expect(parseAnomalyId(' 0693:deposit_mismatch')).toEqual({ saleId: '693', rule: 'DEPOSIT_MISMATCH' });
    expect(parseAnomalyId('0:repeated-amount')).toEqual({ saleId: '0', rule: 'REPEATED_AMOUNT' });
  });
});
