/**
 * Stage 1, plan: which rows this run reads, and whether the checkpoint may move past them.
 * Pure (the stored checkpoint and the clock are passed in).
 *
 * Every plan reads up to the present — a row is copied by the first run after its commit — and
 * none lets the checkpoint pass a row modified after now − `--lag`: a transaction that commits
 * late with an earlier `modified` is still read by the next run (re-reading is harmless: writes
 * are idempotent and rows Elasticsearch already holds as they are are not written).
 */
import { RunFailedError } from '../errors';
import type { RowPage } from '../source/query';
import type { Checkpoint } from '../state/store';
import { toWallClock, wallClockToInstant } from '../time/businessDay';

/** A place in (modified, id) order: where a checkpoint or a poll stands. */
export interface KeysetPosition {
  modified: string;
  id: string;
}

/** The rows a run reads, by `modified`. */
export interface ReadWindow {
  /** Read rows with modified >= this (wall clock), or from the beginning when undefined. */
  fromModified?: string;
  /** A poll's: only the rows after this keyset position. */
  after?: KeysetPosition;
  /**
   * A poll's: no row modified after this (wall clock, now). Otherwise there is no bound: a run
   * reads up to the present, and rows modified later still (a clock ahead of ours) too.
   */
  untilModified?: string;
  /** The checkpoint never passes a row modified after this (wall clock): now − --lag. */
  checkpointUntil: string;
  /** A poll's: the rows it read again as an earlier poll read them are left out. */
  recent?: RecentRows;
  /** A slice of a sweep's: stop after the page that reaches this many rows (SourcePage.more). */
  maxRows?: number;
  /**
   * Now plus FUTURE_AFTER_MS (wall clock): the rows read that were modified later (the
   * application's clock ahead of ours) are counted as `future` (SourcePage).
   */
  futureAfter?: string;
}

/** An id a repair names that MySQL no longer has: its sale is withdrawn. */
export interface GoneRow {
  id: string;
  /** The day its document stood on, when the caller knows it (else the stored document's). */
  day?: string;
}

/** A page of the rows a repair hands over (read by id), with the ids of it MySQL no longer has. */
export interface GivenPage {
  rows: RowPage;
  gone: readonly GoneRow[];
}

export type IngestPlan =
  /** The whole table (--full, or the first run): the checkpoint is rewritten at the end. */
  | { mode: 'full'; window: ReadWindow & { fromModified?: undefined }; mayAdvance: true }
  /** Rows changed since the checkpoint, minus --overlap for late commits. */
  | { mode: 'incremental'; window: ReadWindow & { fromModified: string }; mayAdvance: true }
  /**
   * Rows modified since --since; the checkpoint moves only when the window starts at or before
   * it (a later --since skips rows, and the checkpoint must not jump past them).
   */
  | { mode: 'since'; window: ReadWindow & { fromModified: string }; mayAdvance: boolean }
  /** --follow's poll: the rows after where the last poll stopped (or of its last seconds), up to now. */
  | { mode: 'poll'; window: ReadWindow & { untilModified: string }; mayAdvance: true }
  /** Exactly the given rows (reconcile --repair): the checkpoint is left alone. */
  | {
      mode: 'repair';
      rows: AsyncIterable<GivenPage>;
      window: ReadWindow & { fromModified?: undefined };
      mayAdvance: false;
    };

export interface PlanInput {
  previous: Checkpoint | null;
  full: boolean;
  since?: Date;
  rows?: AsyncIterable<GivenPage>;
  now: Date;
  lagMs: number;
  overlapMs: number;
  sourceTz: string;
}

/**
 * How far past a plan's now a row's `modified` must be to count as written by a clock ahead of
 * ours: the rows committed while a pass reads, modified after the moment it began, are not.
 */
export const FUTURE_AFTER_MS = 60_000;

/** now − lag as the source's wall clock: the furthest the checkpoint may go. */
function checkpointUntil(now: Date, lagMs: number, sourceTz: string): string {
  return toWallClock(new Date(now.getTime() - lagMs), sourceTz);
}

