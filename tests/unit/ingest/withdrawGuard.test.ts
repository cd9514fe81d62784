import { DEFAULT_WITHDRAW_LIMIT, parseWithdrawLimit, resolveConfig } from '../../../src/core/config/config';
import { UsageError } from '../../../src/core/errors';
import { allowedWithdrawals } from '../../../src/core/ingest/withdrawGuard';

describe('the mass-withdrawal limit', () => {
  it('reads n, n% and all, and nothing else', () => {
    expect(parseWithdrawLimit('5000')).toEqual({ atLeast: 5000, percent: 0 });
    expect(parseWithdrawLimit('2.5%')).toEqual({ atLeast: 0, percent: 2.5 });
    expect(parseWithdrawLimit('all')).toBe('all');
    for (const bad of ['', 'lots', '-1', '101%', '1e3', '5 %', '%']) expect(parseWithdrawLimit(bad)).toBeNull();
  });

  it('allows by default the larger of 1,000 sales and 1 % of the index', () => {
    expect(allowedWithdrawals(DEFAULT_WITHDRAW_LIMIT as { atLeast: number; percent: number }, 50_000)).toBe(1_000);
    expect(allowedWithdrawals(DEFAULT_WITHDRAW_LIMIT as { atLeast: number; percent: number }, 2_000_000)).toBe(20_000);
    expect(allowedWithdrawals({ atLeast: 0, percent: 2 }, 1_000)).toBe(20);
  });

  it('comes from EARLYPAY_MAX_WITHDRAW or the config key, a bad one a usage error naming where', () => {
    expect(resolveConfig({}, {}).maxWithdraw).toEqual(DEFAULT_WITHDRAW_LIMIT);
    expect(resolveConfig({}, { EARLYPAY_MAX_WITHDRAW: '3%' }).maxWithdraw).toEqual({ atLeast: 0, percent: 3 });
    expect(() => resolveConfig({}, { EARLYPAY_MAX_WITHDRAW: 'many' })).toThrow(UsageError);
    expect(() => resolveConfig({}, { EARLYPAY_MAX_WITHDRAW: 'many' })).toThrow(/EARLYPAY_MAX_WITHDRAW/);
  });
});
