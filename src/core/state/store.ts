/**
 * The `earlypay-state` index: the ingest checkpoint, and the business days whose data changed
 * and must be handled by a job that comes later (`daily`, `weekly`, and REPEATED_AMOUNT's
 * settling, which the next ingest does when the run that wrote them died first). Marks are
 * removed with optimistic concurrency, so a day re-marked while a job was handling it stays
 * marked; the checkpoint is written only over the version its writer last saw, so a run that
 * lost its lock (another took over and moved it) cannot move it back.
 */
import type { Client } from '@elastic/elasticsearch';
import { writeBulk, type BulkOp } from '../es/bulkWrite';
import { streamHits } from '../es/pager';
import { LockLostError } from '../errors';
import type { RecordedColumn, SchemaChange } from '../source/schemaDrift';

/** What the state index keeps about the source table (`schema:source:<table>`). */
export interface RecordedSchema {
  columns: RecordedColumn[];
  recorded_at: string;
  run_id: string;
  /** The last change a run found: what `doctor` shows. */
  last_change?: { at: string; run_id: string; line: string; changes: SchemaChange[] };
}

/** A run's withdrawals, for the mass-withdrawal guard's rolling count. */
export interface WithdrawalRecord {
  at: string;
  run_id: string;
  count: number;
  /** Allowed by a --max-withdraw given for the run: an operator's decision, not counted by later runs. */
  approved: boolean;
}

export interface Checkpoint {
  /** Source wall-clock DATETIME of the last row safely in ES. */
  modified: string;
  /** Its id (decimal string): the keyset cursor is (modified, id). */
  id: string;
}

/** Which version of a document a writer last saw (null: there was none). */
export interface DocVersion {
  seqNo: number;
  primaryTerm: number;
}

/** The checkpoint as stored, with the version to write over. */
export interface StoredCheckpoint extends Checkpoint {
  updatedAt: string;
  version: DocVersion;
}

/**
 * Who handles a changed day later: the AOV jobs, and REPEATED_AMOUNT's settling (a rule over
 * groups of sales: ingest ranks the days it wrote at its end, or the next ingest does).
 */
export type RecomputeJob = 'daily' | 'weekly' | 'repeated-amount';
export const RECOMPUTE_JOBS: readonly RecomputeJob[] = ['daily', 'weekly', 'repeated-amount'];

export interface DayMark {
  day: string;
  seqNo: number;
  primaryTerm: number;
}

function isConflict(err: unknown): boolean {
  return (err as { statusCode?: number }).statusCode === 409;
}

export class StateStore {
  constructor(
    private readonly client: Client,
    private readonly index: string,
  ) {}

  private checkpointKey(table: string): string {
    return `checkpoint:ingest:${table}`;
  }

  async readCheckpoint(table: string): Promise<StoredCheckpoint | null> {
    const res = await this.client.get<{ value: Checkpoint; updated_at: string }>(
      { index: this.index, id: this.checkpointKey(table) },
      { ignore: [404] },
    );
    if (!res.found || !res._source) return null;
    return {
      ...res._source.value,
      updatedAt: res._source.updated_at,
      version: { seqNo: res._seq_no!, primaryTerm: res._primary_term! },
    };
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
      require_alias: true,
      refresh: true,
    });
  }

  /** The withdrawals runs of ingest and reconcile --repair applied lately (ingest/withdrawGuard.ts). */
  async readWithdrawals(table: string): Promise<WithdrawalRecord[]> {
    const res = await this.client.get<{ value: { runs: WithdrawalRecord[] } }>(
      { index: this.index, id: `withdrawals:${table}` },
      { ignore: [404] },
    );
    return res.found && res._source ? res._source.value.runs : [];
  }

  /** Records a run's withdrawals, keeping those at or after `keepFrom`. Under the ingest lock. */
  async recordWithdrawals(table: string, run: WithdrawalRecord, keepFrom: Date): Promise<void> {
    const key = `withdrawals:${table}`;
    const runs = [...(await this.readWithdrawals(table)).filter((r) => new Date(r.at) >= keepFrom), run];
    await this.client.index({
      index: this.index,
      id: key,
      document: { key, kind: 'withdrawals', value: { runs }, updated_at: new Date().toISOString() },
      require_alias: true,
    });
  }

  /**
   * Writes the checkpoint over `over`, the version this run last saw (null: none stood); returns
   * the version written. Another writer in between (a run that took over the lock) makes it fail
   * with LockLostError and write nothing.
   */
  async writeCheckpoint(table: string, checkpoint: Checkpoint, over: DocVersion | null): Promise<DocVersion> {
    const id = this.checkpointKey(table);
    try {
      const res = await this.client.index({
        index: this.index,
        id,
        document: { key: id, kind: 'checkpoint', value: checkpoint, updated_at: new Date().toISOString() },
        require_alias: true,
        ...(over ? { if_seq_no: over.seqNo, if_primary_term: over.primaryTerm } : { op_type: 'create' }),
      });
      return { seqNo: res._seq_no!, primaryTerm: res._primary_term! };
    } catch (err) {
      if (isConflict(err)) throw checkpointMoved();
      throw err;
    }
  }

  /** No checkpoint: the next ingest reads the whole table. Over `over`, as writeCheckpoint. */
  async clearCheckpoint(table: string, over: DocVersion): Promise<void> {
    try {
      await this.client.delete(
        { index: this.index, id: this.checkpointKey(table), if_seq_no: over.seqNo, if_primary_term: over.primaryTerm },
        { ignore: [404] },
      );
    } catch (err) {
      if (isConflict(err)) throw checkpointMoved();
      throw err;
    }
  }

  /**
   * Records that these business days changed, for `jobs` (every job that handles changed days
   * by default). `refresh: false` leaves the marks to the next refresh (`changedDays`
   * refreshes before it reads).
   */
  async markChangedDays(
    days: Iterable<string>,
    { refresh = true, jobs = RECOMPUTE_JOBS }: { refresh?: boolean; jobs?: readonly RecomputeJob[] } = {},
  ): Promise<number> {
    const now = new Date().toISOString();
    const unique = new Set(days);
    const ops: BulkOp[] = [];
    for (const day of unique) {
      for (const job of jobs) {
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
    await writeBulk(this.client, ops, { refresh, what: 'recording changed days' });
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
    await this.client.bulk({ operations, refresh: true, require_alias: true });
  }
}

function checkpointMoved(): LockLostError {
  return new LockLostError(
    'the ingest checkpoint was moved by another run while this one held the lock: it lost its lock (see `earlypay ' +
      'doctor`), and stopped without moving it',
  );
}
