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
 * TINYINT as numbers whose String() is the same decimal text — except where a value has several
 * texts (columns.ts): an amount is written without a zero fraction (DECIMAL 16800.00 as 16800), a
 * date-time without one (`…:00.000` as `…:00`), a DATE as its midnight, so a schema change that
 * changes no value changes no fingerprint.
 *
 * Sums stay exact: each fingerprint is below 2^32, so a day's sum is below 2^53 — exact in
 * Elasticsearch's double `sum` aggregation — up to FINGERPRINT_EXACT_ROWS rows a day; a day
 * with more rows is compared id by id instead (reconcile.ts).
 *
 * Ingest has MySQL write the encoding (rowEncodingSql) and reads each row as those bytes: their
 * MD5 is the fingerprint (fingerprintOf) and `decodeColumns` reads the row back out of them.
 * MySQL writes it faster than the CLI could decode and re-encode the columns
 * (docs/performance.md "Rows read as their encoding").
 */
import { RowEncoder, type ColumnKind } from '../codec/rowEncoding';
import { canonicalValue, valueSql, type ColumnInfo, type ValueForm } from './columns';
import { SOURCE_COLUMNS, TEXT_AS_READ, type SourceRow } from './row';

/** Most rows a business day can have while Σ of 32-bit fingerprints stays below 2^53. */
export const FINGERPRINT_EXACT_ROWS = 2 ** 21 - 1;

const encoder = new RowEncoder();

/**
 * The fingerprint of a raw source row: an unsigned 32-bit integer. The columns are named one by
 * one in SOURCE_COLUMNS order (the unit tests prove the order): a property read by a computed
 * name made this twice as slow (docs/performance.md "Rows read as their encoding").
 */
export function rowFingerprint(row: SourceRow): number {
  encoder.column(row.id);
  encoder.column(canonicalValue('time-or-date', row.created));
  encoder.column(canonicalValue('time', row.modified));
  encoder.column(row.remark);
  encoder.column(row.num_approval);
  encoder.column(row.card_company);
  encoder.column(row.card_category);
  encoder.column(row.card_number);
  encoder.column(canonicalValue('amount', row.amount_sale));
  encoder.column(canonicalValue('amount', row.amount_fee));
  encoder.column(canonicalValue('amount', row.amount_deposit));
  encoder.column(row.is_canceled);
  encoder.column(canonicalValue('time', row.sold_at));
  encoder.column(canonicalValue('time-or-date', row.will_deposited_at));
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

/**
 * The canonical encoding of a row as a MySQL expression over its columns (optionally of a table
 * alias), each column's value written as its ValueForm says (columns.ts): CONVERT(… USING utf8mb4)
 * makes text in another charset UTF-8, as Buffer.byteLength measures it; a
 * column stored as UTF-8 or ASCII is used as it is — the same bytes, and CONVERT, evaluated twice
 * a column, is costly for MariaDB (docs/performance.md "Rows read as their encoding") —; DECIMAL amounts,
 * fractional seconds and DATEs are written canonically (16800.00 as 16800).
 */
export function rowEncodingSql(alias: string | undefined, forms: ReadonlyMap<string, ValueForm>): string {
  const parts = SOURCE_COLUMNS.map((name) => {
    // A column without a form (one the table lacks) is converted: the statement fails naming it.
    const text = valueSql(forms.get(name) ?? 'convert', `${alias ? `${alias}.` : ''}\`${name}\``);
    return `IFNULL(CONCAT(OCTET_LENGTH(${text}), ':', ${text}), 'N')`;
  });
  return `CONCAT(${parts.join(', ')})`;
}

/** The fingerprint as a MySQL expression: an UNSIGNED integer, so SUM() of it is exact DECIMAL arithmetic in MySQL. */
export function rowFingerprintSql(alias: string | undefined, forms: ReadonlyMap<string, ValueForm>): string {
  return `CAST(CONV(LEFT(MD5(${rowEncodingSql(alias, forms)}), 8), 16, 10) AS UNSIGNED)`;
}

const NUMBER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'year', 'float', 'double', 'real']);

/**
 * How each column's text becomes the value mysql2 hands over with source/mysql.ts's options:
 * integer and floating-point types as numbers; everything else as text — BIGINT and DECIMAL
 * (bigNumberStrings), date-times (dateStrings), and also binary strings and MySQL's JSON type,
 * which mysql2 would make a Buffer or a parsed object and the sales document takes as text.
 * The text of a TEXT_AS_READ column stays its bytes (a Utf8Text). In SOURCE_COLUMNS order; a
 * column information_schema does not describe is text.
 */
export function columnKinds(columns: ReadonlyMap<string, Pick<ColumnInfo, 'type'>>): ColumnKind[] {
  return SOURCE_COLUMNS.map((c) =>
    NUMBER_TYPES.has(columns.get(c)?.type.toLowerCase() ?? '') ? 'number' : TEXT_AS_READ.has(c) ? 'bytes' : 'text',
  );
}
