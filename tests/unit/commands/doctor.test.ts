import { pendingDetail, reconcileOutcome } from '../../../src/commands/doctor';

describe('doctor: pending recompute', () => {
  it('tells days daily will handle from days that are not over yet', () => {
    expect(pendingDetail([], '2024-05-10')).toBe('no changed days waiting');
    expect(pendingDetail(['2024-05-08', '2024-05-09'], '2024-05-10')).toBe('2 changed day(s) wait for the next `earlypay daily`');
    expect(pendingDetail(['2024-05-09', '2024-05-10', '2034-01-01'], '2024-05-10')).toBe(
      '1 changed day(s) wait for the next `earlypay daily`; 2 day(s) from today on (sales dated today or in the future) wait until they are over',
    );
  });
});

describe('doctor: the last reconcile', () => {
  it('shows its outcome, and warns with the command while drift was left', () => {
    expect(reconcileOutcome({ status: 'succeeded', counts: { outcome: 'in sync', remaining: [] } })).toEqual({ outcome: 'in sync', warn: false, hint: undefined });
    expect(reconcileOutcome({ status: 'succeeded', counts: { outcome: 'repaired', remaining: [] } })).toMatchObject({ outcome: 'repaired', warn: false });
    expect(reconcileOutcome({ status: 'succeeded', counts: { outcome: 'drift found', remaining: [{ day: '2024-05-01' }, { day: '2024-05-03' }] } })).toEqual({
      outcome: 'drift found', warn: true, hint: '`earlypay reconcile --from 2024-05-01 --to 2024-05-03` lists the ids; `--repair` rewrites them',
    });
    expect(reconcileOutcome({ status: 'failed', counts: undefined })).toBeNull();
    // Runs recorded before outcomes existed.
    expect(reconcileOutcome({ status: 'succeeded', counts: { drifting_days: 0 } })).toBeNull();
  });
});
