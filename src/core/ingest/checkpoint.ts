/**
 * Stage 6, checkpoint: the only thing that moves the checkpoint, from the sink's outcomes
 * (contract.ts), consumed in order while the next segments are read and written:
 *
 *   before writing  a page's business days, those this run has not recorded yet, are marked
 *                   for `daily`, `weekly` and REPEATED_AMOUNT's settling before its writes go
 *                   out: a run killed after writing leaves them to the next run
 *   written         the segment's days are marked again for `daily`/`weekly` (a `daily` that ran
 *                   between the first mark and the writes has cleared it, having recomputed the
 *                   day without them), then the checkpoint moves to where its pages read, but
 *                   never past a row modified after now − --lag (plan.ts): forward only, except
 *                   that a full run rewrites it (it reads the whole table),
 *                   placing it on the last row, in (modified, id) order, up to which every row is
 *                   written, or removing it while there is none
 *   failed          the consumption ends with the segment's error: the checkpoint stays
 *   withheld        from the first segment whose withdrawals are held back (withdrawGuard.ts),
 *                   the checkpoint stays where it is until `release`, once they are applied: a
 *                   run the guard stops leaves those rows to the next run
 *
 * The checkpoint is written over the version this run last saw (StateStore): a run that lost its
 * lock cannot move it.
 */
import type { StateStore, Checkpoint, DocVersion } from '../state/store';
import type { Coverage, SegmentOutcome } from './contract';
import type { IngestPlan } from './plan';
import type { KeysetPosition } from './read';

/**
 * Where a full run's checkpoint may stand once the window's rows up to an id are written (read.ts's coveredPosition).
 */
export type LocateCovered = (throughId: string, from: KeysetPosition | null) => Promise<KeysetPosition | null>;

/** A checkpoint and the version of its document a run last saw or wrote. */
export type VersionedCheckpoint = Checkpoint & { version: DocVersion };

export class CheckpointStage {
  /** Every day this pass's writes touched (marked before writing; in a dry run only collected). */
  readonly days = new Set<string>();
  advanced = false;
  /** Where the checkpoint stands, and the version of it this run last saw or wrote. */
  position: Checkpoint | null;
  private version: DocVersion | null;
  /** This run's full scan has placed the checkpoint (`position` is then where it put it). */
  private scanned = false;
  /** Withdrawals are held back: how far the segments since read, to move to on `release`. */
  private held: { reached: Coverage['reached'] } | undefined;

  constructor(
    private readonly state: StateStore,
    private readonly table: string,
    private readonly plan: IngestPlan,
    stored: VersionedCheckpoint | null,
    private readonly locate: LocateCovered,
    /**
     * The days recorded before writing so far, shared by the passes of one run (--follow): a
     * day is recorded once until REPEATED_AMOUNT is settled, which clears the records.
     */
    private readonly recorded = new Set<string>(),
  ) {
    this.position = stored ? { modified: stored.modified, id: stored.id } : null;
    this.version = stored?.version ?? null;
  }

  /** Where the checkpoint stands now, with the version to write over (for the next pass of the run). */
  get stored(): VersionedCheckpoint | null {
    return this.position && this.version ? { ...this.position, version: this.version } : null;
  }

  /**
   * Before a page's writes go out: its days not recorded yet are recorded durably, for every job
   * that handles changed days (a dry run only collects them).
   */
  async beforeWriting(covers: Coverage, dryRun = false): Promise<void> {
    let fresh: string[] | undefined;
    for (const d of covers.days) {
      this.days.add(d);
      if (this.recorded.has(d)) continue;
      fresh ??= [];
      fresh.push(d);
    }
    if (!fresh) return;
    if (!dryRun) await this.state.markChangedDays(fresh, { refresh: false });
    for (const d of fresh) this.recorded.add(d);
  }

  /**
   * Consumes the segments' outcomes in order: each written one is committed (`onWritten` is told
   * first, for the run's counts); the first failed one ends the consumption with its error.
   */
  async consume(outcomes: AsyncIterable<SegmentOutcome>, onWritten: (o: SegmentOutcome) => void): Promise<void> {
    for await (const outcome of outcomes) {
      if (outcome.status === 'failed') throw outcome.error;
      onWritten(outcome);
      await this.commit(outcome.covers);
    }
  }

  /** A segment is written: its days marked again, then the checkpoint past it. */
  private async commit(covers: Coverage): Promise<void> {
    if (covers.days.size) await this.state.markChangedDays(covers.days, { jobs: ['daily', 'weekly'] });
    if (this.held || covers.withheld) {
      this.held = { reached: covers.reached ?? this.held?.reached };
      return;
    }
    await this.moveTo(covers.reached);
  }

  /** The withdrawals held back are applied: the checkpoint moves past what the run read, as it would have. */
  async release(): Promise<void> {
    const held = this.held;
    this.held = undefined;
    if (held) await this.moveTo(held.reached);
  }

  private async moveTo(reached: Coverage['reached']): Promise<void> {
    if (!reached || !this.plan.mayAdvance) return;
    let next: KeysetPosition | null;
    if ('position' in reached) {
      next = reached.position;
    } else {
      next = await this.locate(reached.throughId, this.scanned ? this.position : null);
      this.scanned = true;
    }
    if (!next) {
      // A full run that has covered no row yet: the checkpoint before it may describe an index
      // this run is rebuilding. Without one, the next run reads the whole table again.
      if (this.position && this.version) {
        await this.state.clearCheckpoint(this.table, this.version);
        this.position = null;
        this.version = null;
        this.advanced = true;
      }
      return;
    }
    const moves =
      !this.position || (this.plan.mode === 'full' ? !isSame(next, this.position) : isAfter(next, this.position));
    if (moves) {
      const at = { modified: next.modified, id: next.id };
      this.version = await this.state.writeCheckpoint(this.table, at, this.version);
      this.position = at;
      this.advanced = true;
    }
  }
}

function isSame(a: Checkpoint, b: Checkpoint): boolean {
  return a.modified === b.modified && a.id === b.id;
}

/** Whether `a` comes after `b` in (modified, id) order. */
export function isAfter(a: Checkpoint, b: Checkpoint): boolean {
  return a.modified > b.modified || (a.modified === b.modified && BigInt(a.id) > BigInt(b.id));
}
