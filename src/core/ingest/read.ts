/**
 * Stage 2, read: `platform_sales` one bounded page at a time — never OFFSET — so memory does not
 * grow with the table: a page holds at most --batch-size rows and about MAX_PAGE_BYTES of encoded
 * rows, whichever comes first. A page is its rows' encodings (source/query.ts), made SourceRows one
 * at a time as they are judged. A full run reads the whole table once in primary-key order; the
 * other runs read a window of `modified` with a keyset cursor on (modified, id).
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
import type { GoneRow, IngestPlan, ReadWindow } from './plan';

/** The earliest DATETIME that is a real date; zero dates ('0000-00-00') sort below it. */
const FIRST_REAL_DATETIME = '1000-01-01 00:00:00';

export interface KeysetPosition {
  modified: string;
  id: string;
}

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
  const last = page.key(page.length - 1);
  return { modified: String(last.modified), id: last.id };
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
 * A full run's pages: every row of the table in primary-key order, undated ones included, up to
 * the window's `untilModified`. The clustered index read in order, with no secondary index to
 * walk and no row looked up from it: a third less CPU for MariaDB (docs/performance.md "A full
 * read in primary-key order"). Each page says
 * through which id it read; where that puts the checkpoint, which is in (modified, id) order,
 * `coveredPosition` finds.
 */
export async function* readTableInIdOrder(
  pool: Pool,
  source: SourceTable,
  window: ReadWindow,
  pageSize: number,
): AsyncGenerator<SourcePage> {
  for await (const { rows, throughId } of pagesInIdOrder(
    pool,
    source,
    '(modified <= ? OR modified IS NULL)',
    [window.untilModified],
    pageSize,
  )) {
    yield { rows, reached: { throughId } };
  }
}

/**
 * Where a full run's checkpoint may stand once every row of the window with an id up to
 * `throughId` is written: on the last row, in (modified, id) order, before the first row of the
 * window with a greater id (or on the window's last row when there is none). Searched from `from`,
 * where it stood before in this run, so each call walks only the index entries the checkpoint
 * moves over. Null when no row is covered yet. Rows whose `modified` comes late to MySQL are
 * caught by the next run's overlap, as for the keyset cursor.
 */
export async function coveredPosition(
  pool: Pool,
  table: string,
  window: ReadWindow,
  throughId: string,
  from: KeysetPosition | null,
): Promise<KeysetPosition | null> {
  const [keyset, start] = from ? afterPosition(from) : ['modified >= ?', [FIRST_REAL_DATETIME]];
  const positions = (sql: string, params: unknown[]) =>
    sourceQuery<KeysetPosition[]>(pool, table, `SELECT modified, id FROM \`${table}\` WHERE ${sql} LIMIT 1`, params);
  const [unread] = await positions(`${keyset} AND modified <= ? AND id > ? ORDER BY modified, id`, [
    ...start,
    window.untilModified,
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
        window.untilModified,
      ]);
  return covered ? { modified: String(covered.modified), id: String(covered.id) } : null;
}

/** Yields pages of rows in (modified, id) order inside the window. */
export async function* readChangedRows(
  pool: Pool,
  source: SourceTable,
  window: ReadWindow,
  pageSize: number,
): AsyncGenerator<SourcePage & { rows: EncodedRows }> {
  let position: KeysetPosition | undefined;
  let limit = Math.min(pageSize, FIRST_PAGE_ROWS);
  for (;;) {
    const [from, fromParams] = position
      ? afterPosition(position)
      : ['modified >= ?', [window.fromModified ?? FIRST_REAL_DATETIME]];
    const rows = await sourceRows(
      pool,
      source,
      `WHERE ${from} AND modified <= ? ORDER BY modified, id LIMIT ?`,
      [...fromParams, window.untilModified, limit],
      MAX_PAGE_BYTES,
    );
    if (rows.length === 0) return;
    position = positionAfter(rows);
    yield { rows, reached: { position } };
    if (rows.length < limit && !rows.cut) return;
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

/**
 * Rows whose `modified` lies after now — the application's clock ahead of ours — which the
 * window, ending at now − lag, would not reach until our clock does. They are read on every run
 * (the index on modified makes it cheap; a row already copied as it is writes nothing) and never
 * move the checkpoint: it stays before them, so the rows modified after it still arrive.
 */
export async function* readFutureRows(
  pool: Pool,
  source: SourceTable,
  after: string,
  pageSize: number,
): AsyncGenerator<SourcePage> {
  for await (const { rows } of pagesInIdOrder(pool, source, 'modified > ?', [after], pageSize))
    yield { rows, future: true };
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
 * A page for the stages downstream, and how far the read has got once it is written: past its
 * last row (the cursor's pages), or through an id (the full run's). Undated and given rows never
 * move the checkpoint.
 */
export interface SourcePage {
  rows: RowPage;
  reached?: Reached;
  /** Rows modified after now (readFutureRows). */
  future?: true;
  /** Ids a repair names that MySQL no longer has. */
  gone?: readonly GoneRow[];
}

export type Reached = { position: KeysetPosition } | { throughId: string };

/**
 * The pages a plan reads: the given rows (repair); the whole table in id order (full); or the
 * undated rows (they never reach the cursor, and go to the dead letter on every run) followed by
 * the window; then the rows modified after now. The next page is read while the current one is
 * judged and written.
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
  if (plan.mode === 'full') yield* readAhead(readTableInIdOrder(pool, source, plan.window, pageSize), 1);
  else {
    yield* readUndatedRows(pool, source, pageSize);
    yield* readAhead(readChangedRows(pool, source, plan.window, pageSize), 1);
  }
  if (plan.window.futureAfter) yield* readFutureRows(pool, source, plan.window.futureAfter, pageSize);
}
