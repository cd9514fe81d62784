/**
 * docs/contract.md §3 acceptance rules as SQL, for counting in MySQL exactly the rows `mapSourceRow`
 * accepts (`reconcile`). One condition per reject reason: the Record type makes a reason
 * added in saleDocument.ts a compile error here until it has its SQL, and the tests run each
 * condition in MariaDB against `mapSourceRow` on awkward rows.
 *
 * The conditions follow what mapSourceRow does to the values mysql2 returns, not what the
 * DDL would suggest: strings are trimmed with JavaScript's String.prototype.trim, whole
 * numbers must be safe integers, and a DATETIME must be a real calendar date from year 100 on
 * (wallClockToInstant rejects years 1–99: JavaScript dates read them as 19xx).
 */
import type { RejectReason } from '../sales/saleDocument';

/** Code-point ranges String.prototype.trim removes (ECMAScript WhiteSpace + LineTerminator). */
export const JS_TRIMMED_RANGES: readonly (readonly [number, number])[] = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];

const hex = (cp: number): string => `\\x{${cp.toString(16).toUpperCase().padStart(4, '0')}}`;
/** The trimmed characters as the inside of a PCRE character class (MariaDB's REGEXP). */
const TRIMMED_CLASS = JS_TRIMMED_RANGES.map(([a, b]) => (a === b ? hex(a) : `${hex(a)}-${hex(b)}`)).join('');

/** A value that String(v).trim() turns into /^-?\d+$/ (ids, store_id, amount_sale). */
export const WHOLE_NUMBER_PATTERN = `^[${TRIMMED_CLASS}]*-?[0-9]+[${TRIMMED_CLASS}]*$`;
/** A value with something left after String(v).trim() (card_number). */
export const NOT_BLANK_PATTERN = `[^${TRIMMED_CLASS}]`;

const MAX_SAFE_INTEGER = '9007199254740991';

export interface SqlCondition {
  sql: string;
  params: unknown[];
}

function column(name: string, alias?: string): string {
  return alias ? `${alias}.\`${name}\`` : `\`${name}\``;
}

/** A DATETIME that wallClockToInstant turns into an instant. */
function validDateTime(c: string): SqlCondition {
  return {
    sql:
      `(${c} IS NOT NULL AND YEAR(${c}) >= 100 AND MONTH(${c}) BETWEEN 1 AND 12 AND DAYOFMONTH(${c}) >= 1 AND ` +
      `DAYOFMONTH(${c}) <= DAYOFMONTH(LAST_DAY(${c})))`,
    params: [],
  };
}

function wholeNumber(c: string, safe: boolean): SqlCondition {
  return {
    sql: `(CAST(${c} AS CHAR) REGEXP ?${safe ? ` AND ${c} BETWEEN -${MAX_SAFE_INTEGER} AND ${MAX_SAFE_INTEGER}` : ''})`,
    params: [WHOLE_NUMBER_PATTERN],
  };
}

/** For each reason a row can be rejected, the SQL that is true when the row passes that check. */
export function acceptanceChecks(alias?: string): Record<RejectReason, SqlCondition> {
  const c = (name: string): string => column(name, alias);
  return {
    MISSING_ID: wholeNumber(c('id'), false),
    INVALID_SOLD_AT: validDateTime(c('sold_at')),
    INVALID_MODIFIED: validDateTime(c('modified')),
    MISSING_STORE_ID: wholeNumber(c('store_id'), false),
    INVALID_AMOUNT_SALE: wholeNumber(c('amount_sale'), true),
    MISSING_CARD_NUMBER: { sql: `(CAST(${c('card_number')} AS CHAR) REGEXP ?)`, params: [NOT_BLANK_PATTERN] },
  };
}

/** True exactly for the rows mapSourceRow accepts. */
export function acceptedRowCondition(alias?: string): SqlCondition {
  const checks = Object.values(acceptanceChecks(alias));
  return { sql: `(${checks.map((k) => k.sql).join(' AND ')})`, params: checks.flatMap((k) => k.params) };
}
