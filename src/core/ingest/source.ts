/**
 * Source stage: reads `platform_sales` with a keyset cursor on (modified, id) — never OFFSET —
 * one bounded page at a time, so memory does not grow with the table.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { RunFailedError, describeFailure } from '../errors';
import { mysqlFailureHint } from '../failures';
import { SOURCE_COLUMNS, type SourceRow } from '../source/row';

/** The earliest DATETIME that is a real date; zero dates ('0000-00-00') sort below it. */
const FIRST_REAL_DATETIME = '1000-01-01 00:00:00';

export interface KeysetPosition {
  modified: string;
  id: string;
}

export interface ReadWindow {
  /** Read rows with modified >= this (wall clock), or from the beginning when undefined. */
  fromModified?: string;
  /** Never read rows modified after this (wall clock): the `--lag` cut-off. */
  untilModified: string;
}

/**
 * Every read of the source goes through here, so a lost connection or a killed statement
 * reads as what it is ("MySQL: reading … failed") rather than as a bare driver code.
 */
export async function sourceQuery(pool: Pool, table: string, sql: string, params: unknown[]): Promise<RowDataPacket[]> {
  try {
    const [rows] = await pool.query<RowDataPacket[]>(sql, params);
    return rows;
  } catch (err) {
    throw new RunFailedError(
      `MySQL: reading ${table} failed: ${describeFailure(err)}`,
      mysqlFailureHint(err, 'ingest resumes from its checkpoint, which only covers rows already in Elasticsearch'),
    );
  }
}

function columnList(): string {
  return SOURCE_COLUMNS.map((c) => `\`${c}\``).join(', ');
}

/** Yields pages of rows in (modified, id) order inside the window. */
export async function* readChangedRows(pool: Pool, table: string, window: ReadWindow, pageSize: number): AsyncGenerator<SourceRow[]> {
  const cols = columnList();
  const t = `\`${table}\``;
  let position: KeysetPosition | undefined;
  for (;;) {
    let sql: string;
    let params: unknown[];
    if (!position) {
      sql = `SELECT ${cols} FROM ${t} WHERE modified >= ? AND modified <= ? ORDER BY modified, id LIMIT ?`;
      params = [window.fromModified ?? FIRST_REAL_DATETIME, window.untilModified, pageSize];
    } else {
      sql = `SELECT ${cols} FROM ${t} WHERE ((modified = ? AND id > ?) OR modified > ?) AND modified <= ? ORDER BY modified, id LIMIT ?`;
      params = [position.modified, position.id, position.modified, window.untilModified, pageSize];
    }
    const rows = await sourceQuery(pool, table, sql, params);
    if (rows.length === 0) return;
    const page = rows as unknown as SourceRow[];
    const last = page[page.length - 1]!;
    position = { modified: String(last.modified), id: String(last.id) };
    yield page;
    if (rows.length < pageSize) return;
  }
}

/**
 * Rows whose `modified` is NULL or a zero date are invisible to the cursor; they are read on
 * every run (there is an index on modified, so this is cheap) and go to the dead letter.
 */
export async function* readUndatedRows(pool: Pool, table: string, pageSize: number): AsyncGenerator<SourceRow[]> {
  const cols = columnList();
  let afterId: string | undefined;
  for (;;) {
    const rows = await sourceQuery(
      pool,
      table,
      `SELECT ${cols} FROM \`${table}\` WHERE (modified IS NULL OR modified < ?) ${afterId !== undefined ? 'AND id > ?' : ''} ORDER BY id LIMIT ?`,
      afterId !== undefined ? [FIRST_REAL_DATETIME, afterId, pageSize] : [FIRST_REAL_DATETIME, pageSize],
    );
    if (rows.length === 0) return;
    yield rows as unknown as SourceRow[];
    if (rows.length < pageSize) return;
    afterId = String(rows[rows.length - 1]!.id);
  }
}

/** How many rows the window holds (for the progress bar's ETA). */
export async function countWindow(pool: Pool, table: string, window: ReadWindow): Promise<number> {
  const [row] = await sourceQuery(
    pool,
    table,
    `SELECT COUNT(*) AS n FROM \`${table}\` WHERE modified >= ? AND modified <= ?`,
    [window.fromModified ?? FIRST_REAL_DATETIME, window.untilModified],
  );
  return Number(row!.n);
}

/** The raw rows of these ids, for dead-lettering documents Elasticsearch refused. */
export async function readRowsById(pool: Pool, table: string, ids: string[]): Promise<Map<string, SourceRow>> {
  const out = new Map<string, SourceRow>();
  for (let i = 0; i < ids.length; i += 1_000) {
    const chunk = ids.slice(i, i + 1_000);
    const rows = await sourceQuery(pool, table, `SELECT ${columnList()} FROM \`${table}\` WHERE id IN (?)`, [chunk]);
    for (const r of rows) out.set(String(r.id), r as unknown as SourceRow);
  }
  return out;
}

/** Prefetches up to `depth` items so reading overlaps with the stages downstream. */
export async function* readAhead<T>(source: AsyncIterable<T>, depth: number): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  const buffer: Promise<IteratorResult<T>>[] = [];
  // A prefetched read can fail while downstream is still busy: mark it handled now (the
  // consumer still gets the error when it asks), or the process dies of an unhandled rejection.
  const prefetch = (): void => {
    const next = it.next();
    next.catch(() => undefined);
    buffer.push(next);
  };
  for (let i = 0; i < depth; i++) prefetch();
  try {
    for (;;) {
      const next = await buffer.shift()!;
      if (next.done) return;
      prefetch();
      yield next.value;
    }
  } finally {
    // Let pending reads settle so their errors do not surface as unhandled rejections.
    await Promise.allSettled(buffer);
    await it.return?.(undefined);
  }
}
