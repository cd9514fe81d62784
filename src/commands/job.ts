/**
 * The frame every job command (ingest, daily, weekly, reconcile, anomalies scan) runs in:
 * indices ready, the job's lock, a run document, and the one-line summary (or one JSON
 * object with --json) at the end. The job body only does its work and reports counts.
 */
import type { Context } from './context';
import { EarlypayError, ExitCode, RunFailedError, describeFailure } from '../core/errors';
import { JobLock } from '../core/runs/lock';
import { RunRecorder } from '../core/runs/runRecord';
import { ensureIndices, inspectIndices } from '../core/es/setup';
import { redactSecrets } from '../core/config/config';

export interface JobOutcome {
  /** Numbers for the summary, the JSON object and the runs index. */
  counts: Record<string, unknown>;
  /** The one-line human summary. */
  summary: string;
  /** Non-zero when the job finished but must say so (3: rejects with --fail-on-rejects, 4: drift). */
  exitCode?: number;
  /** Why exitCode is non-zero, for stderr. */
  reason?: string;
}

export interface JobSpec {
  command: string;
  args: Record<string, unknown>;
  /** Lock name; jobs that only read take none. */
  lock?: string;
}

export interface JobRun {
  runId: string;
}

/** Creates missing indices (first run from cron); refuses to run on outdated ones. */
export async function ensureReady(ctx: Context): Promise<void> {
  const prefix = ctx.config().indexPrefix;
  const statuses = await inspectIndices(ctx.es(), prefix);
  const outdated = statuses.filter((s) => s.state === 'outdated' || s.state === 'newer' || s.state === 'not-an-alias');
  if (outdated.length > 0) {
    throw new RunFailedError(
      `index ${outdated[0]!.alias} is ${outdated[0]!.state} (mapping version ${outdated[0]!.actualVersion ?? '-'}, expected ${outdated[0]!.expectedVersion})`,
      'run `earlypay setup` to upgrade the indices',
    );
  }
  if (statuses.some((s) => s.state === 'missing')) {
    ctx.log.verbose('creating missing indices');
    await ensureIndices(ctx.es(), prefix, { shards: ctx.config().shards, replicas: ctx.config().replicas });
  }
}

export async function runJob(ctx: Context, spec: JobSpec, body: (run: JobRun) => Promise<JobOutcome>): Promise<number> {
  await ensureReady(ctx);
  const names = ctx.names();
  const recorder = new RunRecorder(ctx.es(), names.runs, spec.command, spec.args, ctx.version);
  const lock = spec.lock ? new JobLock(ctx.es(), names.state, spec.lock, recorder.runId) : undefined;
  await lock?.acquire();
  const started = Date.now();
  try {
    await recorder.start();
    let outcome: JobOutcome;
    try {
      outcome = await body({ runId: recorder.runId });
    } catch (err) {
      const message = redactSecrets(describeFailure(err), ctx.config());
      const exitCode = err instanceof EarlypayError ? err.exitCode : ExitCode.runFailed;
      await recorder.finish({ status: 'failed', exitCode, error: message });
      throw err;
    }
    const exitCode = outcome.exitCode ?? ExitCode.ok;
    await recorder.finish({ status: 'succeeded', exitCode, counts: outcome.counts, summary: outcome.summary });
    const durationMs = Date.now() - started;
    if (ctx.flags.json) {
      ctx.stdout.write(
        `${JSON.stringify({ command: spec.command, run_id: recorder.runId, status: exitCode === 0 ? 'ok' : 'attention', exit_code: exitCode, duration_ms: durationMs, ...outcome.counts })}\n`,
      );
    } else if (!ctx.flags.quiet) {
      ctx.stdout.write(`${outcome.summary}\n`);
    }
    if (exitCode !== 0 && outcome.reason) ctx.stderr.write(`earlypay: ${outcome.reason}\n`);
    return exitCode;
  } finally {
    await lock?.release().catch(() => undefined);
  }
}