export function planIngest(input: PlanInput): IngestPlan {
  const until = checkpointUntil(input.now, input.lagMs, input.sourceTz);
  // Rows modified after now (clock skew) are read too, counted, and the checkpoint stays before them.
  const futureAfter = toWallClock(new Date(input.now.getTime() + FUTURE_AFTER_MS), input.sourceTz);
  const { previous } = input;
  if (input.rows) return { mode: 'repair', rows: input.rows, window: { checkpointUntil: until }, mayAdvance: false };
  if (input.since) {
    const fromModified = toWallClock(input.since, input.sourceTz);
    return {
      mode: 'since',
      window: { fromModified, checkpointUntil: until, futureAfter },
      mayAdvance: previous !== null && fromModified <= previous.modified,
    };
  }
  if (input.full || !previous)
    return { mode: 'full', window: { checkpointUntil: until, futureAfter }, mayAdvance: true };
  const at = wallClockToInstant(previous.modified, input.sourceTz);
  if (!at)
    throw new RunFailedError(
      `the stored checkpoint "${previous.modified}" is not a date-time`,
      'run `earlypay ingest --full` once',
    );
  return {
    mode: 'incremental',
    window: {
      fromModified: toWallClock(new Date(at.getTime() - input.overlapMs), input.sourceTz),
      checkpointUntil: until,
      futureAfter,
    },
    mayAdvance: true,
  };
}

/** `plan`, its read stopping after the page that reaches `maxRows` rows (a slice of a sweep). */
export function withMaxRows(plan: IngestPlan, maxRows: number): IngestPlan {
  // Every kind of plan takes the bound alike: only the window gains a field.
  return { ...plan, window: { ...plan.window, maxRows } } as IngestPlan;
}

/**
 * How far back a poll reads again, whatever its position: `modified` has whole seconds, so a row
 * updated in the second the last poll stopped in, with a lower id, sorts before that position; and
 * a commit takes a moment to become visible after its `modified` was set. Later commits are the
 * sweeps' (follow.ts).
 */
export const POLL_SETTLE_MS = 2_000;

/**
 * A poll of `ingest --follow`: the rows after `after` (where the poll before stopped) modified up
 * to now, and again every row modified in the last POLL_SETTLE_MS — one indexed query when there
 * are none, and once the source has been quiet that long, a query that starts at `after`. Rows
 * modified later than now (a clock ahead of ours) are left to the next re-read of the overlap,
 * so that they cannot carry the poll's position past rows still to come.
 */
export function planPoll(
  after: KeysetPosition,
  now: Date,
  lagMs: number,
  sourceTz: string,
  recent?: RecentRows,
): IngestPlan {
  const settleFrom = toWallClock(new Date(now.getTime() - POLL_SETTLE_MS), sourceTz);
  recent?.forgetBefore(settleFrom);
  const from = after.modified >= settleFrom ? { fromModified: settleFrom, recent } : { after, recent };
  return {
    mode: 'poll',
    window: {
      ...from,
      untilModified: toWallClock(now, sourceTz),
      checkpointUntil: checkpointUntil(now, lagMs, sourceTz),
    },
    mayAdvance: true,
  };
}

/**
 * The rows the polls of a run read in their last seconds, by id and `modified`: read again as
 * they were, they are left out before judging — a poll that reads its last seconds again asks
 * Elasticsearch only about the rows new to it (a realtime lookup of a document written a moment
 * ago makes Elasticsearch refresh the shard).
 */
export class RecentRows {
  private readonly seen = new Map<string, string>();
  /** Rows modified before this (wall clock) are not noted: no poll reads them again. */
  private from = '';

  /** Whether a poll read this row as it is before; notes it when not (a poll's last seconds only). */
  known({ id, modified: at }: { id: string; modified: string | null }): boolean {
    const modified = String(at);
    if (this.seen.get(id) === modified) return true;
    // A first poll that catches up on hours of rows must not hold them all.
    if (modified >= this.from) this.seen.set(id, modified);
    return false;
  }

  /** Forgets the rows modified before `from` (wall clock): no poll reads them again. */
  forgetBefore(from: string): void {
    this.from = from;
    for (const [id, modified] of this.seen) if (modified < from) this.seen.delete(id);
  }
}
