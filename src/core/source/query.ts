/**
 * The one way the product reads `platform_sales`: every statement goes through `sourceQuery`,
 * so a lost connection or a killed statement reads as what it is ("MySQL: reading … failed",
 * with a hint that fits the cause) rather than as a bare driver code; and whole rows come back
 * through `sourceRows`, the one place a result row becomes a SourceRow.
 */
import type { Pool, QueryOptions, RowDataPacket } from 'mysql2/promise';
import { RunFailedError, describeFailure } from '../errors';
import { mysqlFailureHint } from '../failures';
import type { ColumnType } from './fingerprint';
import { SOURCE_COLUMNS, type SourceRow } from './row';

export async function sourceQuery<T = RowDataPacket[]>(pool: Pool, table: string, sql: string | QueryOptions, params: unknown[]): Promise<T> {
  try {
    const [rows] = await pool.query<RowDataPacket[]>(typeof sql === 'string' ? { sql } : sql, params);
    return rows as T;
  } catch (err) {
    throw new RunFailedError(
      `MySQL: reading ${table} failed: ${describeFailure(err)}`,
      mysqlFailureHint(err, 'ingest resumes from its checkpoint, which only covers rows already in Elasticsearch'),
    );
  }
}

/** Every source column, quoted, in SOURCE_COLUMNS order. */
export const SOURCE_COLUMN_LIST = SOURCE_COLUMNS.map((c) => `\`${c}\``).join(', ');

/** A result row read as an array, in SOURCE_COLUMNS order, as a SourceRow. */
export function sourceRowOf(v: readonly unknown[]): SourceRow {
  // One object literal with every column: mysql2 builds a row object property by property
  // (its storage grown again and again), 400 of a row's 2,050 bytes read (tests/unit/source).
  return {
    id: v[0], created: v[1], modified: v[2], remark: v[3], num_approval: v[4], card_company: v[5], card_category: v[6],
    card_number: v[7], amount_sale: v[8], amount_fee: v[9], amount_deposit: v[10], is_canceled: v[11], sold_at: v[12],
    will_deposited_at: v[13], raw_data: v[14], platform: v[15], daily_sale_id: v[16], store_id: v[17], extra_payment_id: v[18],
    result_code: v[19], result_msg: v[20], detail_status: v[21], processing_status: v[22],
  } as SourceRow;
}

/**
 * `SELECT <every source column> FROM <table> <rest>`. The pool reads DATETIMEs as strings and
 * BIGINTs as decimal strings (source/mysql.ts), which is what SourceRow describes: the one
 * conversion of a result row.
 */
export async function sourceRows(pool: Pool, table: string, rest: string, params: unknown[]): Promise<SourceRow[]> {
  const rows = await sourceQuery<unknown[][]>(pool, table, { sql: `SELECT ${SOURCE_COLUMN_LIST} FROM \`${table}\` ${rest}`, rowsAsArray: true }, params);
  return rows.map(sourceRowOf);
}

/** The raw rows of these ids (dead-lettering documents Elasticsearch refused; reconcile's repair). */
export async function readRowsById(pool: Pool, table: string, ids: string[]): Promise<Map<string, SourceRow>> {
  const out = new Map<string, SourceRow>();
  for (let i = 0; i < ids.length; i += 1_000) {
    for (const r of await sourceRows(pool, table, 'WHERE id IN (?)', [ids.slice(i, i + 1_000)])) out.set(String(r.id), r);
  }
  return out;
}

/** The table's columns as information_schema describes them, by name in lower case (MySQL's names are case-insensitive). */
export async function sourceColumnTypes(pool: Pool, table: string): Promise<Map<string, ColumnType>> {
  const rows = await sourceQuery(
    pool,
    table,
    'SELECT COLUMN_NAME AS name, DATA_TYPE AS type, CHARACTER_SET_NAME AS charset FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    [table],
  );
  return new Map(rows.map((r) => [String(r.name).toLowerCase(), { type: String(r.type), charset: r.charset == null ? null : String(r.charset) }]));
}
