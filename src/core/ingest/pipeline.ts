/**
 * The ingest pipeline: six stages, a file each, run here top to bottom for every page of rows.
 *
 *   plan        plan.ts        the window (full / incremental / since / repair) and whether the
 *                              checkpoint may move
 *   read        read.ts        MySQL pages, each row one Buffer (its encoding, made a row as it
 *                              is judged), bounded in rows and bytes: the whole table in id
 *                              order (full), or keyset pages on (modified, id); the next page
 *                              is read while this one is judged and written
 *   judge       judge.ts       pure: accept or reject, map, per-sale rules, the writes a page
 *                              asks for (documents, withdrawals), nothing at all for rows
 *                              Elasticsearch already holds as they are
 *   lookups     lookups.ts     stored versions, dead letters, weekly baselines: one round trip
 *                              (none for an index that held nothing when the run started)
 *   sink        sink.ts        the product's bulk writer, cut into segments, each answered once,
 *                              in order; refused documents to the dead letter
 *   checkpoint  checkpoint.ts  days recorded before writing; consumes the outcomes in order and
 *                              moves the checkpoint past each written segment, while the next
 *                              ones are read and written
 *
 * The contract between the last three is contract.ts. After the stream, REPEATED_AMOUNT (a rule
 * over groups of sales) is settled once for every business day this run wrote and every day a
 * run before it wrote and did not live to settle.
 *
 * How a run ends. Interrupted (SIGINT/SIGTERM, `signal`): it stops between pages, and what it
 * handed over is written and checkpointed, as if the table ended there. Failed (a read, a
 * lookup, a write, a lost lock): no page is read after the first failure, the writes not
 * answered yet are abandoned (requests in flight aborted), segments answered written before are
 * still checkpointed, and the failure is thrown — the run ends within about one request's time
 * limit of the failure.
 */
import type { Client } from '@elastic/elasticsearch';
import type { Pool } from 'mysql2/promise';
import type { Config } from '../config/config';
import type { IndexNames } from '../config/indexNames';
import type { RuleId } from '../rules/rules';
import { RepeatCandidates } from '../rules/repeatCandidates';
import { settleRepeatedAmounts, type SettleResult } from '../rules/repeatedAmounts';
import { describeSourceTable, type SourceTable } from '../source/query';
import { StateStore, type Checkpoint } from '../state/store';
import { CheckpointStage } from './checkpoint';
import { withdrawalOps, type PageWrites, type SegmentOutcome } from './contract';
import { writeBulk } from '../es/bulkWrite';
import { judgePage, lookupKeys, mapPage, type BatchOutcome, type JudgeContext } from './judge';
import { Lookups, emptyAtStart } from './lookups';
import { planIngest, type GivenPage, type IngestPlan } from './plan';
import { countWindow, coveredPosition, readPlan, type SourcePage } from './read';
import { IngestSink } from './sink';
import { WithdrawalGuard, type WithdrawPolicy } from './withdrawGuard';

export interface IngestOptions {
  full: boolean;
  since?: Date;
  batchSize: number;
  concurrency: number;
  dryRun: boolean;
  lagMs: number;
  overlapMs: number;
  /** Rows per checkpointed segment. */
  segmentRows: number;
  flushBytes: number;
  /**
   * Re-ingest exactly these rows (reconcile --repair) instead of reading by checkpoint;
   * the checkpoint is left alone.
   */
  rows?: AsyncIterable<GivenPage>;
  /** The table as the caller already described it (a repair reads its rows with it). */
  source?: SourceTable;
  /**
   * With `rows`: the source is the truth whatever the versions say (a row restored with an
   * older `modified`). Each sale is written at max(its modified, the stored document's
   * version) — external_gte accepts that, versions never go backwards, and a write that lands
   * between our read of the stored version and our write (a newer version) still wins.
   */
  overwrite?: boolean;
  /**
   * The mass-withdrawal guard (withdrawGuard.ts): withdrawals are held back and applied at the
   * end, all or none. Without it (or with the limit `all`) they go out with their pages.
   */
  withdraw?: WithdrawPolicy;
}

export const INGEST_DEFAULTS: IngestOptions = {
  full: false,
  // 2,000 rows a page: as fast as 5,000 and a third less memory in flight (see bin/earlypay).
  batchSize: 2_000,
  concurrency: 2,
  dryRun: false,
  lagMs: 2 * 60_000,
  overlapMs: 10 * 60_000,
  segmentRows: 100_000,
  flushBytes: 5_000_000,
};

export interface IngestDeps {
  es: Client;
  pool: Pool;
  names: IndexNames;
  config: Config;
  runId: string;
  now: () => Date;
  verbose: (msg: string) => void;
  /** Called as rows are processed; `total` is known when counting was asked for. */
  onProgress?: (p: { read: number; total?: number }) => void;
  countTotal?: boolean;
  /** Aborted: stop reading at the next batch boundary and end at a safe point. */
  signal?: AbortSignal;
}

