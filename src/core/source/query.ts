/**
 * The one way the product reads `platform_sales`: every statement goes through `sourceQuery`,
 * so a lost connection or a killed statement reads as what it is ("MySQL: reading … failed",
 * with a hint that fits the cause) rather than as a bare driver code; and whole rows come back
 * through `sourceRows`, the one place a result row becomes a SourceRow — read as the canonical
 * encoding MySQL makes of it (fingerprint.ts), which is also where its fingerprint comes from.
 */
import type { Pool, QueryOptions, RowDataPacket } from 'mysql2/promise';
import { RunFailedError, describeFailure } from '../errors';
import { MYSQL_TIMEOUT, mysqlFailureHint } from '../failures';
import {
  columnKinds,
  columnsStoredAsUtf8,
  decodeSourceRow,
  fingerprintOf,
  rowEncodingSql,
  type ColumnKind,
  type ColumnType,
} from './fingerprint';
import { SOURCE_COLUMNS, type SourceRow } from './row';

export async function sourceQuery<T = RowDataPacket[]>(
  pool: Pool,
  table: string,
  sql: string | QueryOptions,
  params: unknown[],
): Promise<T> {
  try {
    const [rows] = await pool.query<RowDataPacket[]>(typeof sql === 'string' ? { sql } : sql, params);
    return rows as T;
  } catch (err) {
    const why =
      (err as { code?: string }).code === MYSQL_TIMEOUT
        ? 'no answer within the statement time limit (--mysql-timeout)'
        : describeFailure(err);
    throw new RunFailedError(
      `MySQL: reading ${table} failed: ${why}`,
      mysqlFailureHint(err, 'ingest resumes from its checkpoint, which only covers rows already in Elasticsearch'),
    );
  }
}

/** Every source column, quoted, in SOURCE_COLUMNS order. */
export const SOURCE_COLUMN_LIST = SOURCE_COLUMNS.map((c) => `\`${c}\``).join(', ');

/** Column values in SOURCE_COLUMNS order as a SourceRow. */
export function sourceRowOf(v: readonly unknown[]): SourceRow {
  // One object literal with every column: a row object built property by property has its
  // storage grown again and again (mysql2's were 400 of a row's 2,050 bytes read; tests/unit/source).
  return {
    id: v[0],
    created: v[1],
    modified: v[2],
    remark: v[3],
    num_approval: v[4],
    card_company: v[5],
    card_category: v[6],
    card_number: v[7],
    amount_sale: v[8],
    amount_fee: v[9],
    amount_deposit: v[10],
    is_canceled: v[11],
    sold_at: v[12],
    will_deposited_at: v[13],
    raw_data: v[14],
    platform: v[15],
    daily_sale_id: v[16],
    store_id: v[17],
    extra_payment_id: v[18],
    result_code: v[19],
    result_msg: v[20],
    detail_status: v[21],
    processing_status: v[22],
  } as SourceRow;
}

/** The source table as `sourceRows` reads it, described once a run. */
export interface SourceTable {
  name: string;
  /**
   * The columns whose stored bytes already are their text in UTF-8 (fingerprint.ts's storedAsUtf8): used as they are,
   * not converted.
   */
  asIs: ReadonlySet<string>;
  /** `SELECT <the canonical encoding of a row> FROM <table>`: one column, the row's bytes. */
  select: string;
  /** Each column's SourceRow type, in SOURCE_COLUMNS order. */
  kinds: readonly ColumnKind[];
}

export async function describeSourceTable(pool: Pool, table: string): Promise<SourceTable> {
  const types = await sourceColumnTypes(pool, table);
  const asIs = columnsStoredAsUtf8(types);
  return {
    name: table,
    asIs,
    select: `SELECT ${rowEncodingSql(undefined, asIs)} FROM \`${table}\``,
    kinds: columnKinds(types),
  };
}

/**
 * A page of source rows, each made a SourceRow only when asked for: a page waits (read ahead,
 * or for a free bulk request) while the one before is written, and rows of column strings waiting
 * are what garbage collection copies (docs/performance.md "Rows read as their encoding").
 */
export interface RowPage {
  readonly length: number;
  row(i: number): SourceRow;
  /** Row i's fingerprint (fingerprint.ts). */
  fingerprint(i: number): number;
}

