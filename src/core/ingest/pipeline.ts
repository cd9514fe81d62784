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
import { StateStore, type Checkpoint, type StoredCheckpoint } from '../state/store';
import { CheckpointStage, type VersionedCheckpoint } from './checkpoint';
import { withdrawalOps, type PageWrites, type SegmentOutcome } from './contract';
import { writeBulk } from '../es/bulkWrite';
import { judgePage, lookupKeys, mapPage, type BatchOutcome, type JudgeContext } from './judge';
import { Lookups, emptyAtStart, type EmptyAtStart } from './lookups';
import { planIngest, type GivenPage, type IngestPlan } from './plan';
import { countWindow, coveredPosition, readPlan, type KeysetPosition, type SourcePage } from './read';
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
  /**
   * What the (first) pass read: rows modified from `from` (null: the beginning) up to `until`
   * (null: the present); the checkpoint moves no further than `checkpoint_until` (now − --lag).
   */
  window: { from: string | null; until: string | null; checkpoint_until: string };
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

/**
 * One run's stages, opened once and run as one pass or several (`ingest --follow` polls through
 * the same session): the checkpoint as this run last saw or wrote it, the days recorded before
 * writing, the days still to settle, the lookups and the table's description carry from pass to
 * pass, so a poll that finds nothing costs its one query and no request to Elasticsearch.
 */
export class IngestSession {
  readonly stats: IngestStats;
  /** Every business day this run's writes touched. */
  readonly days = new Set<string>();
  /** The checkpoint as this run last saw or wrote it, with its version. */
  private position: VersionedCheckpoint | null;
  /** Days recorded before writing (checkpoint.ts) and not settled yet. */
  private readonly recorded = new Set<string>();
  /** Days written and not settled yet. */
  private readonly unsettled = new Set<string>();
  private lookups: Lookups;
  /**
   * A load into an empty sales index counts its repeat keys as it writes: settling then looks those up
   * (repeatCandidates.ts).
   */
  private repeats: RepeatCandidates | undefined;
  private passes = 0;
  private settled = false;
  /** The mass-withdrawal guard (withdrawGuard.ts), over every pass of the run. */
  private guard: WithdrawalGuard | undefined;

  private constructor(
    private readonly deps: IngestDeps,
    private readonly opts: IngestOptions,
    private readonly state: StateStore,
    stored: StoredCheckpoint | null,
    empty: EmptyAtStart,
    private readonly source: SourceTable,
  ) {
    this.position = stored;
    this.lookups = new Lookups(deps.es, deps.names, empty);
    this.repeats = empty.sales && !opts.dryRun ? new RepeatCandidates(deps.config.rules.repeatedAmountFrom) : undefined;
    this.stats = emptyStats(opts.dryRun, stored);
  }

  static async open(deps: IngestDeps, opts: IngestOptions): Promise<IngestSession> {
    const { es, pool, names, config } = deps;
    const state = new StateStore(es, names.state);
    const stored = await state.readCheckpoint(config.table);
    const empty = await emptyAtStart(es, names);
    const source = opts.source ?? (await describeSourceTable(pool, config.table));
    const session = new IngestSession(deps, opts, state, stored, empty, source);
    if (opts.withdraw)
      session.guard = await WithdrawalGuard.start(es, names, state, config.table, opts.withdraw, deps.now());
    return session;
  }

  /** The checkpoint as this run last saw or wrote it. */
  get checkpoint(): Checkpoint | null {
    return this.position && { modified: this.position.modified, id: this.position.id };
  }

  /** What a pass reads from the checkpoint as it stands now: the run's options, at `now`. */
  plan(now: Date, first: boolean): IngestPlan {
    const { opts } = this;
    return planIngest({
      previous: this.checkpoint,
      full: first && opts.full,
      since: first ? opts.since : undefined,
      rows: first ? opts.rows : undefined,
      now,
      lagMs: opts.lagMs,
      overlapMs: opts.overlapMs,
      sourceTz: this.deps.config.sourceTz,
    });
  }

  /**
   * Forgets what the lookups cached (the weekly baselines, a missing one included): a long run
   * (--follow) calls it now and then, so that the baselines the nightly `weekly` writes are used.
   */
  forgetLookups(): void {
    this.lookups = new Lookups(this.deps.es, this.deps.names, NOTHING_EMPTY);
  }

