/**
 * Stage 6, checkpoint: each segment is sealed where it ends (its days and how far its pages
 * read), and once it is safely in Elasticsearch — while the next segment is already being read
 * and written — its changed business days are marked for `daily`/`weekly` and the checkpoint
 * moves to the last row its pages read: forward only, except that a full run rewrites it (it
 * reads the whole table), placing it on the last row, in (modified, id) order, up to which every
 * row has been written, or removing it while there is none.
 */
import type { Checkpoint, StateStore } from '../state/store';
import type { IngestPlan } from './plan';
import type { KeysetPosition, Reached } from './read';

/** Where a full run's checkpoint may stand once the window's rows up to an id are written (read.ts's coveredPosition). */
export type LocateCovered = (throughId: string, from: KeysetPosition | null) => Promise<KeysetPosition | null>;

/** A segment as it ended: the days its pages touched and how far they read. */
export interface SealedSegment {
  days: ReadonlySet<string>;
  last: Reached | undefined;
}

export class CheckpointStage {
  /** Every day marked changed in this run (by `markBeforeWriting`, then passed; in a dry run only passed). */
  readonly days = new Set<string>();
  advanced = false;
  private pendingDays = new Set<string>();
  private last: Reached | undefined;
  /** This run's full scan has placed the checkpoint (`position` is then where it put it). */
  private scanned = false;

  constructor(
    private readonly state: StateStore,
    private readonly table: string,
    private readonly plan: IngestPlan,
    public position: Checkpoint | null,
    private readonly locate: LocateCovered,
  ) {}

  /**
   * Marks the days a page is about to write, those this run has not met yet (each page's days
   * are `passed` once it is handed to the sink), before the page goes to the sink: a run killed (-9, a crash) after writing rows and before its next commit
   * would otherwise leave them written and their days unmarked, and the next run, finding the
   * rows as they are, writes and marks nothing — `daily` would never recompute those days. The
   * commit marks the segment's days again once they are written: a `daily` that ran in between
   * may have recomputed a day before its rows arrived, and cleared the first mark.
   */
  async markBeforeWriting(days: ReadonlySet<string>): Promise<void> {
    let fresh: string[] | undefined;
    for (const d of days) if (!this.days.has(d)) (fresh ??= []).push(d);
    if (fresh) await this.state.markChangedDays(fresh, { refresh: false });
  }

  /** A page was judged (and handed to the sink): its days and, for the read's own pages, how far the read got. */
  passed(reached: Reached | undefined, days: Iterable<string>): void {
    for (const d of days) {
      this.pendingDays.add(d);
      this.days.add(d);
    }
    if (reached) this.last = reached;
  }

  /** Ends a segment with the pages passed so far (those passed afterwards are the next one's). */
  seal(): SealedSegment {
    const sealed = { days: this.pendingDays, last: this.last };
    this.pendingDays = new Set();
    this.last = undefined;
    return sealed;
  }

  /** Call, segment after segment in the order they were sealed, once everything of the segment is written. */
  async commit(segment: SealedSegment): Promise<void> {
    if (segment.days.size) await this.state.markChangedDays(segment.days);
    const last = segment.last;
    if (!last || !this.plan.mayAdvance) return;
    let next: KeysetPosition | null;
    if ('position' in last) {
      next = last.position;
    } else {
      next = await this.locate(last.throughId, this.scanned ? this.position : null);
      this.scanned = true;
    }
    if (!next) {
      // A full run that has covered no row yet: the checkpoint before it may describe an index
      // this run is rebuilding. Without one, the next run reads the whole table again.
      if (this.position) {
        await this.state.clearCheckpoint(this.table);
        this.position = null;
        this.advanced = true;
      }
      return;
    }
    const moves =
      !this.position || (this.plan.mode === 'full' ? !isSame(next, this.position) : isAfter(next, this.position));
    if (moves) {
      const at = { modified: next.modified, id: next.id };
      await this.state.writeCheckpoint(this.table, at);
      this.position = at;
      this.advanced = true;
    }
  }
}

function isSame(a: Checkpoint, b: Checkpoint): boolean {
  return a.modified === b.modified && a.id === b.id;
}

function isAfter(a: Checkpoint, b: Checkpoint): boolean {
  return a.modified > b.modified || (a.modified === b.modified && BigInt(a.id) > BigInt(b.id));
}
