/**
 * What `doctor` asks the source database: the server, the table's shape (columns, the
 * (modified, id) keyset index) and how far the ingest checkpoint lags behind it. Facts only:
 * the command turns them into checks and hints.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { sourceColumnInfo } from '../source/query';
import { SOURCE_COLUMNS } from '../source/row';

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
    'SELECT INDEX_NAME, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) AS cols FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? GROUP BY INDEX_NAME',
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
  latest: unknown;
  /** Rows after the checkpoint modified up to now, counted up to BACKLOG_COUNT_CAP + 1. */
  pending: number;
}

/** How many rows the next ingest has to copy: those after the checkpoint's (modified, id), modified up to now. */
export async function sourceBacklog(
  pool: Pool,
  table: string,
  checkpoint: { modified: string; id: string | number },
  now: string,
): Promise<SourceBacklog> {
  const [[m]] = await pool.query<RowDataPacket[]>(
    `SELECT MAX(modified) AS latest FROM \`${table}\` WHERE modified <= ?`,
    [now],
  );
  const [[p]] = await pool.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM (SELECT 1 FROM \`${table}\` WHERE (modified, id) > (?, ?) AND modified <= ? LIMIT ${BACKLOG_COUNT_CAP + 1}) pending`,
    [checkpoint.modified, checkpoint.id, now],
  );
  return { latest: m!.latest, pending: Number(p!.n) };
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
