/**
 * Stage 2, read: `platform_sales` with a keyset cursor on (modified, id) — never OFFSET — one
 * bounded page at a time, so memory does not grow with the table: a page holds at most
 * --batch-size rows and about MAX_PAGE_TEXT characters of column text, whichever is less.
 */
import type { Pool } from 'mysql2/promise';
import { sourceQuery, sourceRows, type FingerprintedRows, type SourceTable } from '../source/query';
import { SOURCE_COLUMNS, type SourceRow } from '../source/row';
import type { IngestPlan } from './plan';

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
 * Column text a page may hold. A row costs several times its text while it is judged and
 * written (the row, its document, the NDJSON), and the CLI's heap is 256 MB (bin/earlypay):
 * `--batch-size 100000` over rows with a few kB of raw_data ran out of it.
 */
export const MAX_PAGE_TEXT = 4_000_000;
const SAMPLED_ROWS = 64;
/** The first page is read at most this large, before the size of the rows is known. */
const FIRST_PAGE_ROWS = 2_000;

/** Rows the next page may have: `requested`, or fewer when the rows read so far are large. */
export function boundedPageRows(page: readonly SourceRow[], requested: number): number {
  if (page.length === 0) return requested;
  const step = Math.max(1, Math.floor(page.length / SAMPLED_ROWS));
  let chars = 0;
  let sampled = 0;
  for (let i = 0; i < page.length; i += step, sampled++) {
    const row = page[i]!;
    for (const c of SOURCE_COLUMNS) {
      const v = row[c];
      chars += v == null ? 4 : typeof v === 'string' ? v.length + 8 : 12;
    }
  }
  return Math.max(100, Math.min(requested, Math.floor(MAX_PAGE_TEXT / (chars / sampled))));
}

/** Yields pages of rows in (modified, id) order inside the window. */
export async function* readChangedRows(pool: Pool, source: SourceTable, window: ReadWindow, pageSize: number): AsyncGenerator<FingerprintedRows> {
  let position: KeysetPosition | undefined;
  let limit = Math.min(pageSize, FIRST_PAGE_ROWS);
  for (;;) {
    let sql: string;
    let params: unknown[];
    if (!position) {
      sql = 'WHERE modified >= ? AND modified <= ? ORDER BY modified, id LIMIT ?';
      params = [window.fromModified ?? FIRST_REAL_DATETIME, window.untilModified, limit];
    } else {
      sql = 'WHERE ((modified = ? AND id > ?) OR modified > ?) AND modified <= ? ORDER BY modified, id LIMIT ?';
      params = [position.modified, position.id, position.modified, window.untilModified, limit];
    }
    const page = await sourceRows(pool, source, sql, params);
    const { rows } = page;
    if (rows.length === 0) return;
    const last = rows[rows.length - 1]!;
    position = { modified: String(last.modified), id: String(last.id) };
    yield page;
    if (rows.length < limit) return;
    limit = boundedPageRows(rows, pageSize);
  }
}

/**
 * Rows whose `modified` is NULL or a zero date are invisible to the cursor; they are read on
 * every run (there is an index on modified, so this is cheap) and go to the dead letter.
 */
export async function* readUndatedRows(pool: Pool, source: SourceTable, pageSize: number): AsyncGenerator<FingerprintedRows> {
  let afterId: string | undefined;
  let limit = Math.min(pageSize, FIRST_PAGE_ROWS);
  for (;;) {
    const page = await sourceRows(
      pool,
      source,
      `WHERE (modified IS NULL OR modified < ?) ${afterId !== undefined ? 'AND id > ?' : ''} ORDER BY id LIMIT ?`,
      afterId !== undefined ? [FIRST_REAL_DATETIME, afterId, limit] : [FIRST_REAL_DATETIME, limit],
    );
    const { rows } = page;
    if (rows.length === 0) return;
    yield page;
    if (rows.length < limit) return;
    afterId = String(rows[rows.length - 1]!.id);
    limit = boundedPageRows(rows, pageSize);
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

/**
 * A page for the stages downstream; `positioned` pages move the checkpoint (undated rows never
 * do). The rows given to a repair come without fingerprints: mapping computes them.
 */
export interface SourcePage {
  rows: SourceRow[];
  fingerprints?: readonly number[];
  positioned: boolean;
}

/**
 * The pages a plan reads: the given rows (repair), or the undated rows (they never reach the
 * cursor, and go to the dead letter on every run) followed by the window — the next page read
 * while the current one is judged and written.
 */
export async function* readPlan(pool: Pool, source: SourceTable, plan: IngestPlan, pageSize: number): AsyncGenerator<SourcePage> {
  if (plan.mode === 'repair') {
    for await (const rows of plan.rows) yield { rows, positioned: false };
    return;
  }
  for await (const page of readUndatedRows(pool, source, pageSize)) yield { ...page, positioned: false };
  for await (const page of readAhead(readChangedRows(pool, source, plan.window, pageSize), 1)) yield { ...page, positioned: true };
}
