/**
 * What `doctor` asks the source database: the server, the table's shape (columns, the
 * (modified, id) keyset index) and how far the ingest checkpoint lags behind it. Facts only:
 * the command turns them into checks and hints.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { sourceColumnInfo } from '../source/query';
import { SOURCE_COLUMNS } from '../source/row';
import { toWallClock, wallClockToInstant } from '../time/businessDay';

export interface SourceServer {
  version: string;
  /** The database the URL names. */
  db: string;
}

export async function inspectSourceServer(pool: Pool): Promise<SourceServer> {
  const [[v]] = await pool.query<RowDataPacket[]>('SELECT VERSION() AS version, DATABASE() AS db');
  return { version: String(v!.version), db: String(v!.db) };
}

export type SourceTable = { exists: false } | { exists: true; missingColumns: string[]; keysetIndex: boolean };

export async function inspectSourceTable(pool: Pool, table: string): Promise<SourceTable> {
  const [idx] = await pool.query<RowDataPacket[]>(
    'SELECT INDEX_NAME, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) AS cols FROM information_schema.STATISTICS ' +
      'WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? GROUP BY INDEX_NAME',
    [table],
  );
  const [[t]] = await pool.query<RowDataPacket[]>(
    'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    [table],
  );
  if (Number(t!.n) === 0) return { exists: false };
  const missing = missingColumns([...(await sourceColumnInfo(pool, table)).keys()]);
  return {
    exists: true,
    missingColumns: missing,
    keysetIndex: idx.some((r) => String(r.cols).toLowerCase().startsWith('modified,id')),
  };
}

/** The columns ingest and reconcile select that the table does not have (MySQL column names are case-insensitive). */
export function missingColumns(present: readonly string[]): string[] {
  const have = new Set(present.map((c) => c.toLowerCase()));
  return SOURCE_COLUMNS.filter((c) => !have.has(c.toLowerCase()));
}

/** Counting stops here: beyond it "over 1,000,000 rows waiting" says enough, and the count stays cheap. */
export const BACKLOG_COUNT_CAP = 1_000_000;

export interface SourceBacklog {
  /** The table's latest `modified` up to now, as MySQL returns it (null for an empty table). */
  latest: string | null;
  /** Rows after the checkpoint modified up to now, counted up to BACKLOG_COUNT_CAP + 1. */
  pending: number;
}

/**
 * The table's newest `modified` up to `now` (source wall clock), or null when there is none. Rows
 * modified after now (clock skew: futureRows) are copied by every ingest and never wait; counted,
 * the lag would be as far ahead as their clocks, for ever.
 */
export async function sourceLatestModified(pool: Pool, table: string, now: string): Promise<string | null> {
  const [[m]] = await pool.query<RowDataPacket[]>(
    `SELECT MAX(modified) AS latest FROM \`${table}\` WHERE modified <= ?`,
    [now],
  );
  return m!.latest == null ? null : String(m!.latest);
}

/**
 * The source lag: how far the ingest checkpoint is behind the source's newest `modified`, in
 * seconds (0 when it is at or past it, or the table is empty). Both are wall-clock times of the
 * source's zone, compared as instants (a DST change in between counts as it passed). The one
 * definition `doctor`, the metrics (`earlypay_source_lag_seconds`) and `report` share.
 */
export function sourceLagSeconds(latest: string | null, checkpointModified: string, sourceTz: string): number {
  if (latest === null) return 0;
  const newest = wallClockToInstant(latest, sourceTz);
  const covered = wallClockToInstant(checkpointModified, sourceTz);
  if (!newest || !covered) return 0;
  return Math.max(0, (newest.getTime() - covered.getTime()) / 1000);
}

/** The source lag of a checkpoint, measured now: the newest `modified` (up to now) and the lag behind it. */
export async function measureSourceLag(
  pool: Pool,
  table: string,
  checkpoint: { modified: string },
  sourceTz: string,
  now: Date = new Date(),
): Promise<{ latest: string | null; seconds: number }> {
  const latest = await sourceLatestModified(pool, table, toWallClock(now, sourceTz));
  return { latest, seconds: sourceLagSeconds(latest, checkpoint.modified, sourceTz) };
}

/** How many rows the next ingest has to copy: those after the checkpoint's (modified, id), modified up to now. */
export async function sourceBacklog(
  pool: Pool,
  table: string,
  checkpoint: { modified: string; id: string | number },
  now: string,
): Promise<SourceBacklog> {
  const latest = await sourceLatestModified(pool, table, now);
  const [[p]] = await pool.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM (SELECT 1 FROM \`${table}\` WHERE (modified, id) > (?, ?) AND modified <= ? LIMIT ` +
      `${BACKLOG_COUNT_CAP + 1}) pending`,
    [checkpoint.modified, checkpoint.id, now],
  );
  return { latest, pending: Number(p!.n) };
}

export interface FutureRows {
  /** Rows whose `modified` lies after now (source wall clock). */
  count: number;
  /** The largest of them, as MySQL returns it (null when there is none). */
  latest: unknown;
}

/** The rows modified after now: clock skew between the application and this host, or garbage. */
export async function futureRows(pool: Pool, table: string, now: string): Promise<FutureRows> {
  const [[f]] = await pool.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n, MAX(modified) AS latest FROM \`${table}\` WHERE modified > ?`,
    [now],
  );
  return { count: Number(f!.n), latest: f!.latest };
}
