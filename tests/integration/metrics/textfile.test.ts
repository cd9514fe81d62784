/**
 * Textfile metrics after real runs (issue 31): with --metrics-dir (or EARLYPAY_METRICS_DIR)
 * every job writes <prefix>_<job>.prom, which promtool accepts, with counters carried over from
 * the run before, the last success kept through a failed run, and the source lag measured the
 * way doctor measures it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSourceTable } from '../../../src/core/source/schema';
import { readSamples } from '../../../src/core/metrics/textfile';
import { TestWorld, runCli } from '../../support';
import { row } from '../../support/sourceRow';
import { insertGeneratedSales } from '../faults/support';
import { promtool } from './promtool';

const world = new TestWorld('metrics');
let dir: string;

beforeAll(async () => {
  await world.start();
  await createSourceTable(world.pool);
  await insertGeneratedSales(world, 1, 3_000);
  dir = mkdtempSync(join(tmpdir(), 'earlypay-metrics-'));
}, 300_000);

afterAll(async () => {
  await world.stop();
  rmSync(dir, { recursive: true, force: true });
});

function textfile(job: string): { text: string; value: (name: string, extra?: string) => number | undefined } {
  const text = readFileSync(join(dir, `${world.prefix}_${job}.prom`), 'utf8');
  const samples = readSamples(text);
  const labels = `command="${job.replace('_', ' ')}",prefix="${world.prefix}"`;
  return { text, value: (name, extra = '') => samples.get(`${name}{${labels}${extra}}`) };
}

/**
 * promtool parses the file and lints it. Its one complaint allowed: it reads "days" in
 * earlypay_reconcile_drifting_days (the name) as a unit of time, where it counts days.
 */
const COUNT_OF_DAYS = 'earlypay_reconcile_drifting_days use base unit "seconds" instead of "days"';

function expectValidForPrometheus(text: string): void {
  const checked = promtool(['check', 'metrics'], text);
  const complaints = checked.output.split('\n').filter((l) => l !== '' && l !== COUNT_OF_DAYS);
  expect(complaints).toEqual([]);
  // 0, or 3 (lint findings) with only that one
  expect(checked.code === 0 || (checked.code === 3 && checked.output.includes(COUNT_OF_DAYS))).toBe(true);
}

