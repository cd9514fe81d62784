/**
 * Stage 2, read: `platform_sales` one bounded page at a time — never OFFSET — so memory does not
 * grow with the table: a page holds at most --batch-size rows and about MAX_PAGE_BYTES of encoded
 * rows, whichever comes first. A page is its rows' encodings (source/query.ts), made SourceRows one
 * at a time as they are judged. A full run reads the whole table once in primary-key order; the
 * other runs read a window of `modified` with a keyset cursor on (modified, id). Every read goes
 * up to the present (a poll of --follow: up to now); how far each page lets the checkpoint move
 * is bounded apart, at now − --lag (plan.ts).
 */
import type { Pool } from 'mysql2/promise';
import {
  SOURCE_PAGE_BYTES,
  sourceQuery,
  sourceRows,
  type EncodedRows,
  type RowPage,
  type SourceTable,
} from '../source/query';
import type { GoneRow, IngestPlan, KeysetPosition, ReadWindow } from './plan';

/** The earliest DATETIME that is a real date; zero dates ('0000-00-00') sort below it. */
export const FIRST_REAL_DATETIME = '1000-01-01 00:00:00';

export type { KeysetPosition };

/**
 * Bytes of encoded rows a page may hold, the first page too (sourceRows stops reading there,
 * whatever the LIMIT; a single larger row makes a page of its own). A row costs several times its
 * bytes while it is judged and written (its columns, its document, the NDJSON), and the CLI's
 * heap is 256 MB (bin/earlypay): `--batch-size 100000` over rows with a few kB of raw_data ran
 * out of it.
 */
export const MAX_PAGE_BYTES = SOURCE_PAGE_BYTES;
/** The first page is read at most this large, before the size of the rows is known. */
const FIRST_PAGE_ROWS = 2_000;

/**
 * Rows the next page asks for: `requested`, or as many rows as large as the largest of this page
 * as MAX_PAGE_BYTES holds. The bound itself is sourceRows' (it stops at MAX_PAGE_BYTES): asking
 * for no more keeps MySQL from sending rows a page then has no room for.
 */
export function boundedPageRows(page: { length: number; largest(): number }, requested: number): number {
  if (page.length === 0) return requested;
  return Math.max(1, Math.min(requested, Math.floor(MAX_PAGE_BYTES / Math.max(1, page.largest()))));
}

/**
 * Where a page ends in (modified, id) order: its last row's (as MySQL wrote it, even for a row too large to encode).
 */
function positionAfter(page: EncodedRows): KeysetPosition {
  return keyOf(page, page.length - 1);
}

/**
 * How many of `page`'s rows (in (modified, id) order) were modified at or before `until`: a
 * binary search. The checkpoint may stand on the last of them once the page is written (until:
 * now − lag); the rows after now are the rest (until: now).
 */
