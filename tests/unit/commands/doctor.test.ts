import { pendingDetail } from '../../../src/commands/doctor';

describe('doctor: pending recompute', () => {
  it('tells days daily will handle from days that are not over yet', () => {
    expect(pendingDetail([], '2024-05-10')).toBe('no changed days waiting');
    expect(pendingDetail(['2024-05-08', '2024-05-09'], '2024-05-10')).toBe('2 changed day(s) wait for the next `earlypay daily`');
    expect(pendingDetail(['2024-05-09', '2024-05-10', '2034-01-01'], '2024-05-10')).toBe(
      '1 changed day(s) wait for the next `earlypay daily`; 2 day(s) from today on (sales dated today or in the future) wait until they are over',
    );
  });
});
