/**
 * The fingerprint of a source row: 32 bits of MD5 over a canonical encoding of every column
 * that reaches the sales document (all of SOURCE_COLUMNS), computed identically in JavaScript
 * (at ingest, from the row mysql2 returned; stored as `row_fingerprint`) and in MySQL (by
 * `reconcile`, which sums it per business day without moving rows over the network).
 *
 * Canonical encoding, column by column in SOURCE_COLUMNS order: NULL is `N`; any other value
 * is `<UTF-8 byte length>:<text>`. A length always starts with a digit, so NULL and '' (`0:`)
 * differ and no two rows encode alike. The text is what MySQL's text protocol sends, which is
 * what mysql2 hands over with `dateStrings: true` and `bigNumberStrings: true`: DATETIMEs as
 * written ('2024-05-01 13:05:00', the zero date included), BIGINTs as decimal strings, INT and
 * TINYINT as numbers whose String() is the same decimal text.
 *
 * Sums stay exact: each fingerprint is below 2^32, so a day's sum is below 2^53 — exact in
 * Elasticsearch's double `sum` aggregation — up to FINGERPRINT_EXACT_ROWS rows a day; a day
 * with more rows is compared id by id instead (reconcile.ts).
 */
import { hash } from 'node:crypto';
import { JsonBytes } from '../es/jsonBytes';
import { SOURCE_COLUMNS, type SourceRow } from './row';

/** Most rows a business day can have while Σ of 32-bit fingerprints stays below 2^53. */
export const FINGERPRINT_EXACT_ROWS = 2 ** 21 - 1;

/** The canonical encoding of one column value (see the file comment). */
export function encodeValue(value: unknown): string {
  if (value === null || value === undefined) return 'N';
  const text = String(value);
  return `${Buffer.byteLength(text, 'utf8')}:${text}`;
}

/** The encoding of the row being fingerprinted (the bulk writer's byte writer, reused). */
const scratch = new JsonBytes(Buffer.allocUnsafe(16_384));

/**
 * The fingerprint of a raw source row: an unsigned 32-bit integer. Ingest computes one per
 * row, so the encoding (the bytes of every column's encodeValue, joined) is written into one
 * reused buffer rather than built as a string — that string was the largest allocation of a
 * run that finds every row unchanged (3 kB a row of garbage). Lengths and ASCII text are
 * written byte by byte (a native call per column cost more than the loop); only text with
 * other characters goes through the UTF-8 encoder.
 */
export function rowFingerprint(row: SourceRow): number {
  scratch.length = 0;
  for (const column of SOURCE_COLUMNS) {
    const value = row[column];
    if (value === null || value === undefined) {
      scratch.ascii('N');
      continue;
    }
    const text = typeof value === 'string' ? value : String(value);
    const bytes = Buffer.byteLength(text, 'utf8');
    scratch.number(bytes);
    scratch.ascii(':');
    // As many bytes as UTF-16 units: every character is ASCII, one byte each.
    if (bytes === text.length) scratch.ascii(text);
    else scratch.text(text);
  }
  return parseInt(hash('md5', scratch.buffer.subarray(0, scratch.length), 'hex').slice(0, 8), 16);
}

/**
 * The same fingerprint as a MySQL expression over the row's columns (optionally of a table
 * alias): an UNSIGNED integer, so SUM() of it is exact DECIMAL arithmetic in MySQL.
 * CONVERT(… USING utf8mb4) makes numbers and DATETIMEs their text and keeps the byte length
 * that of UTF-8, as Buffer.byteLength measures it.
 */
export function rowFingerprintSql(alias?: string): string {
  const parts = SOURCE_COLUMNS.map((name) => {
    const text = `CONVERT(${alias ? `${alias}.` : ''}\`${name}\` USING utf8mb4)`;
    return `IFNULL(CONCAT(OCTET_LENGTH(${text}), ':', ${text}), 'N')`;
  });
  return `CAST(CONV(LEFT(MD5(CONCAT(${parts.join(', ')})), 8), 16, 10) AS UNSIGNED)`;
}
