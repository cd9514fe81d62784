import { hostname } from 'node:os';
import { goneReason } from '../../../src/core/runs/liveness';
import { runGoneReason, type RunDocument } from '../../../src/core/runs/runRecord';

const now = Date.parse('2024-05-01T12:00:00Z');
const here = { host: 'web1', now, alive: (pid: number) => pid === 100, staleAfterMs: 120_000 };

describe('liveness of a lock holder or a running run', () => {
  it('is alive while its pid lives on this host and its heartbeat is fresh', () => {
    expect(
      goneReason(
        { host: 'web1', pid: 100, heartbeatAt: '2024-05-01T11:59:50Z', startedAt: '2024-05-01T11:00:00Z' },
        here,
      ),
    ).toBeUndefined();
  });

  it('is gone when its pid is dead on this host, however fresh its heartbeat', () => {
    expect(
      goneReason(
        { host: 'web1', pid: 200, heartbeatAt: '2024-05-01T11:59:59Z', startedAt: '2024-05-01T11:59:00Z' },
        here,
      ),
    ).toBe('its process (pid 200 on web1) is gone');
  });

  it('on another host, only a stale heartbeat tells (its pid means nothing here)', () => {
    expect(
      goneReason(
        { host: 'web2', pid: 200, heartbeatAt: '2024-05-01T11:59:00Z', startedAt: '2024-05-01T11:00:00Z' },
        here,
      ),
    ).toBeUndefined();
    expect(
      goneReason(
        { host: 'web2', pid: 200, heartbeatAt: '2024-05-01T11:50:00Z', startedAt: '2024-05-01T11:00:00Z' },
        here,
      ),
    ).toBe('no heartbeat from pid 200 on web2 for 10 min');
  });

  it('is stale past the configured limit (EARLYPAY_LOCK_STALE_AFTER), not before', () => {
    const subject = { host: 'web2', pid: 200, heartbeatAt: '2024-05-01T11:59:55Z', startedAt: '2024-05-01T11:00:00Z' };
    expect(goneReason(subject, { ...here, staleAfterMs: 6_000 })).toBeUndefined();
    expect(goneReason(subject, { ...here, staleAfterMs: 4_000 })).toBe('no heartbeat from pid 200 on web2 for 0 min');
  });

  it('judges a document from before heartbeats by its start', () => {
    expect(goneReason({ host: 'web2', pid: 1, startedAt: '2024-05-01T10:00:00Z' }, here)).toMatch(
      /no heartbeat .* for 120 min/,
    );
  });
});

describe('runGoneReason', () => {
  const run = (over: Partial<RunDocument>): RunDocument => ({
    run_id: 'ingest-1',
    command: 'ingest',
    args: {},
    started_at: new Date(now - 5_000).toISOString(),
    heartbeat_at: new Date(now - 1_000).toISOString(),
    status: 'running',
    host: hostname(),
    pid: process.pid,
    version: 'test',
    ...over,
  });

  it('only a running run can be gone', () => {
    expect(runGoneReason(run({ pid: 2 ** 22 + 12345 }), now, 120_000)).toMatch(/is gone/);
    expect(runGoneReason(run({ status: 'succeeded', pid: 2 ** 22 + 12345 }), now, 120_000)).toBeUndefined();
    expect(runGoneReason(run({}), now, 120_000)).toBeUndefined();
  });
});
