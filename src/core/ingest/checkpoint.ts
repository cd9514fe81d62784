/**
 * Stage 6, checkpoint: after each segment is safely in Elasticsearch, its changed business
 * days are marked for `daily`/`weekly` and the checkpoint moves to the last row read by the
 * cursor — forward only, except that a full run rewrites it (it read the whole table).
 */
import type { Checkpoint, StateStore } from '../state/store';
import type { IngestPlan } from './plan';
import type { KeysetPosition } from './read';

export class CheckpointStage {
  /** Every day marked changed in this run. */
  readonly days = new Set<string>();
  advanced = false;
  private pendingDays = new Set<string>();
  private last: KeysetPosition | undefined;

  constructor(private readonly state: StateStore, private readonly table: string, private readonly plan: IngestPlan, public position: Checkpoint | null) {}

  /** A page was judged (and handed to the sink): its days and, for cursor pages, where it ends. */
  passed(position: KeysetPosition | undefined, days: Iterable<string>): void {
    for (const d of days) {
      this.pendingDays.add(d);
      this.days.add(d);
    }
    if (position) this.last = position;
  }

  /** Call once everything passed so far is written. */
  async commit(): Promise<void> {
    if (this.pendingDays.size) await this.state.markChangedDays(this.pendingDays);
    this.pendingDays = new Set();
    const last = this.last;
    this.last = undefined;
    if (!last || !this.plan.mayAdvance) return;
    const next = { modified: last.modified, id: last.id };
    const moves = !this.position || (this.plan.mode === 'full' ? !isSame(next, this.position) : isAfter(next, this.position));
    if (moves) {
      await this.state.writeCheckpoint(this.table, next);
      this.position = next;
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
