/**
 * The ingest pipeline: six stages, a file each, run here top to bottom for every page of rows.
 *
 *   plan        plan.ts        the window (full / incremental / since / repair) and whether the
 *                              checkpoint may move
 *   read        read.ts        MySQL pages, each row one Buffer (its encoding, made a row as it
 *                              is judged), bounded in rows and bytes: the whole table in id
 *                              order (full), or keyset pages on (modified, id); the next page
 *                              is read while this one is judged and written
 *   judge       judge.ts       pure: accept or reject, map, per-sale rules, anomaly operations,
 *                              nothing at all for rows Elasticsearch already holds as they are
 *   lookups     lookups.ts     stored versions, dead letters, weekly baselines: one round trip
 *                              (none for an index that held nothing when the run started)
 *   sink        sink.ts        the product's bulk writer; refused sales to the dead letter
 *   checkpoint  checkpoint.ts  days marked changed, then the checkpoint moved, after each segment
 *                              is written — while the next one is read and written: the stream
 *                              does not wait at a segment's end (Elasticsearch sat idle there)
 *
 * After the stream, REPEATED_AMOUNT (a rule over groups of sales) is ranked once for every
 * business day that changed (a load into an empty sales index hands over the repeat keys it
 * counted, instead of an aggregation over every key). An abort (SIGINT/SIGTERM) stops between
 * pages: what was read is written and checkpointed, and the run ends as if the table ended there.
 */
import type { Client } from '@elastic/elasticsearch';
import type { Pool } from 'mysql2/promise';
import type { Config } from '../config/config';
import type { IndexNames } from '../es/indices';
import type { RuleId } from '../rules/rules';
import { RepeatCandidates } from '../rules/repeatCandidates';
import { settleRepeatedAmounts, type SettleResult } from '../rules/repeatedAmounts';
import { describeSourceTable, type RowPage, type SourceTable } from '../source/query';
import { StateStore, type Checkpoint } from '../state/store';
import { CheckpointStage } from './checkpoint';
import { judgePage, lookupKeys, mapPage, type BatchOutcome, type JudgeContext } from './judge';
import { Lookups, emptyAtStart } from './lookups';
import { planIngest, type IngestPlan } from './plan';
import { countWindow, coveredPosition, readPlan } from './read';
import { IngestSink } from './sink';

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
  rows?: AsyncIterable<RowPage>;
  /** The table as the caller already described it (a repair reads its rows with it). */
  source?: SourceTable;
  /**
   * With `rows`: the source is the truth whatever the versions say (a row restored with an
   * older `modified`). Each sale is written at max(its modified, the stored document's
   * version) — external_gte accepts that, versions never go backwards, and a write that lands
   * between our read of the stored version and our write (a newer version) still wins.
   */
  overwrite?: boolean;
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
  repeated_amount: SettleResult | null;
  /** Stopped early by `signal`: only the rows read so far were handled. */
  interrupted: boolean;
}