export function rowsModifiedBy(page: { length: number; key(i: number): { modified: string | null } }, until: string) {
  let lo = 0;
  let hi = page.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (String(page.key(mid).modified) <= until) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function keyOf(page: EncodedRows, i: number): KeysetPosition {
  const key = page.key(i);
  return { modified: String(key.modified), id: key.id };
}

/** The rows after a keyset position, in (modified, id) order: the condition and its parameters. */
function afterPosition(p: KeysetPosition): [string, unknown[]] {
  return ['((modified = ? AND id > ?) OR modified > ?)', [p.modified, p.id, p.modified]];
}

/** Pages of the rows `where` keeps, in primary-key order, each with the id it read through. */
async function* pagesInIdOrder(
  pool: Pool,
  source: SourceTable,
  where: string,
  params: readonly unknown[],
  pageSize: number,
): AsyncGenerator<{ rows: EncodedRows; throughId: string }> {
  let throughId: string | undefined;
  let limit = Math.min(pageSize, FIRST_PAGE_ROWS);
  for (;;) {
    const after = throughId === undefined ? '' : 'AND id > ?';
    const rows = await sourceRows(
      pool,
      source,
      `WHERE ${where} ${after} ORDER BY id LIMIT ?`,
      throughId === undefined ? [...params, limit] : [...params, throughId, limit],
      MAX_PAGE_BYTES,
    );
    if (rows.length === 0) return;
    throughId = positionAfter(rows).id;
    yield { rows, throughId };
    if (rows.length < limit && !rows.cut) return;
    limit = boundedPageRows(rows, pageSize);
  }
}

/**
 * A full run's pages: every row of the table in primary-key order, undated ones included. The
 * clustered index read in order, with no secondary index to walk and no row looked up from it: a
 * third less CPU for MariaDB (docs/performance.md "A full read in primary-key order"). Each page says
 * through which id it read; where that puts the checkpoint, which is in (modified, id) order,
 * `coveredPosition` finds.
 */
export async function* readTableInIdOrder(
  pool: Pool,
  source: SourceTable,
  window: { futureAfter?: string },
  pageSize: number,
): AsyncGenerator<SourcePage> {
  const now = window.futureAfter;
  for await (const { rows, throughId } of pagesInIdOrder(pool, source, 'TRUE', [], pageSize)) {
    let future = 0;
    if (now)
      for (let i = 0; i < rows.length; i++) {
        const modified = rows.key(i).modified;
        if (modified !== null && modified > now) future++;
      }
    yield { rows, reached: { throughId }, future };
  }
}

/**
 * Where a full run's checkpoint may stand once every row with an id up to `throughId` is written:
 * on the last row, in (modified, id) order, before the first row with a greater id (or on the
 * last row when there is none), among the rows modified up to `bound.untilModified` (now − lag).
 * Searched from `from`, where it stood before in this run, so each call walks only the index
 * entries the checkpoint moves over. Null when no row is covered yet. Rows whose `modified` comes late to MySQL are
 * caught by the next run's overlap, as for the keyset cursor.
 */
export async function coveredPosition(
  pool: Pool,
  table: string,
  bound: { untilModified: string },
  throughId: string,
  from: KeysetPosition | null,
): Promise<KeysetPosition | null> {
  const [keyset, start] = from ? afterPosition(from) : ['modified >= ?', [FIRST_REAL_DATETIME]];
  const positions = (sql: string, params: unknown[]) =>
    sourceQuery<KeysetPosition[]>(pool, table, `SELECT modified, id FROM \`${table}\` WHERE ${sql} LIMIT 1`, params);
  const [unread] = await positions(`${keyset} AND modified <= ? AND id > ? ORDER BY modified, id`, [
    ...start,
    bound.untilModified,
    throughId,
  ]);
  const [covered] = unread
    ? await positions('modified >= ? AND ((modified = ? AND id < ?) OR modified < ?) ORDER BY modified DESC, id DESC', [
        FIRST_REAL_DATETIME,
        unread.modified,
        unread.id,
        unread.modified,
      ])
    : await positions('modified >= ? AND modified <= ? ORDER BY modified DESC, id DESC', [
        FIRST_REAL_DATETIME,
        bound.untilModified,
      ]);
  return covered ? { modified: String(covered.modified), id: String(covered.id) } : null;
}

/**
 * Yields pages of rows in (modified, id) order inside the window, each with where the checkpoint
 * may stand once it is written (at most at `checkpointUntil`) and its last row's position.
 */
export async function* readChangedRows(
  pool: Pool,
  source: SourceTable,
  window: ReadWindow,
  pageSize: number,
): AsyncGenerator<SourcePage & { rows: EncodedRows; last: KeysetPosition }> {
  let position = window.after;
  let limit = Math.min(pageSize, FIRST_PAGE_ROWS);
  let read = 0;
  const [until, untilParams] =
    window.untilModified === undefined ? ['', []] : [' AND modified <= ?', [window.untilModified]];
  for (;;) {
    const [from, fromParams] = position
      ? afterPosition(position)
      : ['modified >= ?', [window.fromModified ?? FIRST_REAL_DATETIME]];
    const rows = await sourceRows(
      pool,
      source,
      `WHERE ${from}${until} ORDER BY modified, id LIMIT ?`,
      [...fromParams, ...untilParams, limit],
      MAX_PAGE_BYTES,
    );
    if (rows.length === 0) return;
    position = positionAfter(rows);
    const covered = rowsModifiedBy(rows, window.checkpointUntil);
    const { recent } = window;
    const full = rows.length >= limit || rows.cut;
    read += rows.length;
    const more = full && window.maxRows !== undefined && read >= window.maxRows;
    yield {
      rows: recent ? rows.only((i) => !recent.known(rows.key(i))) : rows,
      reached: covered ? { position: keyOf(rows, covered - 1) } : undefined,
      last: position,
      future: window.futureAfter ? rows.length - rowsModifiedBy(rows, window.futureAfter) : 0,
      ...(more ? { more } : {}),
    };
    if (!full || more) return;
    limit = boundedPageRows(rows, pageSize);
  }
}

/**
 * Rows whose `modified` is NULL or a zero date are invisible to the cursor; they are read on
 * every run (there is an index on modified, so this is cheap) and go to the dead letter.
 */
export async function* readUndatedRows(pool: Pool, source: SourceTable, pageSize: number): AsyncGenerator<SourcePage> {
  for await (const { rows } of pagesInIdOrder(
    pool,
    source,
    '(modified IS NULL OR modified < ?)',
    [FIRST_REAL_DATETIME],
    pageSize,
  ))
    yield { rows };
}

/** How many rows the window holds (for the progress bar's ETA). */
export async function countWindow(pool: Pool, table: string, window: ReadWindow): Promise<number> {
  const [row] = await sourceQuery(pool, table, `SELECT COUNT(*) AS n FROM \`${table}\` WHERE modified >= ?`, [
    window.fromModified ?? FIRST_REAL_DATETIME,
  ]);
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
 * A page for the stages downstream, and how far the read has got once it is written: past its
 * last row (the cursor's pages), or through an id (the full run's). Undated and given rows never
 * move the checkpoint.
 */
export interface SourcePage {
  rows: RowPage;
  reached?: Reached;
  /** The keyset cursor's pages: the position of the last row (where --follow's next poll starts). */
  last?: KeysetPosition;
  /** How many of its rows were modified after now (ReadWindow.futureAfter). */
  future?: number;
  /** The read stopped at the window's maxRows: rows after `last` are still to read. */
  more?: boolean;
  /** Ids a repair names that MySQL no longer has. */
  gone?: readonly GoneRow[];
}

export type Reached = { position: KeysetPosition } | { throughId: string };

/**
 * The pages a plan reads: the given rows (repair); the whole table in id order (full); or the
 * undated rows (they never reach the cursor, and go to the dead letter on every run but a poll)
 * followed by the window. Every window but a poll's reads up to the present and past it: rows
 * modified after now (a clock ahead of ours) are read as they come, and the checkpoint stays
 * before them. The next page is read while the current one is judged and written.
 */
export async function* readPlan(
  pool: Pool,
  source: SourceTable,
  plan: IngestPlan,
  pageSize: number,
): AsyncGenerator<SourcePage> {
  if (plan.mode === 'repair') {
    yield* plan.rows;
    return;
  }
  if (plan.mode === 'full') {
    yield* readAhead(readTableInIdOrder(pool, source, plan.window, pageSize), 1);
    return;
  }
  // A poll leaves the undated rows to the next re-read: one indexed query when nothing is new.
  if (plan.mode !== 'poll') yield* readUndatedRows(pool, source, pageSize);
  yield* readAhead(readChangedRows(pool, source, plan.window, pageSize), 1);
}
