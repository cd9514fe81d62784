/**
 * How earlypay reads each column of the source table, whatever type the table gives it: the role
 * a column plays in a sale (docs/contract.md §3), which MySQL types can carry that role, and how a value of
 * such a type is written as its canonical text — the text the row's encoding (fingerprint.ts) is
 * made of, in SQL and in JavaScript alike. A representation that changes no value has one
 * canonical text: INT 16800 and DECIMAL 16800.00 are `16800`, DATETIME and DATETIME(3)
 * `…13:05:00` and `…13:05:00.000` are `…13:05:00`, a DATE is its midnight. So such a schema
 * change changes no fingerprint, and reconcile sees no drift where no value changed.
 * Pure: the types come from information_schema (query.ts), the session's zone from the server.
 */
import type { SourceRow } from './row';

/** What a column is to a sale. */
export type ColumnRole =
  /** `id`: the document id and the keyset cursor's tie-break: a whole-number type. */
  | 'key'
  /** Other ids (`store_id`, …): whole numbers, or texts checked row by row. */
  | 'id'
  /** Won: whole numbers; DECIMAL read as integers when whole (a fraction is a rejection). */
  | 'amount'
  /** `is_canceled`: 1 or not. */
  | 'flag'
  /** `sold_at`, `modified`: a wall-clock date and time. */
  | 'time'
  /** `created`, `will_deposited_at`: a wall-clock date and time, or a date (read as its midnight). */
  | 'time-or-date'
  /** Texts the document takes as they are. */
  | 'text';

export const COLUMN_ROLES: Readonly<Record<keyof SourceRow, ColumnRole>> = {
  id: 'key',
  created: 'time-or-date',
  modified: 'time',
  remark: 'text',
  num_approval: 'text',
  card_company: 'text',
  card_category: 'text',
  card_number: 'text',
  amount_sale: 'amount',
  amount_fee: 'amount',
  amount_deposit: 'amount',
  is_canceled: 'flag',
  sold_at: 'time',
  will_deposited_at: 'time-or-date',
  raw_data: 'text',
  platform: 'text',
  daily_sale_id: 'id',
  store_id: 'id',
  extra_payment_id: 'id',
  result_code: 'text',
  result_msg: 'text',
  detail_status: 'text',
  processing_status: 'text',
};

/** A column as information_schema.COLUMNS describes it. */
export interface ColumnInfo {
  /** COLUMN_NAME in lower case (MySQL's names are case-insensitive). */
  name: string;
  /** DATA_TYPE in lower case: `int`, `decimal`, `varchar`, `datetime` … */
  type: string;
  /** COLUMN_TYPE in lower case: `int(11)`, `decimal(20,2)`, `bigint(20) unsigned` … */
  columnType: string;
  charset: string | null;
  /** NUMERIC_SCALE: digits after the point of a DECIMAL (0 for integers). */
  scale: number | null;
  /** DATETIME_PRECISION: digits of the fraction of a second. */
  fsp: number | null;
}

type Family =
  | 'integer'
  | 'decimal'
  | 'float'
  | 'char'
  | 'binary'
  | 'datetime'
  | 'timestamp'
  | 'date'
  | 'time'
  | 'year'
  | 'other';

const FAMILIES: Record<string, Family> = {
  tinyint: 'integer',
  smallint: 'integer',
  mediumint: 'integer',
  int: 'integer',
  integer: 'integer',
  bigint: 'integer',
  decimal: 'decimal',
  numeric: 'decimal',
  float: 'float',
  double: 'float',
  real: 'float',
  char: 'char',
  varchar: 'char',
  tinytext: 'char',
  text: 'char',
  mediumtext: 'char',
  longtext: 'char',
  enum: 'char',
  set: 'char',
  json: 'char',
  uuid: 'char',
  inet4: 'char',
  inet6: 'char',
  binary: 'binary',
  varbinary: 'binary',
  tinyblob: 'binary',
  blob: 'binary',
  mediumblob: 'binary',
  longblob: 'binary',
  datetime: 'datetime',
  timestamp: 'timestamp',
  date: 'date',
  time: 'time',
  year: 'year',
};