  /**
   * One pass of the stages over what `plan` reads (or `pages`). `versions`, when given, is told
   * the version (`modified`, epoch ms) of every sale the pass writes, once it is written.
   */
  async pass(
    plan: IngestPlan,
    versions?: (written: number[]) => void,
  ): Promise<{ last?: KeysetPosition; more?: boolean }> {
    const { es, pool, names, config } = this.deps;
    const { opts, stats, source } = this;
    const first = this.passes++ === 0;
    if (first) {
      if (plan.mode !== 'poll') stats.mode = plan.mode;
      stats.window = windowOf(plan);
      this.deps.verbose(
        `ingest ${plan.mode}: modified ${plan.window.fromModified ?? '(beginning)'} .. the present; ` +
          `the checkpoint up to ${plan.window.checkpointUntil}${opts.dryRun ? ' (dry run)' : ''}`,
      );
    } else this.repeats = undefined; // the repeat keys of one pass only: settling then aggregates
    const lookups = this.lookups;
    const repeats = this.repeats;
    const guard = this.guard;
    const total =
      this.deps.countTotal && plan.mode !== 'repair' && plan.mode !== 'poll'
        ? await countWindow(pool, config.table, plan.window)
        : undefined;
    const checkpoint = new CheckpointStage(
      this.state,
      config.table,
      plan,
      this.position,
      (throughId, from) =>
        coveredPosition(pool, config.table, { untilModified: plan.window.checkpointUntil }, throughId, from),
      this.recorded,
    );
    const judging = (): JudgeContext => ({
      names,
      table: config.table,
      runId: this.deps.runId,
      sourceTz: config.sourceTz,
      businessTz: config.tz,
      thresholds: config.rules,
      now: this.deps.now(),
      overwrite: Boolean(opts.overwrite),
      repeats,
    });
    const judged: number[] = [];
    const judge = async (page: SourcePage): Promise<PageWrites> => {
      const ctx = judging();
      const mapped = mapPage(page.rows, ctx, page.gone);
      const outcome = judgePage(mapped, await lookups.forBatch(lookupKeys(mapped, ctx)), ctx);
      tally(stats, outcome);
      if (versions)
        for (const op of outcome.ops) if (op.kind === 'index' && op.index === names.sales) judged.push(op.version!);
      const covers = { reached: page.reached, days: outcome.days };
      if (!guard || outcome.withdrawals.length === 0)
        return { ops: outcome.ops, withdrawals: outcome.withdrawals, covers };
      guard.hold(outcome.withdrawals);
      return { ops: outcome.ops, withdrawals: [], covers: { ...covers, withheld: outcome.withdrawals.length } };
    };

    // Made at the first page: a pass that reads nothing (an idle poll) sends nothing at all.
    let sink: IngestSink | undefined;
    let committed: Promise<void> = Promise.resolve();
    const openSink = (): IngestSink => {
      const opened = new IngestSink({ es, pool, names, source, runId: this.deps.runId, now: this.deps.now }, opts);
      // The checkpoint consumes the segments' outcomes while the stream goes on; its first failure
      // abandons what the sink has not answered yet (and ends the stream at the next page).
      if (!opts.dryRun) {
        committed = checkpoint.consume(opened.outcomes(), (o) => tallyWritten(stats, o));
        committed.catch((err: unknown) => opened.abort(err));
      }
      return opened;
    };
    let rowsInSegment = 0;
    let last: KeysetPosition | undefined;
    let more = false;
    try {
      for await (const page of readPlan(pool, source, plan, opts.batchSize)) {
        sink ??= openSink();
        if (sink.failure) break;
        if (this.deps.signal?.aborted) {
          stats.interrupted = true;
          break;
        }
        const writes = await judge(page);
        stats.future += page.future ?? 0;
        await checkpoint.beforeWriting(writes.covers, opts.dryRun);
        if (!opts.dryRun) await sink.write(writes);
        if (page.last) last = page.last;
        more = Boolean(page.more);
        this.deps.onProgress?.({ read: stats.read, total });
        rowsInSegment += page.rows.length;
        if (rowsInSegment >= opts.segmentRows) {
          sink.endSegment();
          rowsInSegment = 0;
        }
      }
    } catch (err) {
      sink ??= openSink();
      sink.abort(err);
    }
    sink?.close();
    await committed;
    if (sink?.failure) throw sink.failure;
    if (guard) await this.applyWithdrawals(guard, checkpoint, plan);
    if (versions && judged.length) versions(judged);
    // A later pass reads rows again that this one wrote: an index empty at the start is not any more.
    if (first) this.forgetLookups();
    this.position = checkpoint.stored;
    for (const d of checkpoint.days) {
      this.days.add(d);
      this.unsettled.add(d);
    }
    stats.checkpoint = checkpoint.position;
    stats.checkpoint_advanced ||= checkpoint.advanced;
    stats.days_changed = this.days.size;
    stats.indexed = Math.max(0, stats.accepted - stats.unchanged - stats.superseded);
    return { last, more };
  }

