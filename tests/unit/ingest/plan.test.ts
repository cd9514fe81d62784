import { planIngest, type PlanInput } from '../../../src/core/ingest/plan';

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
  it('the first run and --full read everything up to now − lag, and what is modified after now', () => {
    expect(planIngest(base)).toEqual({
      mode: 'full',
      window: { untilModified: '2024-05-02 08:58:00', futureAfter: '2024-05-02 09:00:00' },
      mayAdvance: true,
    });
    expect(planIngest({ ...base, previous: at, full: true }).mode).toBe('full');
  });
  it('incremental starts --overlap before the checkpoint', () => {
    expect(planIngest({ ...base, previous: at })).toEqual({
      mode: 'incremental',
      window: {
        fromModified: '2024-05-02 07:50:00',
        untilModified: '2024-05-02 08:58:00',
        futureAfter: '2024-05-02 09:00:00',
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
  it('a checkpoint that is not a date-time fails with the way out', () => {
    expect(() => planIngest({ ...base, previous: { modified: 'garbage', id: '1' } })).toThrow(/not a date-time/);
  });
});
