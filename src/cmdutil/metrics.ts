/**
 * The job frame's link to the Prometheus textfiles (core/metrics): with a metrics directory
 * configured, every job run that got past the lock rewrites `<prefix>_<job>.prom` at its end,
 * whatever the outcome. A run refused because another holds the lock (exit 75) did nothing and
 * leaves the file to the run that holds it; a dry run writes nothing at all.
 */
import { accessSync, constants, statSync } from 'node:fs';
import type { Context } from './context';
import {
  DriftError,
  EarlypayError,
  ExitCode,
  InterruptedError,
  LockHeldError,
  RejectedRowsError,
  UsageError,
  describeFailure,
} from '../core/errors';
import { type JobFacts, type JobRunMetrics, measureIngestFacts, writeJobMetrics } from '../core/metrics/jobMetrics';

export interface JobMetricsWatch {
  /** The job's body, its counts noted for the textfile. */
  observe<A, O extends { counts: Record<string, unknown> }>(body: (arg: A) => Promise<O>): (arg: A) => Promise<O>;
  /** Waits for the run, writes the textfile, and hands the run's exit code or error on unchanged. */
  settle(run: Promise<number>): Promise<number>;
}

const UNWATCHED: JobMetricsWatch = { observe: (body) => body, settle: (run) => run };

export function watchJobMetrics(ctx: Context, job: { command: string; dryRun?: boolean }): JobMetricsWatch {
  const config = ctx.config();
  const dir = job.dryRun ? undefined : config.metricsDir;
  if (!dir) return UNWATCHED;
  assertWritableDirectory(dir);
  const startedAt = new Date();
  let counts: Record<string, unknown> | undefined;
  return {
    observe: (body) => async (arg) => {
      const outcome = await body(arg);
      counts = outcome.counts;
      return outcome;
    },
    async settle(run) {
      let exitCode: number;
      let status: JobRunMetrics['status'] = 'succeeded';
      let failure: unknown;
      try {
        exitCode = await run;
      } catch (err) {
        if (err instanceof LockHeldError) throw err;
        failure = err;
        exitCode = err instanceof EarlypayError ? err.exitCode : ExitCode.runFailed;
        if (err instanceof InterruptedError) status = 'interrupted';
        else if (!(err instanceof RejectedRowsError || err instanceof DriftError)) status = 'failed';
      }
      let facts: JobFacts | undefined;
      if (status === 'succeeded' && job.command === 'ingest') {
        try {
          facts = await measureIngestFacts({
            es: ctx.es(),
            pool: ctx.mysql(),
            names: ctx.names(),
            table: config.table,
            sourceTz: config.sourceTz,
          });
        } catch (err) {
          ctx.log.warn(`metrics: could not measure the source lag and dead letters: ${describeFailure(err)}`);
        }
      }
      const metrics = { command: job.command, prefix: config.indexPrefix, status, exitCode, startedAt };
      try {
        const path = writeJobMetrics(dir, { ...metrics, endedAt: new Date(), counts, facts });
        ctx.log.verbose(`metrics written to ${path}`);
      } catch (err) {
        ctx.log.warn(`metrics: cannot write to ${dir}: ${describeFailure(err)}`);
      }
      if (failure !== undefined) throw failure;
      return exitCode;
    },
  };
}

/** A metrics directory that is not there or not writable is a configuration error, found before the run. */
function assertWritableDirectory(dir: string): void {
  let problem: string | undefined;
  try {
    if (!statSync(dir).isDirectory()) problem = 'is not a directory';
    else accessSync(dir, constants.W_OK);
  } catch (err) {
    problem ??= (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'is not writable';
  }
  if (problem)
    throw new UsageError(
      `metrics directory ${dir} ${problem}`,
      'create it for the user that runs earlypay (the node exporter reads its *.prom files), ' +
        'or fix --metrics-dir / EARLYPAY_METRICS_DIR / metricsDir',
    );
}
