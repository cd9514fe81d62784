/**
 * The one way the product reads `platform_sales`: every statement goes through `sourceQuery`,
 * so a lost connection or a killed statement reads as what it is ("MySQL: reading … failed",
 * with a hint that fits the cause) rather than as a bare driver code; and whole rows come back
 * through `sourceRows`, the one place a result row becomes a SourceRow — read as the canonical
 * encoding MySQL makes of it (fingerprint.ts), which is also where its fingerprint comes from.
 */
import type { Pool, PoolConnection, QueryOptions, RowDataPacket } from 'mysql2/promise';
import type { Query } from 'mysql2';
import { MYSQL_TIMEOUT, RunFailedError, describeFailure, mysqlFailureHint } from '../errors';
import { statementTimeout } from './mysql';
import { decodeColumns, fingerprintOf, type ColumnKind } from '../codec/rowEncoding';
import { zoneOffsetMinutes } from '../time/businessDay';
import {
  COLUMN_ROLES,
  columnReading,
  type ColumnInfo,
  type ColumnReading,
  type SessionZone,
  type ValueForm,
} from './columns';
import { columnKinds, rowEncodingSql } from './fingerprint';
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
    throw readFailed(table, err);
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
  /** How each source column's value is written in the row's encoding (columns.ts). */
  forms: ReadonlyMap<string, ValueForm>;
  /** `SELECT <the canonical encoding of a row>, id, modified FROM <table>`: the row's bytes, and its key. */
  select: string;
  /** Each column's SourceRow type, in SOURCE_COLUMNS order. */
  kinds: readonly ColumnKind[];
}

/** The table's columns as information_schema describes them, and whether earlypay can read each one it needs. */
export interface SourceColumns {
  table: string;
  /** Every column of the table, by lower-case name, in table order; empty when there is no such table. */
  columns: ReadonlyMap<string, ColumnInfo>;
  /** Each source column: how it is read, or why it cannot be (missing, or a type earlypay cannot map). */
  readings: ReadonlyMap<keyof SourceRow, ColumnReading>;
}

/** The source columns earlypay cannot read, and why. */
export function unreadableColumns(described: SourceColumns): { column: keyof SourceRow; why: string }[] {
  const out: { column: keyof SourceRow; why: string }[] = [];
  for (const [column, reading] of described.readings) if (!reading.readable) out.push({ column, why: reading.why });
  return out;
}

/** The table as `sourceRows` reads it; a RunFailedError naming the first column it cannot read. */
export function sourceTableOf(described: SourceColumns): SourceTable {
  const name = described.table;
  const [bad] = unreadableColumns(described);
  if (described.columns.size === 0)
    throw new RunFailedError(
      `MySQL: source table ${name} doesn't exist in the database of the MySQL URL`,
      mysqlFailureHint({ code: 'ER_NO_SUCH_TABLE' }, ''),
    );
  if (bad)
    throw new RunFailedError(
      `source table ${name}: column ${bad.column}: ${bad.why}; earlypay stopped before writing anything`,
      'restore the column (or point EARLYPAY_TABLE at a view with the columns of docs/contract.md §3); `earlypay ' +
        'doctor` shows the schema',
    );
  const forms = new Map<string, ValueForm>();
  for (const [column, reading] of described.readings) if (reading.readable) forms.set(column, reading.form);
  return {
    name,
    forms,
    // The key beside the encoding: a row too large to be encoded (NULL) is still known, and placed.
    select: `SELECT ${rowEncodingSql(undefined, forms)}, \`id\`, \`modified\` FROM \`${name}\``,
    kinds: columnKinds(described.columns),
  };
}

/** The table's columns, read from information_schema, and how earlypay reads each it needs. */
export async function inspectSourceColumns(
  pool: Pool,
  table: string,
  opts: { sourceTz?: string; now?: Date } = {},
): Promise<SourceColumns> {
  const columns = await sourceColumnInfo(pool, table);
  let zone: SessionZone | undefined;
  if (opts.sourceTz && SOURCE_COLUMNS.some((c) => columns.get(c)?.type === 'timestamp')) {
    const [row] = await sourceQuery(pool, table, 'SELECT TIMESTAMPDIFF(MINUTE, UTC_TIMESTAMP(), NOW()) AS m', []);
    zone = {
      sessionOffsetMinutes: Number(row!.m),
      sourceOffsetMinutes: zoneOffsetMinutes(opts.sourceTz, opts.now ?? new Date()),
      sourceTz: opts.sourceTz,
    };
  }
  const readings = new Map<keyof SourceRow, ColumnReading>();
  for (const c of SOURCE_COLUMNS) {
    const info = columns.get(c);
    readings.set(
      c,
      info ? columnReading(COLUMN_ROLES[c], info, zone) : { readable: false, why: 'the table has no such column' },
    );
  }
  return { table, columns, readings };
}

