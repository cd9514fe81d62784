/**
 * The `earlypay-state` index: the ingest checkpoint and the business days whose data changed
 * and must be recomputed by `daily` and `weekly`. Marks are removed with optimistic
 * concurrency, so a day re-marked by an ingest while `daily` was computing it stays marked.
 */
import type { Client } from '@elastic/elasticsearch';
import { writeBulk, type BulkOp } from '../es/bulkWrite';
import { streamHits } from '../es/pager';
import type { RecordedSchema } from './sourceSchema';

export interface Checkpoint {
  /** Source wall-clock DATETIME of the last row safely in ES. */
  modified: string;
  /** Its id (decimal string): the keyset cursor is (modified, id). */
  id: string;
}

export type RecomputeJob = 'daily' | 'weekly';

export interface DayMark {
  day: string;
  seqNo: number;
  primaryTerm: number;
}

export class StateStore {
  constructor(
    private readonly client: Client,
    private readonly index: string,
  ) {}

  private checkpointKey(table: string): string {
    return `checkpoint:ingest:${table}`;
  }

  async readCheckpoint(table: string): Promise<(Checkpoint & { updatedAt: string }) | null> {
    const res = await this.client.get<{ value: Checkpoint; updated_at: string }>(
      { index: this.index, id: this.checkpointKey(table) },
      { ignore: [404] },
    );
    if (!res.found || !res._source) return null;
    return { ...res._source.value, updatedAt: res._source.updated_at };
  }

  async writeCheckpoint(table: string, checkpoint: Checkpoint): Promise<void> {
    await this.client.index({
      index: this.index,
      id: this.checkpointKey(table),
      document: {
        key: this.checkpointKey(table),
        kind: 'checkpoint',
        value: checkpoint,
        updated_at: new Date().toISOString(),
      },
    });
  }

  /** The source table's columns as the last run that read it recorded them (sourceSchema.ts). */
  async readSourceSchema(table: string): Promise<RecordedSchema | null> {
    const res = await this.client.get<{ value: RecordedSchema }>(
      { index: this.index, id: `schema:source:${table}` },
      { ignore: [404] },
    );
    return res.found && res._source ? res._source.value : null;
  }

  async recordSourceSchema(table: string, schema: RecordedSchema): Promise<void> {
    const key = `schema:source:${table}`;
    await this.client.index({
      index: this.index,
      id: key,
      document: { key, kind: 'source_schema', value: schema, updated_at: new Date().toISOString() },
      refresh: true,
    });
  }

  /** No checkpoint: the next ingest reads the whole table. */
  async clearCheckpoint(table: string): Promise<void> {
    await this.client.delete({ index: this.index, id: this.checkpointKey(table) }, { ignore: [404] });
  }

  /**
   * Records that these business days changed, for every recompute job. `refresh: false` leaves
   * the marks to the next refresh (`changedDays` refreshes before it reads).
   */
  async markChangedDays(days: Iterable<string>, { refresh = true }: { refresh?: boolean } = {}): Promise<number> {
    const now = new Date().toISOString();
    const unique = new Set(days);
    const ops: BulkOp[] = [];
    for (const day of unique) {
      for (const job of ['daily', 'weekly'] as RecomputeJob[]) {
        const key = `changed:${job}:${day}`;
        ops.push({
          kind: 'index',
          index: this.index,
          id: key,
          doc: { key, kind: `changed_${job}`, day, updated_at: now },
        });
      }
    }
    if (ops.length === 0) return 0;
    // Through the one bulk writer: a write queue that is full for a moment (429) is waited out, not a failed run.
    const res = await writeBulk(this.client, ops, { refresh });
    if (res.failed.length) throw new Error(`could not record changed days: ${res.failed[0]!.reason}`);
    return unique.size;
  }

  /** Every day marked for `job`, oldest first, with the version to remove it safely. */
  async changedDays(job: RecomputeJob): Promise<DayMark[]> {
    const marks: DayMark[] = [];
    await this.client.indices.refresh({ index: this.index });
    const hits = streamHits<{ day: string }>(this.client, {
      index: this.index,
      query: { term: { kind: `changed_${job}` } },
      sort: [{ day: 'asc' }, { key: 'asc' }],
      source: ['day'],
      seqNoPrimaryTerm: true,
      pageSize: 1_000,
    });
    for await (const h of hits) marks.push({ day: h._source!.day, seqNo: h._seq_no!, primaryTerm: h._primary_term! });
    return marks;
  }

  /** Removes marks that were handled; a mark rewritten since it was read is kept. */
  async clearChangedDays(job: RecomputeJob, marks: DayMark[]): Promise<void> {
    if (marks.length === 0) return;
    const operations = marks.map((m) => ({
      delete: {
        _index: this.index,
        _id: `changed:${job}:${m.day}`,
        if_seq_no: m.seqNo,
        if_primary_term: m.primaryTerm,
      },
    }));
    await this.client.bulk({ operations, refresh: true });
  }
}
