/**
 * The frame every job command (ingest, daily, weekly, reconcile, anomalies scan) runs in:
 * indices ready, the job's locks, a run document, and the one-line summary (or one JSON
 * object with --json) at the end. The job body only does its work and reports counts.
 *
 * Every exit path — done, failed, interrupted, a lost lock — records the run and releases every
 * lock it took; while the locks are held every write through the job's client waits until they
 * are proved its own (runs/lock.ts), and once the frame is over nothing more is written.
 */
import type { Context } from './context';
import {
  EarlypayError,
  ExitCode,
  InterruptedError,
  RunFailedError,
  describeFailure,
  type DriftError,
  type RejectedRowsError,
} from '../core/errors';
import { fenceWrites } from '../core/es/client';
import { JobLock } from '../core/runs/lock';
import { RunRecorder, abandonGoneRuns, newRunId } from '../core/runs/runRecord';
import { openInterruption, untilInterrupted, type Interruption } from './signals';
import { ensureIndices, inspectIndices, redIndices } from '../core/es/setup';
import { redactSecrets } from '../core/config/config';
import { watchJobMetrics } from './metrics';
import { settleOutput } from './streams';

export interface JobOutcome {
  /** Numbers for the summary, the JSON object and the runs index. */
  counts: Record<string, unknown>;
  /** The one-line human summary. */
  summary: string;
  /**
   * The job finished but must say so: rows rejected with --fail-on-rejects (exit 3), drift
   * that remains (exit 4). The run is recorded as succeeded with that exit code; the CLI
   * reports the error (stderr line, --json object with the counts) like any other.
   */
  attention?: RejectedRowsError | DriftError;
}

export interface JobSpec {
  command: string;
  args: Record<string, unknown>;
  /**
   * The locks the job holds, taken in this order before it does anything (a lock another run
   * holds exits 75 at once): its own, and, for `reconcile --repair`, ingest's. Jobs that only
   * read take none.
   */
  locks?: readonly string[];
  /** A dry run writes nothing: no index created, no lock, no run document. */
  dryRun?: boolean;
  /**
   * The body watches `run.signal` and returns at a safe point. Without it, an interruption
   * stops waiting for the body: its writes are idempotent and it records nothing as done
   * before its very end, so a run cut short is redone whole.
   */
  stopsAtSafePoint?: boolean;
  /** What a re-run after an interruption does, for the one line on stderr. */
  rerun?: string;
}

export interface JobRun {
  runId: string;
  /** Aborted by SIGINT/SIGTERM. */
  signal: AbortSignal;
}

/** Creates missing indices (first run from cron, unless `create` is false); refuses to run on outdated ones. */
export async function ensureReady(ctx: Context, create = true): Promise<void> {
  const prefix = ctx.config().indexPrefix;
  const statuses = await inspectIndices(ctx.es(), prefix);
  const outdated = statuses.filter((s) => s.state === 'outdated' || s.state === 'newer' || s.state === 'not-an-alias');
  if (outdated.length > 0) {
    throw new RunFailedError(
      `index ${outdated[0]!.alias} is ${outdated[0]!.state} (mapping version ${outdated[0]!.actualVersion ?? '-'}, ` +
        `expected ${outdated[0]!.expectedVersion})`,
      'run `earlypay setup` to upgrade the indices',
    );
  }
  if (create && statuses.some((s) => s.state === 'missing')) {
    ctx.log.verbose('creating missing indices');
    await ensureIndices(ctx.es(), prefix, { shards: ctx.config().shards, replicas: ctx.config().replicas });
  }
  // Red: some primaries are unassigned, and every request touching them would wait until it timed out.
  const red = await redIndices(ctx.es(), statuses);
  if (red.length) {
    throw new RunFailedError(
      `Elasticsearch cannot serve ${red.join(', ')}: primary shards are unassigned (the cluster is red)`,
      'a node that holds them is down or their data is damaged: `earlypay doctor` shows the cluster; bring the node ' +
        'back, then re-run',
    );
  }
}

export async function runJob(ctx: Context, spec: JobSpec, body: (run: JobRun) => Promise<JobOutcome>): Promise<number> {
  const metrics = watchJobMetrics(ctx, spec);
  const interruption = openInterruption();
  try {
    return await metrics.settle(runFramed(ctx, spec, metrics.observe(body), interruption));
  } finally {
    interruption.close();
  }
}