export async function runIngestPipeline(deps: IngestDeps, opts: IngestOptions): Promise<IngestStats> {
  const { es, pool, names, config } = deps;
  const state = new StateStore(es, names.state);
  const previous = await state.readCheckpoint(config.table);
  const plan = planIngest({
    previous,
    full: opts.full,
    since: opts.since,
    rows: opts.rows,
    now: deps.now(),
    lagMs: opts.lagMs,
    overlapMs: opts.overlapMs,
    sourceTz: config.sourceTz,
  });
  deps.verbose(
    `ingest ${plan.mode}: modified ${plan.window.fromModified ?? '(beginning)'} .. ${plan.window.untilModified}${opts.dryRun ? ' (dry run)' : ''}`,
  );
  const stats = emptyStats(plan, opts.dryRun, previous);
  const empty = await emptyAtStart(es, names);
  const total =
    deps.countTotal && plan.mode !== 'repair' ? await countWindow(pool, config.table, plan.window) : undefined;
  const source = opts.source ?? (await describeSourceTable(pool, config.table));
  const lookups = new Lookups(es, names, empty);
  const sink = new IngestSink({ es, pool, names, source, runId: deps.runId, now: deps.now }, opts);
  const checkpoint = new CheckpointStage(state, config.table, plan, stats.checkpoint, (throughId, from) =>
    coveredPosition(pool, config.table, plan.window, throughId, from),
  );
  // A load into an empty sales index counts its repeat keys as it writes: settling then looks those up (repeatCandidates.ts).
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

  /** Judges a page and hands its ops to the sink; the business days it touched. */
  const judgeInto = async (rows: RowPage): Promise<Set<string>> => {
    const ctx = judging();
    const mapped = mapPage(rows, ctx);
    const outcome = judgePage(mapped, await lookups.forBatch(lookupKeys(mapped, ctx)), ctx);
    tally(stats, outcome);
    if (!opts.dryRun) {
      await checkpoint.markBeforeWriting(outcome.days);
      sink.append(outcome.ops);
    }
    return outcome.days;
  };

  // A segment is committed once its writes are answered, while the next is read and written;
  // the commits follow one another in order (a failed one fails the run at the next page).
  let commits: Promise<void> = Promise.resolve();
  let commitFailure: { error: unknown } | undefined;
  let rowsInSegment = 0;
  const endSegment = (): void => {
    if (opts.dryRun) return;
    const started = Date.now();
    const rows = rowsInSegment;
    const written = sink.endSegment();
    written.catch(() => undefined); // awaited below, in its turn; a rejection before then is not unhandled
    const sealed = checkpoint.seal();
    commits = commits.then(async () => {
      const w = await written;
      Object.assign(stats, {
        superseded: stats.superseded + w.superseded,
        retried: stats.retried + w.retried,
        rejected: stats.rejected + w.refused,
        accepted: stats.accepted - w.refused,
      });
      await checkpoint.commit(sealed);
      deps.verbose(
        `segment: ${rows} row(s) written and checkpointed ${Date.now() - started} ms after the segment's last page`,
      );
    });
    commits.catch((error: unknown) => (commitFailure ??= { error }));
  };
  try {
    for await (const page of readPlan(pool, source, plan, opts.batchSize)) {
      if (commitFailure) throw commitFailure.error;
      // Between pages: everything handed to the sink so far is written and checkpointed below.
      if (deps.signal?.aborted) {
        stats.interrupted = true;
        break;
      }
      checkpoint.passed(page.reached, await judgeInto(page.rows));
      if (page.future) stats.future += page.rows.length;
      deps.onProgress?.({ read: stats.read, total });
      // The page's documents are bytes in request bodies now, and collectable while this waits.
      if (!opts.dryRun) await sink.drain();
      if ((rowsInSegment += page.rows.length) >= opts.segmentRows) {
        endSegment();
        rowsInSegment = 0;
      }
    }
  } catch (err) {
    // A failed run writes nothing after it has failed: the commits of segments sealed before
    // end first (a segment all written is checkpointed; one that is not, fails).
    await commits.catch(() => undefined);
    throw err;
  }
  endSegment();
  await commits;
  Object.assign(stats, {
    checkpoint: checkpoint.position,
    checkpoint_advanced: checkpoint.advanced,
    days_changed: checkpoint.days.size,
  });
  stats.indexed = Math.max(0, stats.accepted - stats.unchanged - stats.superseded);

  if (!opts.dryRun && checkpoint.days.size) {
    const settleStarted = Date.now();
    stats.repeated_amount = await settleRepeatedAmounts(
      {
        client: es,
        names,
        repeatedAmountFrom: config.rules.repeatedAmountFrom,
        now: deps.now,
        candidates: repeats?.found(),
      },
      [...checkpoint.days].sort(),
    );
    deps.verbose(`REPEATED_AMOUNT ranked over ${checkpoint.days.size} day(s) in ${Date.now() - settleStarted} ms`);
  }
  return stats;
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
  stats.unchanged += o.unchanged;
  stats.withdrawn += o.withdrawn;
  stats.valid_again += o.validAgain;
  stats.flagged += o.flagged;
  stats.anomalies_cleared += o.cleared;
  for (const [rule, n] of o.byRule) stats.by_rule[rule] = (stats.by_rule[rule] ?? 0) + n;
}
