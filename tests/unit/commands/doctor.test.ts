import { hostname } from 'node:os';
import { lastRunCheck, pendingDetail, reconcileOutcome } from '../../../src/commands/doctor';
import type { RunDocument } from '../../../src/core/runs/runRecord';

describe('doctor: pending recompute', () => {
  it('tells days daily will handle from days that are not over yet', () => {
    expect(pendingDetail([], '2024-05-10')).toBe('no changed days waiting');
    expect(pendingDetail(['2024-05-08', '2024-05-09'], '2024-05-10')).toBe(
      '2 changed day(s) wait for the next `earlypay daily`',
    );
    expect(pendingDetail(['2024-05-09', '2024-05-10', '2034-01-01'], '2024-05-10')).toBe(
      '1 changed day(s) wait for the next `earlypay daily`; 2 day(s) from today on (sales dated today or in the ' +
        'future) wait until they are over',
    );
  });
});

describe('doctor: the last reconcile', () => {
  it('shows its outcome, and warns with the command while drift was left', () => {
    expect(reconcileOutcome({ status: 'succeeded', counts: { outcome: 'in sync', remaining: [] } })).toEqual({
      outcome: 'in sync',
      warn: false,
      hint: undefined,
    });
    expect(reconcileOutcome({ status: 'succeeded', counts: { outcome: 'repaired', remaining: [] } })).toMatchObject({
      outcome: 'repaired',
      warn: false,
    });
    expect(
      reconcileOutcome({
        status: 'succeeded',
        counts: { outcome: 'drift found', remaining: [{ day: '2024-05-01' }, { day: '2024-05-03' }] },
      }),
    ).toEqual({
      outcome: 'drift found',
      warn: true,
      hint: '`earlypay reconcile --from 2024-05-01 --to 2024-05-03` lists the ids; `--repair` rewrites them',
    });
    expect(reconcileOutcome({ status: 'failed', counts: undefined })).toBeNull();
    // Runs recorded before outcomes existed.
    expect(reconcileOutcome({ status: 'succeeded', counts: { drifting_days: 0 } })).toBeNull();
  });
});

describe('doctor: the last run of a job', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  const run = (over: Partial<RunDocument>): RunDocument => ({
    run_id: 'ingest-1',
    command: 'ingest',
    args: {},
    started_at: new Date(now - 2_000).toISOString(),
    heartbeat_at: new Date(now - 1_000).toISOString(),
    status: 'running',
    host: hostname(),
    pid: process.pid,
    version: 'test',
    ...over,
  });

  it('a running run whose process is gone (kill -9) is a failure, not a pass', () => {
    const check = lastRunCheck('ingest', run({ pid: 2 ** 22 + 4321 }), now);
    expect(check.status).toBe('fail');
    expect(check.detail).toMatch(
      /^abandoned: started 2 s ago, still `running`, but its process \(pid \d+ on .+\) is gone$/,
    );
    expect(check.hint).toMatch(/next `earlypay ingest` records it as abandoned/);
  });

  it('a running run without a heartbeat for minutes, on another host, is a failure too', () => {
    expect(
      lastRunCheck(
        'daily',
        run({ host: 'elsewhere', pid: 1, heartbeat_at: new Date(now - 10 * 60_000).toISOString() }),
        now,
      ).status,
    ).toBe('fail');
  });

  it('a live run passes; an abandoned one fails; an interrupted one warns', () => {
    expect(lastRunCheck('ingest', run({}), now)).toMatchObject({
      status: 'ok',
      detail: 'running 2 s ago (still running)',
    });
    expect(
      lastRunCheck(
        'ingest',
        run({ status: 'abandoned', error: 'abandoned: its process (pid 9 on h) is gone; found by run ingest-2' }),
        now,
      ),
    ).toMatchObject({
      status: 'fail',
      detail: 'abandoned: its process (pid 9 on h) is gone; found by run ingest-2',
    });
    expect(
      lastRunCheck(
        'ingest',
        run({ status: 'interrupted', exit_code: 130, error: 'ingest interrupted by SIGINT' }),
        now,
      ),
    ).toMatchObject({ status: 'warn', detail: expect.stringContaining('interrupted (exit 130)') });
  });
});
