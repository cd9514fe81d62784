/**
 * What a job run tells Prometheus: one textfile per job and index prefix,
 * `<dir>/<prefix>_<job>.prom` (`earlypay_ingest.prom` for the default prefix), rewritten at the
 * end of every run. Counters and the last success are carried over from the file the previous
 * run left, so the file alone is the job's history a scrape needs.
 *
 * The label naming the job is `command` (as in the runs index), not `job`: Prometheus sets `job`
 * on every scraped series itself and would rename ours to `exported_job`.
 */
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import type { Pool } from 'mysql2/promise';
import type { RunStatus } from '../runs/runRecord';
import type { IndexNames } from '../config/indexNames';
import { StateStore } from '../state/store';
import { measureSourceLag } from '../inspect/source';
import { countDocuments } from '../inspect/cluster';
import { writeFileAtomically } from '../files';
import { type Labels, type MetricFamily, readTextfile, renderTextfile, seriesKey } from './textfile';

export interface JobRunMetrics {
  /** `ingest`, `daily`, `weekly`, `reconcile`, `anomalies scan`. */
  command: string;
  prefix: string;
  status: Exclude<RunStatus, 'running' | 'abandoned'>;
  exitCode: number;
  startedAt: Date;
  endedAt: Date;
  /** The job's counts (ingest: read, rejected; reconcile: remaining_days), when it got that far. */
  counts?: Record<string, unknown>;
  /** Measured after a run that succeeded. */
  facts?: JobFacts;
}

export interface JobFacts {
  /** How far the checkpoint is behind the source's newest `modified` (inspect/source.ts); null: no checkpoint. */
  sourceLagSeconds?: number | null;
  /** Documents in the dead-letter index. */
  deadletterRows?: number;
}

/** `<dir>/<prefix>_<job>.prom`: `earlypay_ingest.prom`, `earlypay_anomalies_scan.prom`. */
export function jobMetricsPath(dir: string, prefix: string, command: string): string {
  return join(dir, `${prefix}_${command.replace(/\s+/g, '_')}.prom`);
}

const STATUSES = ['succeeded', 'failed', 'interrupted'] as const;

/** The families of one run, given the samples the previous run's file holds. */
export function jobMetricFamilies(run: JobRunMetrics, previous: ReadonlyMap<string, number>): MetricFamily[] {
  const labels: Labels = { command: run.command, prefix: run.prefix };
  const before = (name: string, extra: Labels = {}): number =>
    previous.get(seriesKey(name, { ...labels, ...extra })) ?? 0;
  const seconds = (d: Date): number => d.getTime() / 1000;
  const succeeded = run.status === 'succeeded';
  const gauge = (name: string, help: string, value: number | undefined | null): MetricFamily => ({
    name,
    help,
    type: 'gauge',
    samples: value == null ? [] : [{ labels, value }],
  });
  const counter = (name: string, help: string, add: number): MetricFamily => ({
    name,
    help,
    type: 'counter',
    samples: [{ labels, value: before(name) + add }],
  });
  const count = (key: string): number => {
    const v = run.counts?.[key];
    return typeof v === 'number' && Number.isFinite(v) ? v : 0;
  };
  const lastSuccess = succeeded ? seconds(run.endedAt) : before('earlypay_last_success_timestamp_seconds');
  const families: MetricFamily[] = [
    gauge(
      'earlypay_last_success_timestamp_seconds',
      'When the last run of the job that succeeded ended (0: none has yet).',
      lastSuccess,
    ),
    gauge('earlypay_last_run_timestamp_seconds', 'When the last run of the job ended.', seconds(run.endedAt)),
    gauge(
      'earlypay_last_run_exit_code',
      'Exit code of the last run (0 done, 1 failed, 2 usage, 3 rejects, 4 drift, 130/143 interrupted).',
      run.exitCode,
    ),
    gauge(
      'earlypay_last_run_duration_seconds',
      'How long the last run took.',
      Math.max(0, (run.endedAt.getTime() - run.startedAt.getTime()) / 1000),
    ),
    {
      name: 'earlypay_runs_total',
      help: 'Runs of the job by how they ended.',
      type: 'counter',
      samples: STATUSES.map((status) => ({
        labels: { ...labels, status },
        value: before('earlypay_runs_total', { status }) + (run.status === status ? 1 : 0),
      })),
    },
  ];
  if (run.command === 'ingest') {
    families.push(
      counter('earlypay_rows_read_total', 'Source rows read by ingest.', count('read')),
      counter(
        'earlypay_rows_rejected_total',
        'Source rows ingest rejected (sent to the dead letter), each rejection once: ' +
          'a row rejected as an earlier run did is not counted again.',
        count('rejected_new'),
      ),
      gauge(
        'earlypay_source_lag_seconds',
        "How far the ingest checkpoint is behind the source's newest modified, after the last run that succeeded.",
        run.facts?.sourceLagSeconds,
      ),
      gauge('earlypay_deadletter_rows', 'Documents in the dead-letter index.', run.facts?.deadletterRows),
    );
  }
  if (run.command === 'reconcile' && succeeded) {
    families.push(
      gauge(
        'earlypay_reconcile_drifting_days',
        'Business days that still drift between MySQL and Elasticsearch after the last reconcile.',
        count('remaining_days'),
      ),
    );
  }
  return families;
}

/** Rewrites the job's textfile for this run; returns its path. */
export function writeJobMetrics(dir: string, run: JobRunMetrics): string {
  const path = jobMetricsPath(dir, run.prefix, run.command);
  writeFileAtomically(path, renderTextfile(jobMetricFamilies(run, readTextfile(path))));
  return path;
}

/** After an ingest: the source lag and the dead letters, from MySQL and Elasticsearch. */
export async function measureIngestFacts(deps: {
  es: Client;
  pool: Pool;
  names: IndexNames;
  table: string;
  sourceTz: string;
}): Promise<JobFacts> {
  const checkpoint = await new StateStore(deps.es, deps.names.state).readCheckpoint(deps.table);
  // The run's own dead letters may not be searchable yet (the refresh interval): count them too.
  // A user without the privilege to refresh gets the count as it stands.
  await deps.es.indices.refresh({ index: deps.names.deadletter }, { ignore: [403] });
  const [lag, deadletterRows] = await Promise.all([
    checkpoint ? measureSourceLag(deps.pool, deps.table, checkpoint, deps.sourceTz) : undefined,
    countDocuments(deps.es, deps.names.deadletter),
  ]);
  return { sourceLagSeconds: lag ? lag.seconds : null, deadletterRows };
}
