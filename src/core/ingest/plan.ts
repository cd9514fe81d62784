/**
 * Stage 1, plan: which rows this run reads, and whether the checkpoint may move past them.
 * Pure (the stored checkpoint and the clock are passed in).
 */
import { RunFailedError } from '../errors';
import type { RowPage } from '../source/query';
import type { Checkpoint } from '../state/store';
import { toWallClock, wallClockToInstant } from '../time/businessDay';

/** The rows a run reads, by `modified`. */
export interface ReadWindow {
  /** Read rows with modified >= this (wall clock), or from the beginning when undefined. */
  fromModified?: string;
  /** Never read rows modified after this (wall clock): the `--lag` cut-off. */
  untilModified: string;
  /** Rows modified after this (now, wall clock) are read too, apart: readFutureRows. */
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
  | { mode: 'incremental'; window: Required<ReadWindow>; mayAdvance: true }
  /**
   * Rows modified since --since; the checkpoint moves only when the window starts at or before
   * it (a later --since skips rows, and the checkpoint must not jump past them).
   */
  | { mode: 'since'; window: Required<ReadWindow>; mayAdvance: boolean }
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

export function planIngest(input: PlanInput): IngestPlan {
  const untilModified = toWallClock(new Date(input.now.getTime() - input.lagMs), input.sourceTz);
  // Rows modified after now (clock skew) are read apart, every run, without moving the checkpoint.
  const futureAfter = toWallClock(input.now, input.sourceTz);
  const { previous } = input;
  if (input.rows) return { mode: 'repair', rows: input.rows, window: { untilModified }, mayAdvance: false };
  if (input.since) {
    const fromModified = toWallClock(input.since, input.sourceTz);
    return {
      mode: 'since',
      window: { fromModified, untilModified, futureAfter },
      mayAdvance: previous !== null && fromModified <= previous.modified,
    };
  }
  if (input.full || !previous) return { mode: 'full', window: { untilModified, futureAfter }, mayAdvance: true };
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
      untilModified,
      futureAfter,
    },
    mayAdvance: true,
  };
}
