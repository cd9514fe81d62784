import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSamples, renderTextfile, seriesKey } from '../../../src/core/metrics/textfile';
import { writeFileAtomically } from '../../../src/core/files';
import { jobMetricFamilies, jobMetricsPath, type JobRunMetrics } from '../../../src/core/metrics/jobMetrics';
import { watchJobMetrics } from '../../../src/cmdutil/metrics';
import { createContext } from '../../../src/cmdutil/context';
import { LockHeldError, RunFailedError } from '../../../src/core/errors';
import { Capture } from '../../support/capture';

describe('the text format', () => {
  it('escapes label values and reads its own output back', () => {
    const text = renderTextfile([
      {
        name: 'earlypay_x',
        help: 'a \\ help\nline',
        type: 'gauge',
        samples: [{ labels: { command: 'anomalies scan', prefix: 'a"b\\c\nd' }, value: 1.5 }],
      },
      { name: 'earlypay_empty', help: 'no samples, no lines', type: 'gauge', samples: [] },
    ]);
    expect(text).toBe(
      '# HELP earlypay_x a \\\\ help\\nline\n# TYPE earlypay_x gauge\nearlypay_x{command="anomalies ' +
        'scan",prefix="a\\"b\\\\c\\nd"} 1.5\n',
    );
    expect(readSamples(text).get(seriesKey('earlypay_x', { command: 'anomalies scan', prefix: 'a"b\\c\nd' }))).toBe(
      1.5,
    );
    expect(readSamples('garbage\nearlypay_y 2\nearlypay_z NaNa\n')).toEqual(new Map([['earlypay_y', 2]]));
  });

  it('writes by rename: the file is whole or the old one stays', () => {
    const dir = mkdtempSync(join(tmpdir(), 'earlypay-textfile-'));
    const path = join(dir, 'earlypay_ingest.prom');
    writeFileAtomically(path, 'a 1\n');
    writeFileAtomically(path, 'a 2\n');
    expect(readFileSync(path, 'utf8')).toBe('a 2\n');
    expect(readdirSync(dir)).toEqual(['earlypay_ingest.prom']);
    expect(() => writeFileAtomically(join(dir, 'missing', 'x.prom'), 'a 3\n')).toThrow(/ENOENT/);
  });
});

describe('a job run as metrics', () => {
  const run = (over: Partial<JobRunMetrics>): JobRunMetrics => ({
    command: 'ingest',
    prefix: 'earlypay',
    status: 'succeeded',
    exitCode: 0,
    startedAt: new Date(1_000_000),
    endedAt: new Date(1_002_500),
    counts: { read: 10, rejected: 2 },
    facts: { sourceLagSeconds: 30, deadletterRows: 7 },
    ...over,
  });
  const samples = (r: JobRunMetrics, previous = new Map<string, number>()): Map<string, number> =>
    readSamples(renderTextfile(jobMetricFamilies(r, previous)));
  const key = (name: string, extra: Record<string, string> = {}): string =>
    seriesKey(name, { command: 'ingest', prefix: 'earlypay', ...extra });

  it('names the file after the prefix and the job', () => {
    expect(jobMetricsPath('/m', 'earlypay', 'ingest')).toBe('/m/earlypay_ingest.prom');
    expect(jobMetricsPath('/m', 'staging', 'anomalies scan')).toBe('/m/staging_anomalies_scan.prom');
  });

  it('adds to the counters of the run before and keeps its last success through a failure', () => {
    const first = samples(run({}));
    expect(first.get(key('earlypay_rows_read_total'))).toBe(10);
    expect(first.get(key('earlypay_last_success_timestamp_seconds'))).toBe(1002.5);
    expect(first.get(key('earlypay_last_run_duration_seconds'))).toBe(2.5);
    expect(first.get(key('earlypay_source_lag_seconds'))).toBe(30);
    const failed = samples(
      run({ status: 'failed', exitCode: 1, endedAt: new Date(2_000_000), counts: undefined, facts: undefined }),
      first,
    );
    expect(failed.get(key('earlypay_rows_read_total'))).toBe(10);
    expect(failed.get(key('earlypay_last_success_timestamp_seconds'))).toBe(1002.5);
    expect(failed.get(key('earlypay_last_run_timestamp_seconds'))).toBe(2000);
    expect(failed.get(key('earlypay_runs_total', { status: 'failed' }))).toBe(1);
    expect(failed.get(key('earlypay_runs_total', { status: 'succeeded' }))).toBe(1);
    expect(failed.has(key('earlypay_source_lag_seconds'))).toBe(false);
    // never succeeded: 0, so "not succeeded for too long" fires for a job that never did
    expect(samples(run({ status: 'failed', exitCode: 1 })).get(key('earlypay_last_success_timestamp_seconds'))).toBe(0);
  });
});

describe('the job frame and the metrics directory', () => {
  const context = (metricsDir: string) =>
    createContext({ stdout: new Capture(), stderr: new Capture(), env: {}, flags: { metricsDir }, version: 't' });

  it('a run refused by the lock (exit 75) leaves the file to the run that holds it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'earlypay-watch-'));
    const watch = watchJobMetrics(context(dir), { command: 'daily' });
    await expect(watch.settle(Promise.reject(new LockHeldError('held')))).rejects.toBeInstanceOf(LockHeldError);
    expect(readdirSync(dir)).toEqual([]);
    const failed = watchJobMetrics(context(dir), { command: 'daily' });
    await expect(failed.settle(Promise.reject(new RunFailedError('down')))).rejects.toBeInstanceOf(RunFailedError);
    expect(readFileSync(join(dir, 'earlypay_daily.prom'), 'utf8')).toMatch(
      /^earlypay_last_run_exit_code\{command="daily",prefix="earlypay"\} 1$/m,
    );
  });

  it('a dry run writes nothing; a missing directory is a usage error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'earlypay-watch-'));
    watchJobMetrics(context(dir), { command: 'ingest', dryRun: true });
    expect(existsSync(join(dir, 'earlypay_ingest.prom'))).toBe(false);
    expect(() => watchJobMetrics(context(join(dir, 'nope')), { command: 'ingest' })).toThrow(/does not exist/);
  });
});