describe('textfile metrics', () => {
  let firstSuccess: number;

  it('an ingest writes its file: rows read and rejected, exit code, duration, lag, dead letters', async () => {
    const before = Date.now() / 1000;
    const r = await world.cli(['ingest', '--json', '--metrics-dir', dir]);
    expect(r.code).toBe(0);
    const stats = r.json<{ read: number; rejected: number }>();
    const m = textfile('ingest');
    expectValidForPrometheus(m.text);
    expect(m.value('earlypay_rows_read_total')).toBe(3_000);
    expect(m.value('earlypay_rows_rejected_total')).toBe(stats.rejected);
    expect(stats.rejected).toBeGreaterThan(0);
    expect(m.value('earlypay_deadletter_rows')).toBe(stats.rejected);
    expect(m.value('earlypay_last_run_exit_code')).toBe(0);
    expect(m.value('earlypay_runs_total', ',status="succeeded"')).toBe(1);
    expect(m.value('earlypay_runs_total', ',status="failed"')).toBe(0);
    expect(m.value('earlypay_last_run_duration_seconds')).toBeGreaterThan(0);
    firstSuccess = m.value('earlypay_last_success_timestamp_seconds')!;
    expect(firstSuccess).toBeGreaterThanOrEqual(before);
    expect(firstSuccess).toBeLessThanOrEqual(Date.now() / 1000);
    // Every row is older than --lag: the checkpoint is on the newest one.
    expect(m.value('earlypay_source_lag_seconds')).toBe(0);
    expect(m.text).toMatch(/^# TYPE earlypay_rows_read_total counter$/m);
    // Written by rename: no temporary file is left beside it.
    expect(readdirSync(dir).filter((f) => !f.endsWith('.prom'))).toEqual([]);
  }, 120_000);

  it('the lag is how far the checkpoint is behind the newest modified; counters add up', async () => {
    // One row modified an hour after the others, and one too recent for --lag: it is read, and
    // the checkpoint waits before it.
    await world.insertRows([
      row({ id: '900001', modified: '2024-05-01 01:50:00', created: '2024-05-01 01:50:00' }),
      row({ id: '900002', modified: '2024-05-01 03:00:00', created: '2024-05-01 03:00:00' }),
    ]);
    const first = textfile('ingest');
    const r = await world.cli(['ingest', '--json', '--metrics-dir', dir], {
      // the business clock: 03:01 KST, so the row of 03:00 is within the 2-minute --lag
      now: new Date('2024-04-30T18:01:00Z'),
    });
    expect(r.code).toBe(0);
    const m = textfile('ingest');
    expectValidForPrometheus(m.text);
    expect(m.value('earlypay_rows_read_total')).toBe(3_000 + r.json<{ read: number }>().read);
    const [cp] = await world.query<{ modified: string }>(
      "SELECT MAX(modified) AS modified FROM platform_sales WHERE modified <= '2024-05-01 02:59:00'",
    );
    expect(cp!.modified).toBe('2024-05-01 01:50:00');
    expect(m.value('earlypay_source_lag_seconds')).toBe(70 * 60);
    expect(m.value('earlypay_runs_total', ',status="succeeded"')).toBe(2);
    // Each rejection is counted once: rows rejected as the first run rejected them (the overlap
    // re-reads some) do not add to the counter again.
    expect(m.value('earlypay_rows_rejected_total')).toBe(
      first.value('earlypay_rows_rejected_total')! + r.json<{ rejected_new: number }>().rejected_new,
    );
    // doctor says the same lag
    const doctor = await world.cli(['doctor', '--json']);
    const checkpoint = doctor
      .json<{ checks: { name: string; detail: string }[] }>()
      .checks.find((c) => c.name === 'checkpoint');
    expect(checkpoint?.detail).toMatch(/source latest 2024-05-01 03:00:00, lag 70 min 0 s;/);
  }, 120_000);

  it('a failed run records its exit code and keeps the last success and the counters', async () => {
    const before = textfile('ingest');
    const r = await runCli(
      [
        'ingest',
        '--es-url',
        world.esUrl,
        '--mysql-url',
        'mysql://root@127.0.0.1:1/nowhere',
        '--index-prefix',
        world.prefix,
      ],
      { env: { EARLYPAY_METRICS_DIR: dir } },
    );
    expect(r.code).toBe(1);
    const m = textfile('ingest');
    expectValidForPrometheus(m.text);
    expect(m.value('earlypay_last_run_exit_code')).toBe(1);
    expect(m.value('earlypay_runs_total', ',status="failed"')).toBe(1);
    expect(m.value('earlypay_runs_total', ',status="succeeded"')).toBe(2);
    expect(m.value('earlypay_last_success_timestamp_seconds')).toBe(
      before.value('earlypay_last_success_timestamp_seconds'),
    );
    expect(m.value('earlypay_last_success_timestamp_seconds')).toBeGreaterThan(firstSuccess);
    expect(m.value('earlypay_rows_read_total')).toBe(before.value('earlypay_rows_read_total'));
    // Nothing measured after a failure: no stale lag shown as current.
    expect(m.value('earlypay_source_lag_seconds')).toBeUndefined();
  }, 120_000);

  it('daily, weekly, reconcile and anomalies scan write theirs; reconcile its drifting days', async () => {
    for (const args of [
      ['daily', '--from', '2024-04-01', '--to', '2024-04-30'],
      ['weekly', '--date', '2024-04-30'],
      ['anomalies', 'scan', '--from', '2024-04-01', '--to', '2024-04-30'],
    ]) {
      expect((await world.cli([...args, '--metrics-dir', dir])).code).toBe(0);
    }
    // a row committed after the last ingest is not in Elasticsearch yet: its day drifts
    await world.insertRows([row({ id: '900003', modified: '2024-05-01 03:05:00', created: '2024-05-01 03:05:00' })]);
    const drift = await world.cli(['reconcile', '--from', '2024-04-01', '--to', '2024-05-01', '--metrics-dir', dir]);
    expect(drift.code).toBe(4);
    for (const job of ['daily', 'weekly', 'anomalies_scan', 'reconcile']) {
      const m = textfile(job);
      expectValidForPrometheus(m.text);
      expect(m.value('earlypay_runs_total', ',status="succeeded"')).toBe(1);
    }
    const reconcile = textfile('reconcile');
    expect(reconcile.value('earlypay_last_run_exit_code')).toBe(4);
    expect(reconcile.value('earlypay_reconcile_drifting_days')).toBe(1);
    expect(textfile('daily').value('earlypay_rows_read_total')).toBeUndefined();
  }, 300_000);

  it('a metrics directory that does not exist is a usage error before the run', async () => {
    const r = await world.cli(['daily', '--metrics-dir', join(dir, 'missing')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^earlypay: metrics directory .*missing does not exist\nhint: create it/);
  });
});