async function runFramed(
  ctx: Context,
  spec: JobSpec,
  body: (run: JobRun) => Promise<JobOutcome>,
  interruption: Interruption,
): Promise<number> {
  await ensureReady(ctx, !spec.dryRun);
  const es = ctx.es();
  const names = ctx.names();
  const { lockStaleAfterMs } = ctx.config();
  const recorder = spec.dryRun
    ? undefined
    : new RunRecorder(es, names.runs, spec.command, spec.args, ctx.version, lockStaleAfterMs);
  if (recorder) recorder.doc.tz = ctx.config().tz;
  const runId = recorder?.runId ?? newRunId(spec.command);
  const held: JobLock[] = [];
  const started = Date.now();
  try {
    for (const name of spec.dryRun ? [] : (spec.locks ?? [])) {
      const lock = new JobLock(es, names.state, name, runId, { staleAfterMs: lockStaleAfterMs });
      await lock.acquire();
      held.push(lock);
    }
    if (held.length) {
      fenceWrites(es, async () => {
        for (const lock of held) await lock.assertHeld();
      });
      // Holding the lock, no other run of this job is alive: a `running` one whose process is gone was abandoned.
      for (const { run, reason } of await abandonGoneRuns(es, names.runs, spec.command, runId, lockStaleAfterMs)) {
        ctx.log.warn(
          `the previous ${spec.command} run ${run.run_id} (started ${run.started_at}) was abandoned: ${reason}; ` +
            `recorded as abandoned`,
        );
      }
    }
    await recorder?.start();
    let outcome: JobOutcome | undefined;
    try {
      if (!interruption.signal.aborted) {
        const work = body({ runId, signal: interruption.signal });
        outcome = await (spec.stopsAtSafePoint ? work : untilInterrupted(work, interruption.signal));
      }
    } catch (err) {
      // Cut short by the interruption (or failing on its way out of it): that is what happened.
      if (!interruption.received) {
        const message = redactSecrets(describeFailure(err));
        const exitCode = err instanceof EarlypayError ? err.exitCode : ExitCode.runFailed;
        await recorder?.finish({ status: 'failed', exitCode, error: message });
        throw err;
      }
    }
    if (interruption.received) {
      const done = outcome
        ? `stopped at a safe point: ${outcome.summary}`
        : 'stopped before it finished; nothing unfinished was recorded as done';
      const message =
        `${spec.command} interrupted by ${interruption.received}, ${done}; ` +
        `${held.length ? 'lock released; ' : ''}re-run \`earlypay ${spec.command}\` to ${spec.rerun ?? 'do it again'}`;
      const error = new InterruptedError(interruption.received, message);
      await recorder?.finish({
        status: 'interrupted',
        exitCode: error.exitCode,
        counts: outcome?.counts,
        summary: outcome?.summary,
        error: message,
      });
      throw error;
    }
    outcome = outcome!;
    const { attention } = outcome;
    const exitCode = attention?.exitCode ?? ExitCode.ok;
    const result = { command: spec.command, run_id: runId, duration_ms: Date.now() - started, ...outcome.counts };
    if (!ctx.flags.json && !ctx.flags.quiet) ctx.stdout.write(`${outcome.summary}\n`);
    if (ctx.flags.json && !attention)
      ctx.stdout.write(`${JSON.stringify({ ...result, status: 'ok', exit_code: exitCode })}\n`);
    // Succeeded only once its output is written: a full disk under stdout fails the run.
    const written = await settleOutput(ctx.stdout).catch((err: unknown) => err);
    if (written) {
      await recorder?.finish({
        status: 'failed',
        exitCode: ExitCode.runFailed,
        counts: outcome.counts,
        error: describeFailure(written),
      });
      throw written;
    }
    await recorder?.finish({ status: 'succeeded', exitCode, counts: outcome.counts, summary: outcome.summary });
    if (attention) {
      attention.details = result;
      throw attention;
    }
    return exitCode;
  } finally {
    // Whatever of the body is still on its way (an interrupted job that does not stop at a safe
    // point) writes nothing once the frame is over; then every lock is released.
    fenceWrites(es, () => Promise.reject(new RunFailedError(`the ${spec.command} run is over`)));
    await Promise.all(held.map((lock) => lock.release().catch(() => undefined)));
  }
}
