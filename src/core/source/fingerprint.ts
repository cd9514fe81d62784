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
 * MD5 is the fingerprint (fingerprintOf) and `decodeSourceRow` reads the row back out of them.
 * MySQL writes it faster than the CLI could decode and re-encode the columns
 * (docs/performance.md "Rows read as their encoding").
 */
import { isUtf8 } from 'node:buffer';
import { hash } from 'node:crypto';
import { JsonBytes, decimalDigits } from '../es/jsonBytes';
import { canonicalValue, valueSql, type ColumnInfo, type ValueForm } from './columns';
import { SOURCE_COLUMNS, TEXT_AS_READ, type SourceRow } from './row';
import { Utf8Text } from './utf8Text';

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
 * Texts up to this long are encoded by the loop below; longer ones by Node's encoder, a native call then paying off.
 */
const SHORT_TEXT = 64;

/** Appends one column's encodeValue bytes to `scratch`. */
function encodeColumn(value: unknown): void {
  if (value === null || value === undefined) {
    scratch.ascii('N');
    return;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
    // An INT: its text is its digits, one byte each.
    scratch.number(decimalDigits(value));
    scratch.ascii(':');
    scratch.number(value);
    return;
  }
  if (value instanceof Utf8Text) {
    scratch.ensure(value.byteLength + 24);
    scratch.number(value.byteLength);
    scratch.ascii(':');
    scratch.length += value.bytes.copy(scratch.buffer, scratch.length, value.start, value.end);
    return;
  }
  const text = typeof value === 'string' ? value : String(value);
  // Room for the length's digits, ':' and the text's bytes (at most 3 a UTF-16 unit): nothing below grows the
  // buffer, which would copy only what lies before scratch.length.
  scratch.ensure(text.length * 3 + 24);
  // The text goes after room for its length's digits as if it were ASCII, and moves when its
  // UTF-8 length has more digits: one pass over it, not a byte count and then a copy.
  const at = scratch.length;
  const guess = decimalDigits(text.length);
  const from = at + guess + 1;
  const buf = scratch.buffer;
  let bytes = text.length <= SHORT_TEXT ? scratch.utf8At(from, text) : -1;
  if (bytes < 0) bytes = buf.write(text, from);
  const digits = decimalDigits(bytes);
  if (digits !== guess) buf.copyWithin(at + digits + 1, from, from + bytes);
  scratch.number(bytes);
  scratch.ascii(':');
  scratch.length += bytes;
}

/**
 * The fingerprint of a raw source row: an unsigned 32-bit integer. Ingest computes one per
 * row, so the encoding (the bytes of every column's encodeValue, joined) is written into one
 * reused buffer rather than built as a string; the columns are named one by one in
 * SOURCE_COLUMNS order (the unit tests prove the order); the digest is read as binary (latin1)
 * text, four characters for 32 bits. Each choice is measured in docs/performance.md "Rows read
 * as their encoding".
 */
export function rowFingerprint(row: SourceRow): number {
  scratch.length = 0;
  encodeColumn(row.id);
  encodeColumn(canonicalValue('time-or-date', row.created));
  encodeColumn(canonicalValue('time', row.modified));
  encodeColumn(row.remark);
  encodeColumn(row.num_approval);
  encodeColumn(row.card_company);
  encodeColumn(row.card_category);
  encodeColumn(row.card_number);
  encodeColumn(canonicalValue('amount', row.amount_sale));
  encodeColumn(canonicalValue('amount', row.amount_fee));
  encodeColumn(canonicalValue('amount', row.amount_deposit));
  encodeColumn(row.is_canceled);
  encodeColumn(canonicalValue('time', row.sold_at));
  encodeColumn(canonicalValue('time-or-date', row.will_deposited_at));
  encodeColumn(row.raw_data);
  encodeColumn(row.platform);
  encodeColumn(row.daily_sale_id);
  encodeColumn(row.store_id);
  encodeColumn(row.extra_payment_id);
  encodeColumn(row.result_code);
  encodeColumn(row.result_msg);
  encodeColumn(row.detail_status);
  encodeColumn(row.processing_status);
  return fingerprintOf(scratch.buffer.subarray(0, scratch.length));
}