function familyOf(c: ColumnInfo): Family {
  return FAMILIES[c.type] ?? 'other';
}

/**
 * How a column's value is written as its canonical text in SQL (valueSql) — and, for the forms
 * that change the text, in JavaScript (canonicalValue):
 *   as-is     the column's own text: ASCII (numbers, date-times) or UTF-8 already
 *   convert   CONVERT(… USING utf8mb4): text in another charset, binary strings, floats
 *   decimal   a DECIMAL amount: the fraction's trailing zeros and the point dropped
 *   decimal-text  an amount kept as text: the same, when the text is a plain decimal
 *   fraction  a DATETIME(n): the fraction's trailing zeros and the point dropped
 *   midnight  a DATE: the DATETIME of its midnight
 */
export type ValueForm = 'as-is' | 'convert' | 'decimal' | 'decimal-text' | 'fraction' | 'midnight';

/** Charsets whose bytes are the UTF-8 of the text (utf8mb3 is UTF-8 limited to the BMP; ASCII is a subset). */
const UTF8_CHARSETS = new Set(['utf8mb4', 'utf8mb3', 'utf8', 'ascii']);
/** Families MySQL writes in ASCII digits and punctuation, whatever the connection's charset. */
const ASCII_FAMILIES = new Set<Family>(['integer', 'decimal', 'datetime', 'timestamp', 'date', 'time', 'year']);

/**
 * Whether a column's own value already is the bytes the canonical encoding wants, so SQL may
 * use it without CONVERT(… USING utf8mb4): numbers and date-times (ASCII text) and text in a UTF-8
 * charset. Anything else — latin1, euckr, binary strings, floats — is converted.
 */
export function storedAsUtf8(c: Pick<ColumnInfo, 'type' | 'charset'>): boolean {
  if (c.charset === null) return ASCII_FAMILIES.has(FAMILIES[c.type.toLowerCase()] ?? 'other');
  return UTF8_CHARSETS.has(c.charset.toLowerCase());
}

/** The session's zone against the source zone, for TIMESTAMP columns (MySQL shows them in the session's zone). */
export interface SessionZone {
  /** The session's offset from UTC now, in minutes (MySQL: NOW() − UTC_TIMESTAMP()). */
  sessionOffsetMinutes: number;
  /** The source time zone's offset now, in minutes. */
  sourceOffsetMinutes: number;
  sourceTz: string;
}

export type ColumnReading = { readable: true; form: ValueForm } | { readable: false; why: string };

const WHOLE = new Set<Family>(['integer']);

/**
 * Whether earlypay can read a column of this type in this role, and how (its ValueForm); when it
 * cannot, why, in words an operator reads next to the column's name.
 */
