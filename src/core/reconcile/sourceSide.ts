/**
 * The MySQL side of `reconcile`: per business day, the count and Σ amount_sale of accepted
 * rows (the predicate of source/acceptance.ts), and, for a repair, the rows of given days
 * read by `sold_at` with a keyset cursor on (sold_at, id) in bounded pages.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { sourceQuery } from '../ingest/source';
import { acceptedRowCondition } from '../source/acceptance';
import { SOURCE_COLUMNS, type SourceRow } from '../source/row';
import { addTotals, businessDayOfQuarter, businessDayOfWallClock, consecutiveRuns, sourceWallClockBounds, type DayRange, type SourceDayTotals, type Zones } from './days';

/** Below every real `modified`: with no checkpoint, every row counts as changed since it. */
const BEFORE_EVERYTHING = '0001-01-01 00:00:00';

function totalsOf(r: RowDataPacket): SourceDayTotals {
  return { rows: Number(r.n), amount: Number(r.amount ?? 0), changed: Number(r.changed ?? 0) };
}

/**
 * Accepted rows per business day. `range` undefined means every day in the table.
 * `checkpointModified` (source wall clock) splits off rows the next ingest will copy anyway.
 */
export async function sourceDayTotals(pool: Pool, table: string, zones: Zones, range: DayRange | undefined, checkpointModified: string | null): Promise<Map<string, SourceDayTotals>> {
  const accepted = acceptedRowCondition();
  const t = `\`${table}\``;
  const where: string[] = [accepted.sql];
  const params: unknown[] = [checkpointModified ?? BEFORE_EVERYTHING];
  if (range) {
    const bounds = sourceWallClockBounds(range, zones);
    where.unshift('sold_at >= ? AND sold_at < ?');
    params.push(bounds.from, bounds.until);
  }
  params.push(...accepted.params);
  const rows = await sourceQuery(
    pool,
    table,
    `SELECT DATE_FORMAT(sold_at, '%Y-%m-%d %H') AS hour, MINUTE(sold_at) DIV 15 AS quarter,
            COUNT(*) AS n, SUM(amount_sale) AS amount, SUM(modified > ?) AS changed
       FROM ${t} WHERE ${where.join(' AND ')} GROUP BY hour, quarter`,
    params,
  );
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
      `SELECT sold_at, COUNT(*) AS n, SUM(amount_sale) AS amount, SUM(modified > ?) AS changed
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
 * Every row (accepted or not) whose `sold_at` falls on one of `days`, in pages of at most
 * `pageSize` rows: a keyset cursor on (sold_at, id) over each run of consecutive days.
 */
export async function* readRowsOfDays(pool: Pool, table: string, days: readonly string[], zones: Zones, pageSize: number): AsyncGenerator<SourceRow[]> {
  const wanted = new Set(days);
  const cols = SOURCE_COLUMNS.map((c) => `\`${c}\``).join(', ');
  const t = `\`${table}\``;
  for (const run of consecutiveRuns(days)) {
    const bounds = sourceWallClockBounds(run, zones);
    let after: { soldAt: string; id: string } | undefined;
    for (;;) {
      const rows = after
        ? await sourceQuery(
            pool,
            table,
            `SELECT ${cols} FROM ${t} WHERE sold_at < ? AND (sold_at > ? OR (sold_at = ? AND id > ?)) ORDER BY sold_at, id LIMIT ?`,
            [bounds.until, after.soldAt, after.soldAt, after.id, pageSize],
          )
        : await sourceQuery(pool, table, `SELECT ${cols} FROM ${t} WHERE sold_at >= ? AND sold_at < ? ORDER BY sold_at, id LIMIT ?`, [bounds.from, bounds.until, pageSize]);
      if (rows.length === 0) break;
      const page = rows as unknown as SourceRow[];
      const last = page[page.length - 1]!;
      after = { soldAt: String(last.sold_at), id: String(last.id) };
      const onDays = page.filter((r) => {
        const day = r.sold_at == null ? null : businessDayOfWallClock(String(r.sold_at), zones);
        return day !== null && wanted.has(day);
      });
      if (onDays.length) yield onDays;
      if (rows.length < pageSize) break;
    }
  }
}