/** The table as `sourceRows` reads it; fails the run (RunFailedError) when earlypay cannot read a column it needs. */
export async function describeSourceTable(
  pool: Pool,
  table: string,
  opts: { sourceTz?: string; now?: Date } = {},
): Promise<SourceTable> {
  return sourceTableOf(await inspectSourceColumns(pool, table, opts));
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
  /** Row i is larger than MySQL's max_allowed_packet: only its id and modified are known. */
  tooLarge?(i: number): boolean;
}

/** Where a row stands in the table: its id and `modified`, as MySQL wrote them. */
export interface RowKey {
  id: string;
  modified: string | null;
}

/** Rows read as their canonical encodings (one Buffer each), decoded when asked for. */
export class EncodedRows implements RowPage {
  constructor(
    /** Each row's encoding; null for a row larger than max_allowed_packet (MySQL's CONCAT gives NULL). */
    readonly encodings: readonly (Buffer | null)[],
    private readonly kinds: readonly ColumnKind[],
    private readonly table: string,
    private readonly keys: readonly RowKey[] = [],
    /** The read stopped at its byte budget before its LIMIT: more rows may follow the last. */
    readonly cut = false,
  ) {}

  get length(): number {
    return this.encodings.length;
  }

  row(i: number): SourceRow {
    const encoding = this.encodings[i];
    if (!encoding) {
      const key = this.key(i);
      return sourceRowOf(SOURCE_COLUMNS.map((c) => (c === 'id' ? key.id : c === 'modified' ? key.modified : null)));
    }
    const values = decodeColumns(encoding, this.kinds);
    if (!values)
      throw new RunFailedError(
        `MySQL: reading ${this.table} failed: row ${i + 1} of a page came back in a form earlypay cannot read`,
        're-run with --verbose and report it; nothing past the last checkpoint was recorded as done',
      );
    return sourceRowOf(values);
  }

  fingerprint(i: number): number {
    const encoding = this.encodings[i];
    // A row too large to encode is known by its key alone (what its dead letter holds).
    return fingerprintOf(encoding ?? Buffer.from(`${this.key(i).id}:${this.key(i).modified}`));
  }

  tooLarge(i: number): boolean {
    return this.encodings[i] === null;
  }

  /** Row i's id and modified as MySQL wrote them (exact, where the encoding writes `modified` canonically). */
  key(i: number): RowKey {
    const key = this.keys[i];
    if (key) return key;
    const row = this.row(i);
    return { id: String(row.id), modified: row.modified == null ? null : String(row.modified) };
  }

  /** The rows `keep` says yes to, as a page of their own. */
  only(keep: (i: number) => boolean): EncodedRows {
    const kept: number[] = [];
    for (let i = 0; i < this.length; i++) if (keep(i)) kept.push(i);
    if (kept.length === this.length) return this;
    const keys = this.keys.length ? kept.map((i) => this.keys[i]!) : [];
    return new EncodedRows(
      kept.map((i) => this.encodings[i]!),
      this.kinds,
      this.table,
      keys,
      this.cut,
    );
  }

  /** Bytes of the rows' encodings: about the rows' text. */
  bytes(): number {
    let n = 0;
    for (const e of this.encodings) n += e?.length ?? 0;
    return n;
  }

  /** Bytes of the largest row's encoding. */
  largest(): number {
    let n = 0;
    for (const e of this.encodings) if (e && e.length > n) n = e.length;
    return n;
  }
}

/**
 * Bytes of encoded rows a page of source rows holds (read.ts's MAX_PAGE_BYTES says why): the
 * default of the reads by id (repairs, refused documents) too.
 */
export const SOURCE_PAGE_BYTES = 4_000_000;

/** What a row costs a page beyond its encoding (its Buffer, the key's strings): so that empty rows count too. */
export const ROW_OVERHEAD_BYTES = 200;

/**
 * Every source column of the rows `<rest>` selects (`WHERE … ORDER BY … LIMIT …`), as
 * SourceRow describes them (the pool's options, source/mysql.ts: DATETIMEs and BIGINTs as
 * strings). Each row arrives as one Buffer, its canonical encoding (mysql2's `typeCast: false`),
 * decoded when the row is asked for (decodeColumns); a row too large for MySQL to encode
 * (larger than max_allowed_packet) arrives as its key alone.
 *
 * Bounded by bytes as well as by the LIMIT: the rows stream in, and once they hold `maxBytes`
 * the read stops after the row that crossed it (`cut`) — the connection is closed, so MySQL
 * sends nothing more —, however large the rows the LIMIT was chosen before knowing them.
 */