/** The fingerprint of a row's canonical encoding: the first 32 bits of its MD5, unsigned. */
export function fingerprintOf(encoding: Uint8Array): number {
  const d = hash('md5', encoding, 'binary');
  return ((d.charCodeAt(0) << 24) | (d.charCodeAt(1) << 16) | (d.charCodeAt(2) << 8) | d.charCodeAt(3)) >>> 0;
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

/**
 * How a column's text becomes the value mysql2 hands over with source/mysql.ts's options:
 * integer and floating-point types as numbers; everything else as text — BIGINT and DECIMAL
 * (bigNumberStrings), date-times (dateStrings), and also binary strings and MySQL's JSON type,
 * which mysql2 would make a Buffer or a parsed object and the sales document takes as text.
 * The text of a TEXT_AS_READ column stays its bytes (`bytes`: a Utf8Text).
 */
export type ColumnKind = 'number' | 'text' | 'bytes';

const NUMBER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'year', 'float', 'double', 'real']);

/** The kind of each source column, in SOURCE_COLUMNS order (a column information_schema does not describe: text). */
export function columnKinds(columns: ReadonlyMap<string, Pick<ColumnInfo, 'type'>>): ColumnKind[] {
  return SOURCE_COLUMNS.map((c) =>
    NUMBER_TYPES.has(columns.get(c)?.type.toLowerCase() ?? '') ? 'number' : TEXT_AS_READ.has(c) ? 'bytes' : 'text',
  );
}

/** The column values of the row being decoded, in SOURCE_COLUMNS order (sourceRowOf copies them out). */
const decoded: unknown[] = new Array(SOURCE_COLUMNS.length);

/**
 * A row read back out of its canonical encoding (rowEncodingSql's bytes), each column as mysql2
 * would have handed it over (`kinds`); null when the bytes are not such an encoding. A `bytes`
 * column is a Utf8Text over `encoding` — when the row is valid UTF-8, as MySQL sends text in the
 * connection's utf8mb4; otherwise, as for any text, the string mysql2 would have decoded.
 */
export function decodeSourceRow(encoding: Buffer, kinds: readonly ColumnKind[]): unknown[] | null {
  const end = encoding.length;
  const valid = isUtf8(encoding);
  let at = 0;
  for (let k = 0; k < kinds.length; k++) {
    if (at >= end) return null;
    let c = encoding[at]!;
    if (c === 0x4e) {
      // N: NULL
      decoded[k] = null;
      at++;
      continue;
    }
    let length = 0;
    while (c !== 0x3a) {
      if (c < 0x30 || c > 0x39 || at >= end) return null;
      length = length * 10 + (c - 0x30);
      c = encoding[++at]!;
    }
    const from = at + 1;
    at = from + length;
    if (at > end) return null;
    const kind = kinds[k];
    decoded[k] =
      kind === 'number'
        ? numberAt(encoding, from, at)
        : kind === 'bytes' && valid
          ? new Utf8Text(encoding, from, at)
          : textAt(encoding, from, at);
  }
  return at === end ? decoded : null;
}

/** An integer's digits as a number without a string; anything else (a float, an exponent) through Number(). */
function numberAt(b: Buffer, from: number, to: number): number {
  let i = from;
  const negative = b[i] === 0x2d;
  if (negative) i++;
  let n = 0;
  for (; i < to; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 9 || n > 9e14) return Number(b.latin1Slice(from, to));
    n = n * 10 + d;
  }
  if (to === (negative ? from + 1 : from)) return Number(b.latin1Slice(from, to));
  return negative ? -n : n;
}

/**
 * UTF-8 bytes as a string. Short ASCII texts (most columns: codes, statuses, numbers as text)
 * are made from their bytes here; a native slice costs about 50 ns a call, mostly the call.
 */
function textAt(b: Buffer, from: number, to: number): string {
  switch (to - from) {
    case 0:
      return '';
    case 1:
      if (b[from]! < 0x80) return String.fromCharCode(b[from]!);
      break;
    case 2:
      if ((b[from]! | b[from + 1]!) < 0x80) return String.fromCharCode(b[from]!, b[from + 1]!);
      break;
    case 3:
      if ((b[from]! | b[from + 1]! | b[from + 2]!) < 0x80)
        return String.fromCharCode(b[from]!, b[from + 1]!, b[from + 2]!);
      break;
    case 4:
      if ((b[from]! | b[from + 1]! | b[from + 2]! | b[from + 3]!) < 0x80)
        return String.fromCharCode(b[from]!, b[from + 1]!, b[from + 2]!, b[from + 3]!);
      break;
  }
  return b.utf8Slice(from, to);
}