/** Rows read as their canonical encodings (one Buffer each), decoded when asked for. */
export class EncodedRows implements RowPage {
  constructor(
    readonly encodings: readonly Buffer[],
    private readonly kinds: readonly ColumnKind[],
    private readonly table: string,
  ) {}

  get length(): number {
    return this.encodings.length;
  }

  row(i: number): SourceRow {
    const values = decodeSourceRow(this.encodings[i]!, this.kinds);
    if (!values)
      throw new RunFailedError(
        `MySQL: reading ${this.table} failed: row ${i + 1} of a page came back in a form earlypay cannot read`,
        're-run with --verbose and report it; nothing past the last checkpoint was recorded as done',
      );
    return sourceRowOf(values);
  }

  fingerprint(i: number): number {
    return fingerprintOf(this.encodings[i]!);
  }

  /** Bytes of the rows' encodings: about the rows' text. */
  bytes(): number {
    let n = 0;
    for (const e of this.encodings) n += e.length;
    return n;
  }
}

/**
 * Every source column of the rows `<rest>` selects (`WHERE … ORDER BY … LIMIT …`), as
 * SourceRow describes them (the pool's options, source/mysql.ts: DATETIMEs and BIGINTs as
 * strings). Each row arrives as one Buffer, its canonical encoding (mysql2's `typeCast: false`),
 * decoded when the row is asked for (decodeSourceRow); a NULL (a row past max_allowed_packet)
 * fails the read here.
 */
export async function sourceRows(
  pool: Pool,
  source: SourceTable,
  rest: string,
  params: unknown[],
): Promise<EncodedRows> {
  const result = await sourceQuery<(Buffer | null)[][]>(
    pool,
    source.name,
    { sql: `${source.select} ${rest}`, rowsAsArray: true, typeCast: false },
    params,
  );
  const encodings: Buffer[] = new Array(result.length);
  const page = new EncodedRows(encodings, source.kinds, source.name);
  for (let i = 0; i < result.length; i++) {
    const bytes = result[i]![0] ?? null;
    if (!bytes) throw tooLarge(source.name, i === 0 ? undefined : page.row(i - 1));
    encodings[i] = bytes;
  }
  return page;
}

/**
 * MySQL's CONCAT gives NULL for a result longer than max_allowed_packet: such a row could not be
 * sent as its columns either (the server refuses a packet that large).
 */
function tooLarge(table: string, before: SourceRow | undefined): RunFailedError {
  const where = before ? `the row after id ${String(before.id)} (modified ${String(before.modified)})` : 'a row';
  return new RunFailedError(
    `MySQL: reading ${table} failed: ${where} is larger than the server's max_allowed_packet`,
    "raise MySQL's max_allowed_packet (SET GLOBAL max_allowed_packet = …) and re-run; nothing past the last " +
      'checkpoint was recorded as done',
  );
}

/** The rows MySQL has of these ids, a page of 1,000 ids at a time (reconcile's repair). */
export async function* rowsById(pool: Pool, source: SourceTable, ids: readonly string[]): AsyncGenerator<EncodedRows> {
  for (let i = 0; i < ids.length; i += 1_000)
    yield sourceRows(pool, source, 'WHERE id IN (?)', [ids.slice(i, i + 1_000)]);
}

/** The raw rows of these ids, by id (dead-lettering documents Elasticsearch refused). */
export async function readRowsById(pool: Pool, source: SourceTable, ids: string[]): Promise<Map<string, SourceRow>> {
  const out = new Map<string, SourceRow>();
  for await (const page of rowsById(pool, source, ids)) {
    for (let j = 0; j < page.length; j++) {
      const r = page.row(j);
      out.set(String(r.id), r);
    }
  }
  return out;
}

/**
 * The table's columns as information_schema describes them, by name in lower case (MySQL's names are case-insensitive).
 */
export async function sourceColumnTypes(pool: Pool, table: string): Promise<Map<string, ColumnType>> {
  const rows = await sourceQuery(
    pool,
    table,
    'SELECT COLUMN_NAME AS name, DATA_TYPE AS type, CHARACTER_SET_NAME AS charset FROM information_schema.COLUMNS ' +
      'WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    [table],
  );
  return new Map(
    rows.map((r) => [
      String(r.name).toLowerCase(),
      { type: String(r.type), charset: r.charset == null ? null : String(r.charset) },
    ]),
  );
}