export async function sourceRows(
  pool: Pool,
  source: SourceTable,
  rest: string,
  params: unknown[],
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<EncodedRows> {
  let conn: PoolConnection;
  try {
    conn = await pool.getConnection();
  } catch (err) {
    throw readFailed(source.name, err);
  }
  const encodings: (Buffer | null)[] = [];
  const keys: RowKey[] = [];
  const text = (b: Buffer | null): string | null => (b === null ? null : b.latin1Slice(0, b.length));
  return new Promise<EncodedRows>((resolve, reject) => {
    let bytes = 0;
    let settled = false;
    const connection = (conn as unknown as { connection: MysqlConnection }).connection;
    const query: Query = connection.query({
      sql: `${source.select} ${rest}`,
      values: params,
      rowsAsArray: true,
      typeCast: false,
    });
    // Sent on the connection directly, the pool's statement time limit is kept here: a timer of
    // our own, cleared as the read settles (mysql2's per-query timer outlives a cut read, and
    // kept the connection's buffers of megabyte rows alive for a minute).
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      conn.destroy();
      connection.stream.destroy();
      reject(readFailed(source.name, Object.assign(new Error('statement timed out'), { code: MYSQL_TIMEOUT })));
    }, statementTimeout(pool));
    query.on('result', (row: unknown) => {
      if (settled) return;
      const [encoding, id, modified] = row as (Buffer | null)[];
      encodings.push(encoding ?? null);
      keys.push({ id: text(id ?? null) ?? '', modified: text(modified ?? null) });
      bytes += (encoding?.length ?? 0) + ROW_OVERHEAD_BYTES;
      if (bytes < maxBytes) return;
      // Enough for this page: the rest of the result is not wanted (the next page starts after this
      // row). mysql2's destroy only ends our side of the socket, and the server would go on sending
      // every row of the LIMIT, each parsed: the socket is closed outright.
      settled = true;
      clearTimeout(timer);
      conn.destroy();
      connection.stream.destroy();
      resolve(new EncodedRows(encodings, source.kinds, source.name, keys, true));
    });
    query.on('error', (err: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.destroy();
      reject(readFailed(source.name, err));
    });
    query.on('end', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.release();
      resolve(new EncodedRows(encodings, source.kinds, source.name, keys, false));
    });
  });
}

/** What sourceRows uses of mysql2's connection under a pool connection. */
interface MysqlConnection {
  query(options: object): Query;
  stream: { destroy(): void };
}

/** A failed read of the source table, as sourceQuery words it. */
function readFailed(table: string, err: unknown): RunFailedError {
  const why =
    (err as { code?: string }).code === MYSQL_TIMEOUT
      ? 'no answer within the statement time limit (--mysql-timeout)'
      : describeFailure(err);
  return new RunFailedError(
    `MySQL: reading ${table} failed: ${why}`,
    mysqlFailureHint(err, 'ingest resumes from its checkpoint, which only covers rows already in Elasticsearch'),
  );
}

/**
 * The rows MySQL has of these ids, in id order, a page of at most 1,000 ids and `maxBytes` at a
 * time (reconcile's repair).
 */
export async function* rowsById(
  pool: Pool,
  source: SourceTable,
  ids: readonly string[],
  maxBytes = SOURCE_PAGE_BYTES,
): AsyncGenerator<EncodedRows> {
  for (let i = 0; i < ids.length; i += 1_000) {
    const chunk = ids.slice(i, i + 1_000);
    let after: string | undefined;
    for (;;) {
      const page = await sourceRows(
        pool,
        source,
        `WHERE id IN (?)${after === undefined ? '' : ' AND id > ?'} ORDER BY id`,
        after === undefined ? [chunk] : [chunk, after],
        maxBytes,
      );
      if (page.length) yield page;
      if (!page.cut) break;
      after = page.key(page.length - 1).id;
    }
  }
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
 * The table's columns as information_schema describes them, by name in lower case (MySQL's names are case-insensitive),
 * in table order.
 */
export async function sourceColumnInfo(pool: Pool, table: string): Promise<Map<string, ColumnInfo>> {
  const rows = await sourceQuery(
    pool,
    table,
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS type, COLUMN_TYPE AS column_type, CHARACTER_SET_NAME AS charset,
            NUMERIC_SCALE AS scale, DATETIME_PRECISION AS fsp
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [table],
  );
  const number = (v: unknown): number | null => (v == null ? null : Number(v));
  return new Map(
    rows.map((r) => {
      const name = String(r.name).toLowerCase();
      return [
        name,
        {
          name,
          type: String(r.type).toLowerCase(),
          columnType: String(r.column_type).toLowerCase(),
          charset: r.charset == null ? null : String(r.charset),
          scale: number(r.scale),
          fsp: number(r.fsp),
        },
      ];
    }),
  );
}
