/**
 * The fingerprint of a source row: 32 bits of MD5 over a canonical encoding of every column
 * that reaches the sales document (all of SOURCE_COLUMNS), computed identically in JavaScript
 * (at ingest, from the row mysql2 returned; stored as `row_fingerprint`) and in MySQL (by
 * `reconcile`, which sums it per business day without moving rows over the network).
 *
 * The canonical encoding (codec/rowEncoding.ts) takes the columns in SOURCE_COLUMNS order. The
 * text of a value is what MySQL's text protocol sends, which is
 * what mysql2 hands over with `dateStrings: true` and `bigNumberStrings: true`: DATETIMEs as
 * written ('2024-05-01 13:05:00', the zero date included), BIGINTs as decimal strings, INT and
 * TINYINT as numbers whose String() is the same decimal text.
 *
 * Sums stay exact: each fingerprint is below 2^32, so a day's sum is below 2^53 — exact in
 * Elasticsearch's double `sum` aggregation — up to FINGERPRINT_EXACT_ROWS rows a day; a day
 * with more rows is compared id by id instead (reconcile.ts).
 *
 * Ingest has MySQL write the encoding (rowEncodingSql) and reads each row as those bytes: their
 * MD5 is the fingerprint (fingerprintOf) and `decodeColumns` reads the row back out of them.
 * MySQL writes it in C for about 1 µs a row; mysql2 decoding 23 columns and this file encoding
 * them again cost the CLI 3-4 µs (bench/RESULTS.md).
 */
import { RowEncoder, type ColumnKind } from '../codec/rowEncoding';
import { SOURCE_COLUMNS, TEXT_AS_READ, type SourceRow } from './row';

/** Most rows a business day can have while Σ of 32-bit fingerprints stays below 2^53. */
export const FINGERPRINT_EXACT_ROWS = 2 ** 21 - 1;

const encoder = new RowEncoder();

/**
 * The fingerprint of a raw source row: an unsigned 32-bit integer. The columns are named one by
 * one in SOURCE_COLUMNS order (the unit tests prove the order): a property read by a computed
 * name made this twice as slow (bench/RESULTS.md, "Stages alone").
 */
export function rowFingerprint(row: SourceRow): number {
  encoder.column(row.id);
  encoder.column(row.created);
  encoder.column(row.modified);
  encoder.column(row.remark);
  encoder.column(row.num_approval);
  encoder.column(row.card_company);
  encoder.column(row.card_category);
  encoder.column(row.card_number);
  encoder.column(row.amount_sale);
  encoder.column(row.amount_fee);
  encoder.column(row.amount_deposit);
  encoder.column(row.is_canceled);
  encoder.column(row.sold_at);
  encoder.column(row.will_deposited_at);
  encoder.column(row.raw_data);
  encoder.column(row.platform);
  encoder.column(row.daily_sale_id);
  encoder.column(row.store_id);
  encoder.column(row.extra_payment_id);
  encoder.column(row.result_code);
  encoder.column(row.result_msg);
  encoder.column(row.detail_status);
  encoder.column(row.processing_status);
  return encoder.fingerprint();
}

/** How information_schema.COLUMNS describes a column: DATA_TYPE and CHARACTER_SET_NAME. */
export interface ColumnType {
  type: string;
  charset: string | null;
}

/** Types whose text MySQL writes in ASCII digits and punctuation, whatever the connection's charset. */
const ASCII_TYPES = new Set([
  'tinyint',
  'smallint',
  'mediumint',
  'int',
  'integer',
  'bigint',
  'decimal',
  'date',
  'datetime',
  'timestamp',
  'time',
  'year',
]);
/** Charsets whose bytes are the UTF-8 of the text (utf8mb3 is UTF-8 limited to the BMP; ASCII is a subset). */
const UTF8_CHARSETS = new Set(['utf8mb4', 'utf8mb3', 'utf8', 'ascii']);

/**
 * Whether a column's own value already is the bytes the fingerprint's encoding wants, so the
 * SQL may use it without CONVERT(… USING utf8mb4): numbers and date-times (ASCII text) and
 * text in a UTF-8 charset. Anything else — latin1, euckr, binary strings, floats — is converted.
 */
export function storedAsUtf8(column: ColumnType): boolean {
  const type = column.type.toLowerCase();
  if (column.charset === null) return ASCII_TYPES.has(type);
  return UTF8_CHARSETS.has(column.charset.toLowerCase());
}

/** The source columns a table of these column types holds as storedAsUtf8 says (keys in lower case). */
export function columnsStoredAsUtf8(types: ReadonlyMap<string, ColumnType>): Set<string> {
  return new Set(
    SOURCE_COLUMNS.filter((c) => {
      const t = types.get(c);
      return t !== undefined && storedAsUtf8(t);
    }),
  );
}

/**
 * The canonical encoding of a row as a MySQL expression over its columns (optionally of a table
 * alias). CONVERT(… USING utf8mb4) makes numbers and DATETIMEs their text and keeps the byte
 * length that of UTF-8, as Buffer.byteLength measures it; columns in `asIs` (storedAsUtf8) are
 * used as they are — the same bytes, and CONVERT, evaluated twice a column, was a third of
 * MariaDB's time over a million rows (9.0 -> 6.4 s).
 */
export function rowEncodingSql(alias?: string, asIs: ReadonlySet<string> = new Set()): string {
  const parts = SOURCE_COLUMNS.map((name) => {
    const column = `${alias ? `${alias}.` : ''}\`${name}\``;
    const text = asIs.has(name) ? column : `CONVERT(${column} USING utf8mb4)`;
    return `IFNULL(CONCAT(OCTET_LENGTH(${text}), ':', ${text}), 'N')`;
  });
  return `CONCAT(${parts.join(', ')})`;
}

/** The fingerprint as a MySQL expression: an UNSIGNED integer, so SUM() of it is exact DECIMAL arithmetic in MySQL. */
export function rowFingerprintSql(alias?: string, asIs: ReadonlySet<string> = new Set()): string {
  return `CAST(CONV(LEFT(MD5(${rowEncodingSql(alias, asIs)}), 8), 16, 10) AS UNSIGNED)`;
}

const NUMBER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'year', 'float', 'double', 'real']);

/**
 * How each column's text becomes the value mysql2 hands over with source/mysql.ts's options:
 * integer and floating-point types as numbers; everything else as text — BIGINT and DECIMAL
 * (bigNumberStrings), date-times (dateStrings), and also binary strings and MySQL's JSON type,
 * which mysql2 would make a Buffer or a parsed object and the sales document takes as text.
 * The text of a TEXT_AS_READ column stays its bytes (a Utf8Text).
 */
/** The kind of each source column, in SOURCE_COLUMNS order (a column information_schema does not describe: text). */
export function columnKinds(types: ReadonlyMap<string, ColumnType>): ColumnKind[] {
  return SOURCE_COLUMNS.map((c) =>
    NUMBER_TYPES.has(types.get(c)?.type.toLowerCase() ?? '') ? 'number' : TEXT_AS_READ.has(c) ? 'bytes' : 'text',
  );
}