export interface IngestStats {
  mode: 'full' | 'incremental' | 'since' | 'repair';
  dry_run: boolean;
  window: { from: string | null; until: string };
  read: number;
  accepted: number;
  indexed: number;
  /** Accepted rows whose document Elasticsearch already held as this run would write it: not written. */
  unchanged: number;
  /** Accepted rows that Elasticsearch already held in a newer version. */
  superseded: number;
  rejected: number;
  /**
   * Of them, the rows not rejected as they are by an earlier run (new or changed rejections,
   * and documents Elasticsearch refused): what --fail-on-rejects and the metrics count.
   */
  rejected_new: number;
  /** Previously accepted rows that are invalid now: their documents were removed. */
  withdrawn: number;
  /** Rows the dead letter held that are accepted now: their dead letters were removed. */
  valid_again: number;
  /** Rows modified after now (clock skew): read, and the checkpoint kept before them. */
  future: number;
  flagged: number;
  by_rule: Partial<Record<RuleId, number>>;
  anomalies_cleared: number;
  days_changed: number;
  retried: number;
  checkpoint: Checkpoint | null;
  checkpoint_advanced: boolean;
  /** REPEATED_AMOUNT settled after the stream, over how many days (null: no day to settle). */
  repeated_amount: (SettleResult & { days: number }) | null;
  /** Stopped early by `signal`: only the rows read so far were handled. */
  interrupted: boolean;
}

export async function runIngestPipeline(deps: IngestDeps, opts: IngestOptions): Promise<IngestStats> {
  const { es, pool, names, config } = deps;
  const state = new StateStore(es, names.state);
  const stored = await state.readCheckpoint(config.table);
  const plan = planIngest({
    previous: stored,
    full: opts.full,
    since: opts.since,
    rows: opts.rows,
    now: deps.now(),
    lagMs: opts.lagMs,
    overlapMs: opts.overlapMs,
    sourceTz: config.sourceTz,
  });
  deps.verbose(
    `ingest ${plan.mode}: modified ${plan.window.fromModified ?? '(beginning)'} .. ` +
      `${plan.window.untilModified}${opts.dryRun ? ' (dry run)' : ''}`,
  );
  const stats = emptyStats(plan, opts.dryRun, stored);
  const empty = await emptyAtStart(es, names);
  const total =
    deps.countTotal && plan.mode !== 'repair' ? await countWindow(pool, config.table, plan.window) : undefined;
  const source = opts.source ?? (await describeSourceTable(pool, config.table));
  const lookups = new Lookups(es, names, empty);
  const guard = opts.withdraw
    ? await WithdrawalGuard.start(es, names, state, config.table, opts.withdraw, deps.now())
    : undefined;
  const sink = new IngestSink({ es, pool, names, source, runId: deps.runId, now: deps.now }, opts);
  const checkpoint = new CheckpointStage(state, config.table, plan, stored, (throughId, from) =>
    coveredPosition(pool, config.table, plan.window, throughId, from),
  );
  // A load into an empty sales index counts its repeat keys as it writes: settling then looks those up
  // (repeatCandidates.ts).
  const repeats = empty.sales && !opts.dryRun ? new RepeatCandidates(config.rules.repeatedAmountFrom) : undefined;
  const judging = (): JudgeContext => ({
    names,
    table: config.table,
    runId: deps.runId,
    sourceTz: config.sourceTz,
    businessTz: config.tz,
    thresholds: config.rules,
    now: deps.now(),
    overwrite: Boolean(opts.overwrite),
    repeats,
  });
  const judge = async (page: SourcePage): Promise<PageWrites> => {
    const ctx = judging();
    const mapped = mapPage(page.rows, ctx, page.gone);
    const judged = judgePage(mapped, await lookups.forBatch(lookupKeys(mapped, ctx)), ctx);
    tally(stats, judged);
    const covers = { reached: page.reached, days: judged.days };
    if (!guard || judged.withdrawals.length === 0) return { ops: judged.ops, withdrawals: judged.withdrawals, covers };
    guard.hold(judged.withdrawals);
    return { ops: judged.ops, withdrawals: [], covers: { ...covers, withheld: judged.withdrawals.length } };
  };

  // The checkpoint consumes the segments' outcomes while the stream goes on; its first failure
  // abandons what the sink has not answered yet (and ends the stream at the next page).
  const committed = opts.dryRun
    ? Promise.resolve()
    : checkpoint.consume(sink.outcomes(), (o) => tallyWritten(stats, o));
  committed.catch((err: unknown) => sink.abort(err));
  let rowsInSegment = 0;
  try {
    for await (const page of readPlan(pool, source, plan, opts.batchSize)) {
      if (sink.failure) break;
      if (deps.signal?.aborted) {
        stats.interrupted = true;
        break;
      }
      const writes = await judge(page);
      if (page.future) stats.future += page.rows.length;
      await checkpoint.beforeWriting(writes.covers, opts.dryRun);
      if (!opts.dryRun) await sink.write(writes);
      deps.onProgress?.({ read: stats.read, total });
      rowsInSegment += page.rows.length;
      if (rowsInSegment >= opts.segmentRows) {
        sink.endSegment();
        rowsInSegment = 0;
      }
    }
  } catch (err) {
    sink.abort(err);
  }
  sink.close();
  await committed;
  if (sink.failure) throw sink.failure;
  if (guard) {
    const withdrawals = guard.release(plan.mode === 'repair' ? 'reconcile --repair' : 'ingest');
    if (!opts.dryRun) {
      if (withdrawals.length) {
        const written = await writeBulk(
          es,
          withdrawals.flatMap((w) => withdrawalOps(names, w)),
          { what: 'withdrawing sales', hint: 're-run: the checkpoint stays before the rows withdrawn', refresh: true },
        );
        stats.withdrawn -= written.superseded; // back since in a newer version
        // Marked again once withdrawn: a `daily` that ran meanwhile recomputed these days without the withdrawals.
        const days = withdrawals.flatMap((w) => (w.day ? [w.day] : []));
        if (days.length) await state.markChangedDays(days, { jobs: ['daily', 'weekly'] });
        await guard.record(state, config.table, deps.runId, deps.now(), withdrawals.length);
      }
      await checkpoint.release();
    }
  }
  Object.assign(stats, {
    checkpoint: checkpoint.position,
    checkpoint_advanced: checkpoint.advanced,
    days_changed: checkpoint.days.size,
  });
  stats.indexed = Math.max(0, stats.accepted - stats.unchanged - stats.superseded);
  if (!opts.dryRun) {
    const settleStarted = Date.now();
    stats.repeated_amount = await settleDays(deps, state, checkpoint.days, repeats?.found());
    if (stats.repeated_amount)
      deps.verbose(
        `REPEATED_AMOUNT settled over ${stats.repeated_amount.days} day(s) in ${Date.now() - settleStarted} ms`,
      );
  }
  return stats;
}

