/**
 * The source table's schema, watched: every job that reads the table (ingest, reconcile) first
 * reads its columns from information_schema and compares them with what the last run recorded in
 * the state index. A change is one line for the run's output, its run document and `doctor`; a
 * change earlypay can read carries on (and is recorded once the run has done its work), one it
 * cannot stops the run before anything is written: exit 1, the column named.
 */
import type { Pool } from 'mysql2/promise';
import { RunFailedError } from '../errors';
import { inspectSourceColumns, sourceTableOf, unreadableColumns, type SourceTable } from '../source/query';
import { diffSchema, recordedColumns, schemaChangeLine, type SchemaChange } from '../source/schemaDrift';
import type { StateStore } from './store';

export interface SchemaWatch {
  /** The table as this run reads it. */
  source: SourceTable;
  /** What changed since the last run recorded the columns (none on the first run). */
  changes: SchemaChange[];
  /** The one line that says so, or null. */
  line: string | null;
  /** Records the columns as seen now (after the run did its work, so a failed run reports the change again). */
  record(): Promise<void>;
}

export interface WatchDeps {
  pool: Pool;
  state: StateStore;
  table: string;
  sourceTz: string;
  now: Date;
  runId: string;
}

/** The check a job makes before it reads a row: a RunFailedError when earlypay cannot read the table now. */
export async function watchSourceSchema(deps: WatchDeps): Promise<SchemaWatch> {
  const { table } = deps;
  const [described, recorded] = await Promise.all([
    inspectSourceColumns(deps.pool, table, { sourceTz: deps.sourceTz, now: deps.now }),
    deps.state.readSourceSchema(table),
  ]);
  const changes = recorded && described.columns.size ? diffSchema(recorded.columns, described) : [];
  const line = changes.length ? schemaChangeLine(table, changes) : null;
  const unreadable = unreadableColumns(described);
  if (unreadable.length && described.columns.size) {
    const unexplained = unreadable.filter((u) => !changes.some((c) => c.column === u.column && !c.readable));
    const reasons = [line, ...unexplained.map((u) => `source table ${table}: column ${u.column}: ${u.why}`)].filter(
      Boolean,
    );
    throw new RunFailedError(
      `${reasons.join('; ')}; earlypay stopped before writing or withdrawing anything`,
      'restore the column or its type (or point EARLYPAY_TABLE at a view with the columns of docs/contract.md §3) ' +
        'and run again; `earlypay doctor` shows the schema',
    );
  }
  const source = sourceTableOf(described);
  return {
    source,
    changes,
    line,
    async record() {
      if (recorded && !changes.length) return;
      const at = new Date().toISOString();
      await deps.state.recordSourceSchema(table, {
        columns: recordedColumns(described),
        recorded_at: at,
        run_id: deps.runId,
        last_change: line ? { at, run_id: deps.runId, line, changes } : recorded?.last_change,
      });
    },
  };
}