  /**
   * The withdrawals the guard held back over the pass: all applied, then the checkpoint may pass
   * their rows — or, over the run's limit, none (the run fails and the checkpoint stays before them).
   */
  private async applyWithdrawals(guard: WithdrawalGuard, checkpoint: CheckpointStage, plan: IngestPlan): Promise<void> {
    const { es, names, config } = this.deps;
    const withdrawals = guard.release(plan.mode === 'repair' ? 'reconcile --repair' : 'ingest');
    if (this.opts.dryRun) return;
    if (withdrawals.length) {
      const written = await writeBulk(
        es,
        withdrawals.flatMap((w) => withdrawalOps(names, w)),
        { what: 'withdrawing sales', hint: 're-run: the checkpoint stays before the rows withdrawn', refresh: true },
      );
      this.stats.withdrawn -= written.superseded; // back since in a newer version
      // Marked again once withdrawn: a `daily` that ran meanwhile recomputed these days without the withdrawals.
      const days = withdrawals.flatMap((w) => (w.day ? [w.day] : []));
      if (days.length) await this.state.markChangedDays(days, { jobs: ['daily', 'weekly'] });
      await guard.record(this.state, config.table, this.deps.runId, this.deps.now(), withdrawals.length);
    }
    await checkpoint.release();
  }

  /**
   * Settles REPEATED_AMOUNT for the days written since the last settling, and — the first time —
   * for every day a run before this one recorded and did not live to settle. Nothing at all when
   * neither has a day (a poll that wrote nothing asks Elasticsearch nothing).
   */
  async settle(): Promise<void> {
    if (this.opts.dryRun || (this.settled && this.unsettled.size === 0)) return;
    this.settled = true;
    const started = Date.now();
    const result = await settleDays(this.deps, this.state, this.unsettled, this.repeats?.found());
    this.unsettled.clear();
    this.recorded.clear();
    if (!result) return;
    const total = this.stats.repeated_amount ?? { groups: 0, flagged: 0, newlyFlagged: 0, unflagged: 0, days: 0 };
    this.stats.repeated_amount = total;
    for (const k of ['groups', 'flagged', 'newlyFlagged', 'unflagged', 'days'] as const) total[k] += result[k];
    this.deps.verbose(`REPEATED_AMOUNT settled over ${result.days} day(s) in ${Date.now() - started} ms`);
  }
}

/** The lookups of every pass but a run's first: no index is taken for empty. */
const NOTHING_EMPTY: EmptyAtStart = Object.freeze({ sales: false, deadLetters: false, baselines: false });

/** One pass over what the run's options say (the checkpoint, --full, --since, or the given rows), then settling. */
export async function runIngestPipeline(deps: IngestDeps, opts: IngestOptions): Promise<IngestStats> {
  const session = await IngestSession.open(deps, opts);
  await session.pass(session.plan(deps.now(), true));
  await session.settle();
  return session.stats;
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

/** What a plan reads, for the run's report: from (null: the beginning) up to the present; the checkpoint's limit. */
function windowOf(plan: IngestPlan): IngestStats['window'] {
  return {
    from: plan.window.fromModified ?? null,
    until: plan.window.untilModified ?? null,
    checkpoint_until: plan.window.checkpointUntil,
  };
}

function emptyStats(dryRun: boolean, previous: Checkpoint | null): IngestStats {
  return {
    mode: 'incremental',
    dry_run: dryRun,
    window: { from: null, until: null, checkpoint_until: '' },
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
