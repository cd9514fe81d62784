/**
 * The one way the product reads `platform_sales`: every statement goes through `sourceQuery`,
 * so a lost connection or a killed statement reads as what it is ("MySQL: reading … failed",
 * with a hint that fits the cause) rather than as a bare driver code; and whole rows come back
 * through `sourceRows`, the one place a result row becomes a SourceRow.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { RunFailedError, describeFailure } from '../errors';
import { mysqlFailureHint } from '../failures';
import { SOURCE_COLUMNS, type SourceRow } from './row';

export async function sourceQuery(pool: Pool, table: string, sql: string, params: unknown[]): Promise<RowDataPacket[]> {
  try {
    const [rows] = await pool.query<RowDataPacket[]>(sql, params);
    return rows;
  } catch (err) {
    throw new RunFailedError(
      `MySQL: reading ${table} failed: ${describeFailure(err)}`,
      mysqlFailureHint(err, 'ingest resumes from its checkpoint, which only covers rows already in Elasticsearch'),
    );
  }
}

/** Every source column, quoted, in SOURCE_COLUMNS order. */
export const SOURCE_COLUMN_LIST = SOURCE_COLUMNS.map((c) => `\`${c}\``).join(', ');

/**
 * `SELECT <every source column> FROM <table> <rest>`. The pool reads DATETIMEs as strings and
 * BIGINTs as decimal strings (source/mysql.ts), which is what SourceRow describes: the one
 * conversion of a result row.
 */
export async function sourceRows(pool: Pool, table: string, rest: string, params: unknown[]): Promise<SourceRow[]> {
  return (await sourceQuery(pool, table, `SELECT ${SOURCE_COLUMN_LIST} FROM \`${table}\` ${rest}`, params)) as unknown as SourceRow[];
}

/** The raw rows of these ids (dead-lettering documents Elasticsearch refused; reconcile's repair). */
export async function readRowsById(pool: Pool, table: string, ids: string[]): Promise<Map<string, SourceRow>> {
  const out = new Map<string, SourceRow>();
  for (let i = 0; i < ids.length; i += 1_000) {
    for (const r of await sourceRows(pool, table, 'WHERE id IN (?)', [ids.slice(i, i + 1_000)])) out.set(String(r.id), r);
  }
  return out;
}