export function columnReading(role: ColumnRole, c: ColumnInfo, zone?: SessionZone): ColumnReading {
  const family = familyOf(c);
  const text: ValueForm = storedAsUtf8(c) ? 'as-is' : 'convert';
  const wholeDecimal = family === 'decimal' && (c.scale ?? 0) === 0;
  const no = (why: string): ColumnReading => ({ readable: false, why });
  switch (role) {
    case 'key':
      return WHOLE.has(family) || wholeDecimal
        ? { readable: true, form: 'as-is' }
        : no(`${c.columnType} is not a whole-number type (ids order the incremental cursor and name the documents)`);
    case 'id':
      if (WHOLE.has(family) || wholeDecimal) return { readable: true, form: 'as-is' };
      if (family === 'char') return { readable: true, form: text };
      return no(`${c.columnType} cannot hold an id (a whole number, or a text of one)`);
    case 'amount':
      if (WHOLE.has(family)) return { readable: true, form: 'as-is' };
      if (family === 'decimal') return { readable: true, form: wholeDecimal ? 'as-is' : 'decimal' };
      if (family === 'char') return { readable: true, form: 'decimal-text' };
      return no(
        family === 'float'
          ? `${c.columnType} is an approximate type: amounts of won must be exact`
          : `${c.columnType} cannot hold an amount of won`,
      );
    case 'flag':
      return WHOLE.has(family) || wholeDecimal
        ? { readable: true, form: 'as-is' }
        : no(`${c.columnType} cannot hold is_canceled (a number, 1 for a canceled sale)`);
    case 'time':
    case 'time-or-date':
      if (family === 'datetime') return { readable: true, form: (c.fsp ?? 0) > 0 ? 'fraction' : 'as-is' };
      if (family === 'timestamp') {
        if (zone && zone.sessionOffsetMinutes !== zone.sourceOffsetMinutes)
          return no(
            `${c.columnType} values are shown in the MySQL session's time zone ` +
              `(UTC${offsetText(zone.sessionOffsetMinutes)}), not in the source time zone ${zone.sourceTz} ` +
              `(UTC${offsetText(zone.sourceOffsetMinutes)})`,
          );
        return { readable: true, form: (c.fsp ?? 0) > 0 ? 'fraction' : 'as-is' };
      }
      if (family === 'date' && role === 'time-or-date') return { readable: true, form: 'midnight' };
      if (family === 'date')
        return no(`${c.columnType} has no time of day (sales need it: the incremental cursor, the rules)`);
      return no(`${c.columnType} is not a date and time`);
    case 'text':
      return family === 'other' ? no(`earlypay cannot read ${c.columnType} as text`) : { readable: true, form: text };
  }
}

function offsetText(minutes: number): string {
  const abs = Math.abs(minutes);
  const hours = String(Math.floor(abs / 60)).padStart(2, '0');
  return `${minutes < 0 ? '-' : '+'}${hours}:${String(abs % 60).padStart(2, '0')}`;
}

const TRIM_FRACTION = (expr: string): string => `TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM ${expr}))`;

/** A plain decimal with a point, as MySQL's REGEXP takes it and as JavaScript tests it. */
const PLAIN_DECIMAL_SQL = '^-?[0-9]+[.][0-9]*$';
const PLAIN_DECIMAL = /^-?\d+\.\d*$/;

/** A column's canonical text as a MySQL expression (`column` is the quoted, possibly aliased name). */
export function valueSql(form: ValueForm, column: string): string {
  switch (form) {
    case 'as-is':
      return column;
    case 'convert':
      return `CONVERT(${column} USING utf8mb4)`;
    case 'decimal':
    case 'fraction':
      // A DECIMAL with a scale, a DATETIME with a fraction: every value has a point.
      return TRIM_FRACTION(column);
    case 'decimal-text':
      // Converted whatever its charset: a column of amounts as text is rare, and a plain decimal is ASCII anyway.
      return `IF(${column} REGEXP '${PLAIN_DECIMAL_SQL}', ${TRIM_FRACTION(column)}, CONVERT(${column} USING utf8mb4))`;
    case 'midnight':
      return `CAST(${column} AS DATETIME)`;
  }
}

/** A plain decimal's text without its fraction's trailing zeros (and the point when nothing is left after it). */
function trimFraction(text: string): string {
  let end = text.length;
  while (text.charCodeAt(end - 1) === 0x30) end--;
  if (text.charCodeAt(end - 1) === 0x2e) end--;
  return text.slice(0, end);
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A value as mysql2 hands it over, written in its role's canonical form: what valueSql makes of
 * it in MySQL, whatever the column's type (a DECIMAL's `16800.00` and a text's `16800.00` are
 * both `16800`; `…:00.000` is `…:00`; a DATE's `2024-05-03` is `2024-05-03 00:00:00`).
 */
export function canonicalValue(role: ColumnRole, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (role === 'amount') return PLAIN_DECIMAL.test(value) ? trimFraction(value) : value;
  if (role === 'time' || role === 'time-or-date') {
    if (value.length > 19 && value.charCodeAt(19) === 0x2e) return trimFraction(value);
    if (role === 'time-or-date' && value.length === 10 && DATE_ONLY.test(value)) return `${value} 00:00:00`;
  }
  return value;
}