/**
 * Settles REPEATED_AMOUNT for the days this run wrote and for every day recorded for settling by
 * a run that did not live to do it, then clears those records. `candidates` (a load into an
 * empty sales index) stands for the aggregation over this run's days only.
 */
async function settleDays(
  deps: IngestDeps,
  state: StateStore,
  written: ReadonlySet<string>,
  candidates: ReadonlySet<string> | undefined,
): Promise<(SettleResult & { days: number }) | null> {
  const marks = await state.changedDays('repeated-amount');
  const left = [...new Set(marks.map((m) => m.day))].filter((d) => !written.has(d));
  if (written.size === 0 && left.length === 0) return null;
  const settle = (days: string[], known?: ReadonlySet<string>): Promise<SettleResult> =>
    settleRepeatedAmounts(
      {
        client: deps.es,
        names: deps.names,
        repeatedAmountFrom: deps.config.rules.repeatedAmountFrom,
        now: deps.now,
        candidates: known,
      },
      days.sort(),
    );
  const result = { ...(await settle([...written], candidates)), days: written.size + left.length };
  if (left.length) {
    const earlier = await settle(left);
    for (const k of ['groups', 'flagged', 'newlyFlagged', 'unflagged'] as const) result[k] += earlier[k];
  }
  await state.clearChangedDays('repeated-amount', marks);
  return result;
}

function emptyStats(plan: IngestPlan, dryRun: boolean, previous: Checkpoint | null): IngestStats {
  return {
    mode: plan.mode,
    dry_run: dryRun,
    window: { from: plan.window.fromModified ?? null, until: plan.window.untilModified },
    read: 0,
    accepted: 0,
    indexed: 0,
    unchanged: 0,
    superseded: 0,
    rejected: 0,
    rejected_new: 0,
    withdrawn: 0,
    valid_again: 0,
    future: 0,
    flagged: 0,
    by_rule: {},
    anomalies_cleared: 0,
    days_changed: 0,
    retried: 0,
    checkpoint: previous ? { modified: previous.modified, id: previous.id } : null,
    checkpoint_advanced: false,
    repeated_amount: null,
    interrupted: false,
  };
}

function tally(stats: IngestStats, o: BatchOutcome): void {
  stats.read += o.accepted + o.rejected;
  stats.accepted += o.accepted;
  stats.rejected += o.rejected;
  stats.rejected_new += o.rejectedNew;
  stats.unchanged += o.unchanged;
  stats.withdrawn += o.withdrawals.length;
  stats.valid_again += o.validAgain;
  stats.flagged += o.flagged;
  stats.anomalies_cleared += o.cleared;
  for (const [rule, n] of o.byRule) stats.by_rule[rule] = (stats.by_rule[rule] ?? 0) + n;
}

/** A segment written: what Elasticsearch decided about its sales. */
function tallyWritten(stats: IngestStats, o: SegmentOutcome): void {
  if (o.status !== 'written') return;
  stats.superseded += o.superseded;
  stats.retried += o.retried;
  stats.rejected += o.refused;
  stats.rejected_new += o.refused;
  stats.accepted -= o.refused;
}
