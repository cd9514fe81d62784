/**
 * The MySQL side of `reconcile`: per business day, the count, Σ amount_sale and Σ fingerprint
 * of accepted rows (the predicates of sales/acceptance.ts and source/fingerprint.ts), all
 * computed by MySQL; and, to drill down into a drifting day, the (id, fingerprint) of that
 * day's accepted rows only.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { sourceQuery, type SourceTable } from '../source/query';
import { acceptedRowCondition } from '../sales/acceptance';
import { rowFingerprintSql } from '../source/fingerprint';
import { mapInOrder } from '../concurrency';
import {
  addTotals,
  businessDayOfQuarter,
  businessDayOfWallClock,
  sourceWallClockBounds,
  wallClockSlices,
  type DayRange,
  type SourceDayTotals,
  type Zones,
} from './days';

/**
 * MD5 over every accepted row makes MySQL's aggregation the floor of reconcile; a range is
 * aggregated in slices, two at a time, so MySQL uses both cores (docs/performance.md
 * "Aggregations sliced by day").
 */
const AGGREGATION_SLICES = 4;
const AGGREGATION_CONCURRENCY = 2;

/** Below every real `modified`: with no checkpoint, every row counts as changed since it. */
const BEFORE_EVERYTHING = '0001-01-01 00:00:00';

function totalsOf(r: RowDataPacket): SourceDayTotals {
  // DECIMAL sums arrive as strings; exact as numbers while below 2^53 (fingerprint.ts).
  return {
    rows: Number(r.n),
    amount: Number(r.amount ?? 0),
    fingerprint: Number(r.fingerprint ?? 0),
    changed: Number(r.changed ?? 0),
  };
}

/**
 * Accepted rows per business day. `range` undefined means every day in the table.
 * `checkpointModified` (source wall clock) splits off rows the next ingest will copy anyway.
 */
export async function sourceDayTotals(
  pool: Pool,
  source: SourceTable,
  zones: Zones,
  range: DayRange | undefined,
  checkpointModified: string | null,
): Promise<Map<string, SourceDayTotals>> {
  const { name: table, forms } = source;
  const accepted = acceptedRowCondition({ forms, zones });
  const fingerprintSql = rowFingerprintSql(undefined, forms);
  // What totalsOf reads, the same for a quarter hour and for a second.
  const sums =
    `COUNT(*) AS n, SUM(amount_sale) AS amount, SUM(${fingerprintSql}) AS fingerprint, SUM(modified > ?) ` +
    `AS changed`;
  const t = `\`${table}\``;
  const aggregate = (slice: { from: string; until: string } | undefined): Promise<RowDataPacket[]> =>
    sourceQuery(
      pool,
      table,
      `SELECT DATE_FORMAT(sold_at, '%Y-%m-%d %H') AS hour, MINUTE(sold_at) DIV 15 AS quarter,
              ${sums}
         FROM ${t} WHERE ${slice ? 'sold_at >= ? AND sold_at < ? AND ' : ''}${accepted.sql} GROUP BY hour, quarter`,
      [checkpointModified ?? BEFORE_EVERYTHING, ...(slice ? [slice.from, slice.until] : []), ...accepted.params],
    );
  const slices = range ? wallClockSlices(sourceWallClockBounds(range, zones), AGGREGATION_SLICES) : [undefined];
  const rows: RowDataPacket[] = [];
  for await (const part of mapInOrder(slices, AGGREGATION_CONCURRENCY, aggregate)) rows.push(...part);
  const byDay = new Map<string, SourceDayTotals>();
  for (const r of rows) {
    const day = businessDayOfQuarter(String(r.hour), Number(r.quarter), zones);
    if (day !== null) {
      addTotals(byDay, day, totalsOf(r));
      continue;
    }
    // A day boundary inside this quarter hour: read it second by second.
    const first = `${r.hour}:${String(Number(r.quarter) * 15).padStart(2, '0')}:00`;
    const last = `${r.hour}:${String(Number(r.quarter) * 15 + 14).padStart(2, '0')}:59`;
    const seconds = await sourceQuery(
      pool,
      table,
      `SELECT sold_at, ${sums}
         FROM ${t} WHERE sold_at >= ? AND sold_at <= ? AND ${accepted.sql} GROUP BY sold_at`,
      [checkpointModified ?? BEFORE_EVERYTHING, first, last, ...accepted.params],
    );
    for (const s of seconds) {
      const d = businessDayOfWallClock(String(s.sold_at), zones);
      if (d !== null) addTotals(byDay, d, totalsOf(s));
    }
  }
  if (range) for (const day of [...byDay.keys()]) if (day < range.from || day > range.to) byDay.delete(day);
  return byDay;
}

/**
 * The accepted rows of one business day: id -> fingerprint. MySQL reads the day's sold_at
 * range (with a margin for zone offsets and DST, cut to the day here), nothing else.
 */
export async function sourceFingerprintsOfDay(
  pool: Pool,
  source: SourceTable,
  day: string,
  zones: Zones,
): Promise<Map<string, number>> {
  const { name: table, forms } = source;
  const accepted = acceptedRowCondition({ forms, zones });
  const fingerprintSql = rowFingerprintSql(undefined, forms);
  const bounds = sourceWallClockBounds({ from: day, to: day }, zones, 18);
  const rows = await sourceQuery(
    pool,
    table,
    `SELECT id, sold_at, ${fingerprintSql} AS fingerprint FROM \`${table}\` WHERE sold_at >= ? AND sold_at < ? AND ` +
      `${accepted.sql}`,
    [bounds.from, bounds.until, ...accepted.params],
  );
  const out = new Map<string, number>();
  // The id as the document's id (mapSourceRow's idString: leading zeros cannot occur in a BIGINT).
  for (const r of rows)
    if (businessDayOfWallClock(String(r.sold_at), zones) === day) out.set(String(r.id), Number(r.fingerprint));
  return out;
}
