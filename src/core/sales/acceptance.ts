/**
 * docs/contract.md §3 acceptance rules as SQL, for counting in MySQL exactly the rows `mapSourceRow`
 * accepts (`reconcile`). One condition per reject reason: the Record type makes a reason
 * added in saleDocument.ts a compile error here until it has its SQL, and the tests run each
 * condition in MariaDB against `mapSourceRow` on awkward rows.
 *
 * The conditions follow what mapSourceRow does to the values mysql2 returns, not what the
 * DDL would suggest: strings are trimmed with JavaScript's String.prototype.trim, amounts are
 * tested on their canonical text (columns.ts: a DECIMAL's zero fraction is no fraction) and must
 * lie within ±MAX_AMOUNT, a DATETIME must be a real calendar date from year 100 on
 * (wallClockToInstant rejects years 1–99: JavaScript dates read them as 19xx), and sold_at must
 * fall on a supported business day, modified on a supported date (docs/configuration.md "Limits").
 */
import { MAX_AMOUNT, MIN_AMOUNT } from '../money';
import { FIRST_BUSINESS_DAY, LAST_BUSINESS_DAY, toWallClock, wallClockToInstant } from '../time/businessDay';
import { valueSql, type ValueForm } from '../source/columns';
import { rowEncodingSql } from '../source/fingerprint';
import { SOURCE_COLUMNS } from '../source/row';
import type { RejectReason } from './saleDocument';

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

export interface SqlCondition {
  sql: string;
  params: unknown[];
}

/** What the conditions depend on besides the rows: the table's value forms (columns.ts) and the zones. */
export interface AcceptanceOptions {
  alias?: string;
  /** How each column is read (SourceTable.forms); a column not named is used as it is. */
  forms?: ReadonlyMap<string, ValueForm>;
  /** The business zone (supported days of sold_at) and the zone the DATETIMEs are written in. */
  zones: { tz: string; sourceTz: string };
}

/** A DATETIME that wallClockToInstant turns into an instant. */
function validDateTime(c: string): string {
  return (
    `(${c} IS NOT NULL AND YEAR(${c}) >= 100 AND MONTH(${c}) BETWEEN 1 AND 12 AND DAYOFMONTH(${c}) >= 1 AND ` +
    `DAYOFMONTH(${c}) <= DAYOFMONTH(LAST_DAY(${c})))`
  );
}

/** A valid DATETIME outside [from, until) (source wall clock) fails; an invalid one is INVALID_…'s to reject. */
function withinWallClock(c: string, bounds: { from: string; until: string }): SqlCondition {
  return {
    sql: `(NOT COALESCE(${validDateTime(c)}, FALSE) OR (${c} >= ? AND ${c} < ?))`,
    params: [bounds.from, bounds.until],
  };
}

/**
 * The supported days as source wall clock, [from, until): of the business zone (sold_at) or the source's own
 * (modified).
 */
function supportedWallClock(dayZone: string, sourceTz: string): { from: string; until: string } {
  const first = wallClockToInstant(`${FIRST_BUSINESS_DAY} 00:00:00`, dayZone)!;
  const last = wallClockToInstant(`${LAST_BUSINESS_DAY} 23:59:59`, dayZone)!;
  return { from: toWallClock(first, sourceTz), until: toWallClock(new Date(last.getTime() + 1_000), sourceTz) };
}

function wholeNumber(c: string): SqlCondition {
  return { sql: `(CAST(${c} AS CHAR) REGEXP ?)`, params: [WHOLE_NUMBER_PATTERN] };
}

/** An amount as mapSourceRow reads it: a whole number (its canonical text, columns.ts) within ±MAX_AMOUNT. */
function wholeAmount(v: string): SqlCondition {
  return {
    sql: `(CAST(${v} AS CHAR) REGEXP ? AND ${v} BETWEEN ${MIN_AMOUNT} AND ${MAX_AMOUNT})`,
    params: [WHOLE_NUMBER_PATTERN],
  };
}

/** An amount that may be NULL, and must otherwise be one wholeAmount accepts. */
function optionalAmount(c: string, v: string): SqlCondition {
  const whole = wholeAmount(v);
  return { sql: `(${c} IS NULL OR ${whole.sql})`, params: whole.params };
}

/** For each reason a row can be rejected, the SQL that is true when the row passes that check. */
export function acceptanceChecks(opts: AcceptanceOptions): Record<RejectReason, SqlCondition> {
  const c = (name: string): string => (opts.alias ? `${opts.alias}.\`${name}\`` : `\`${name}\``);
  const v = (name: string): string => valueSql(opts.forms?.get(name) ?? 'as-is', c(name));
  const { tz, sourceTz } = opts.zones;
  return {
    MISSING_ID: wholeNumber(c('id')),
    INVALID_SOLD_AT: { sql: validDateTime(c('sold_at')), params: [] },
    SOLD_AT_OUT_OF_RANGE: withinWallClock(c('sold_at'), supportedWallClock(tz, sourceTz)),
    INVALID_MODIFIED: { sql: validDateTime(c('modified')), params: [] },
    MODIFIED_OUT_OF_RANGE: withinWallClock(c('modified'), supportedWallClock(sourceTz, sourceTz)),
    MISSING_STORE_ID: wholeNumber(c('store_id')),
    INVALID_AMOUNT_SALE: wholeAmount(v('amount_sale')),
    INVALID_AMOUNT_FEE: optionalAmount(c('amount_fee'), v('amount_fee')),
    INVALID_AMOUNT_DEPOSIT: optionalAmount(c('amount_deposit'), v('amount_deposit')),
    MISSING_CARD_NUMBER: { sql: `(CAST(${c('card_number')} AS CHAR) REGEXP ?)`, params: [NOT_BLANK_PATTERN] },
    ROW_TOO_LARGE: fitsInPacket(opts.alias, opts.forms ?? new Map()),
  };
}

/**
 * A row MySQL can encode (and send) whole: its encoding is not NULL, as CONCAT makes it for a
 * result longer than max_allowed_packet. Asked first in a way that costs no encoding: columns
 * whose bytes, four times over (a conversion to UTF-8 at most quadruples them), are far below the
 * packet fit; OR stops there for all but rows near the limit.
 */
function fitsInPacket(alias: string | undefined, forms: ReadonlyMap<string, ValueForm>): SqlCondition {
  const c = (name: string): string => (alias ? `${alias}.\`${name}\`` : `\`${name}\``);
  const bytes = SOURCE_COLUMNS.map((name) => `IFNULL(OCTET_LENGTH(${c(name)}), 0)`).join(' + ');
  return {
    sql:
      `((${bytes}) * 4 + ${SOURCE_COLUMNS.length * 32} < @@max_allowed_packet OR ${rowEncodingSql(alias, forms)} ` +
      `IS NOT NULL)`,
    params: [],
  };
}

/** True exactly for the rows mapSourceRow accepts. */
export function acceptedRowCondition(opts: AcceptanceOptions): SqlCondition {
  const checks = Object.values(acceptanceChecks(opts));
  return { sql: `(${checks.map((k) => k.sql).join(' AND ')})`, params: checks.flatMap((k) => k.params) };
}
