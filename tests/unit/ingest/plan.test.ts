import { planIngest, planPoll, RecentRows, type PlanInput } from '../../../src/core/ingest/plan';
import { rowsModifiedBy } from '../../../src/core/ingest/read';

const base: PlanInput = {
  previous: null,
  full: false,
  now: new Date('2024-05-02T00:00:00Z'),
  lagMs: 120_000,
  overlapMs: 600_000,
  sourceTz: 'Asia/Seoul',
};
const at = { modified: '2024-05-02 08:00:00', id: '10' };

describe('plan', () => {
  it('the first run and --full read everything; the checkpoint stops at now − lag', () => {
    expect(planIngest(base)).toEqual({
      mode: 'full',
      window: { checkpointUntil: '2024-05-02 08:58:00', futureAfter: '2024-05-02 09:01:00' },
      mayAdvance: true,
    });
    expect(planIngest({ ...base, previous: at, full: true }).mode).toBe('full');
  });
  it('incremental starts --overlap before the checkpoint', () => {
    expect(planIngest({ ...base, previous: at })).toEqual({
      mode: 'incremental',
      window: {
        fromModified: '2024-05-02 07:50:00',
        checkpointUntil: '2024-05-02 08:58:00',
        futureAfter: '2024-05-02 09:01:00',
      },
      mayAdvance: true,
    });
  });
  it('--since moves the checkpoint only when it starts at or before it', () => {
    expect(planIngest({ ...base, previous: at, since: new Date('2024-05-01T00:00:00Z') })).toMatchObject({
      mode: 'since',
      window: { fromModified: '2024-05-01 09:00:00' },
      mayAdvance: true,
    });
    expect(planIngest({ ...base, previous: at, since: new Date('2024-05-01T23:30:00Z') }).mayAdvance).toBe(false);
    expect(planIngest({ ...base, since: new Date('2024-05-01T00:00:00Z') }).mayAdvance).toBe(false);
  });
  it('repair reads the given rows and never moves the checkpoint', () => {
    const rows = (async function* () {})();
    const repair = planIngest({ ...base, previous: at, rows, full: true });
    expect(repair).toMatchObject({ mode: 'repair', rows, mayAdvance: false });
    expect(repair.window.futureAfter).toBeUndefined();
  });
  it('a poll of --follow reads after its position up to now; the checkpoint stops at now − lag', () => {
    expect(planPoll({ modified: '2024-05-02 08:59:50', id: '12' }, base.now, base.lagMs, base.sourceTz)).toEqual({
      mode: 'poll',
      window: {
        after: { modified: '2024-05-02 08:59:50', id: '12' },
        untilModified: '2024-05-02 09:00:00',
        checkpointUntil: '2024-05-02 08:58:00',
      },
      mayAdvance: true,
    });
  });
  it('a poll reads the last seconds again: a row updated in the second it stopped in, with a lower id', () => {
    expect(planPoll({ modified: '2024-05-02 08:59:59', id: '12' }, base.now, base.lagMs, base.sourceTz)).toEqual({
      mode: 'poll',
      window: {
        fromModified: '2024-05-02 08:59:58',
        untilModified: '2024-05-02 09:00:00',
        checkpointUntil: '2024-05-02 08:58:00',
      },
      mayAdvance: true,
    });
  });
  it('the rows a poll read in its last seconds are known to the next as they were, and forgotten after', () => {
    const recent = new RecentRows();
    expect(recent.known({ id: '7', modified: '2024-05-02 08:59:59' })).toBe(false);
    expect(recent.known({ id: '7', modified: '2024-05-02 08:59:59' })).toBe(true);
    expect(recent.known({ id: '7', modified: '2024-05-02 09:00:00' })).toBe(false); // updated: read again
    const poll = planPoll({ modified: '2024-05-02 08:59:59', id: '12' }, base.now, base.lagMs, base.sourceTz, recent);
    expect(poll.window.recent).toBe(recent);
    planPoll({ modified: '2024-05-02 09:00:00', id: '12' }, new Date('2024-05-02T00:00:03Z'), 0, base.sourceTz, recent);
    expect(recent.known({ id: '7', modified: '2024-05-02 09:00:00' })).toBe(false); // before 09:00:01: forgotten
    expect(recent.known({ id: '7', modified: '2024-05-02 09:00:00' })).toBe(false); // and not noted again
    expect(recent.known({ id: '8', modified: '2024-05-02 09:00:01' })).toBe(false);
    expect(recent.known({ id: '8', modified: '2024-05-02 09:00:01' })).toBe(true);
  });
  it('a checkpoint that is not a date-time fails with the way out', () => {
    expect(() => planIngest({ ...base, previous: { modified: 'garbage', id: '1' } })).toThrow(/not a date-time/);
  });
});

describe('rowsModifiedBy', () => {
  const page = (modified: string[]) => ({
    length: modified.length,
    key: (i: number) => ({ modified: modified[i]!, id: String(i + 1) }),
  });
  it('counts the leading rows modified at or before the bound', () => {
    const rows = page(['2024-05-02 08:57:00', '2024-05-02 08:58:00', '2024-05-02 08:59:30']);
    expect(rowsModifiedBy(rows, '2024-05-02 08:58:00')).toBe(2);
    expect(rowsModifiedBy(rows, '2024-05-02 08:56:00')).toBe(0);
    expect(rowsModifiedBy(rows, '2024-05-02 09:00:00')).toBe(3);
  });
});
