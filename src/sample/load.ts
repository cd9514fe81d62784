/**
 * Loads generated sample rows into MySQL: creates the database and the `platform_sales` table
 * when missing, then streams multi-row INSERTs over a few connections at once. Memory stays
 * bounded: at most one batch per connection is in flight.
 */
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { Config } from '../core/config/config';
import { UsageError } from '../core/errors';
import { createMysqlPool, mysqlPoolOptions } from '../core/source/mysql';
import { SOURCE_COLUMNS, type StringSourceRow } from '../core/source/row';
import { SOURCE_COLUMN_LIST } from '../core/source/query';
import { createSourceTable } from '../core/source/schema';
import {
  SampleTally,
  generateSales,
  inBatches,
  resolveSampleOptions,
  type SampleOptions,
  type SampleSale,
} from './generate';

export interface LoadSampleOptions {
  /** Default `platform_sales`. */
  table?: string;
  /** Empty the table first; otherwise the sample's ids must be free. */
  truncate?: boolean;
  /** Rows per INSERT statement (default 2,000). */
  batchSize?: number;
  /** Connections inserting in parallel (default 2). */
  concurrency?: number;
  /** Called after each batch is committed, with the running tally. */
  onProgress?: (tally: SampleTally) => void;
}

export interface LoadSampleResult {
  database: string;
  table: string;
  sample: SampleOptions;
  tally: SampleTally;
  ms: number;
}

type MysqlTarget = Pick<Config, 'mysqlUrl' | 'mysqlPassword'>;

/**
 * Modes that would refuse the sample's dirty rows (MySQL 8's NO_ZERO_DATE) or change how
 * escaped strings read (NO_BACKSLASH_ESCAPES); dropped for the loading session only.
 */
const MODES_TO_DROP = new Set(['NO_ZERO_DATE', 'NO_ZERO_IN_DATE', 'NO_BACKSLASH_ESCAPES']);

export async function loadSample(
  target: MysqlTarget,
  sample: Partial<SampleOptions> = {},
  options: LoadSampleOptions = {},
): Promise<LoadSampleResult> {
  const started = Date.now();
  const resolved = resolveSampleOptions(sample);
  const table = options.table ?? 'platform_sales';
  const batchSize = options.batchSize ?? 2_000;
  const concurrency = options.concurrency ?? 2;
  if (!/^[A-Za-z0-9_]+$/.test(table))
    throw new UsageError(`invalid table name "${table}"`, 'letters, digits and "_" only');
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new UsageError(`batch size must be a positive whole number (got ${batchSize})`);
  if (!Number.isSafeInteger(concurrency) || concurrency < 1)
    throw new UsageError(`concurrency must be a positive whole number (got ${concurrency})`);

  const database = await ensureDatabase(target);
  const pool = createMysqlPool(target, { connectionLimit: concurrency });
  const tally = new SampleTally();
  try {
    await createSourceTable(pool, table);
    if (options.truncate) await pool.query(`TRUNCATE TABLE \`${table}\``);
    else await assertIdsFree(pool, table, resolved);
    await insertAll(pool, table, inBatches(generateSales(resolved), batchSize), concurrency, (batch) => {
      for (const sale of batch) tally.add(sale);
      options.onProgress?.(tally);
    });
  } finally {
    await pool.end();
  }
  return { database, table, sample: resolved, tally, ms: Date.now() - started };
}

/** Creates the URL's database when it does not exist yet; returns its name. */
async function ensureDatabase(target: MysqlTarget): Promise<string> {
  const database = mysqlPoolOptions(target).database!;
  const server = createMysqlPool(target, { database: undefined, connectionLimit: 1 });
  try {
    await server.query(`CREATE DATABASE IF NOT EXISTS \`${database.replace(/`/g, '``')}\` CHARACTER SET utf8mb4`);
  } finally {
    await server.end();
  }
  return database;
}

async function assertIdsFree(pool: Pool, table: string, sample: SampleOptions): Promise<void> {
  const last = sample.firstId + sample.rows - 1;
  const [[row]] = await pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${table}\` WHERE id BETWEEN ? AND ?`, [
    sample.firstId,
    last,
  ]);
  const taken = Number(row!.n);
  if (taken > 0) {
    throw new UsageError(
      `table ${table} already holds ${taken} rows with ids ${sample.firstId}–${last}`,
      'pass --truncate to replace them, or --first-id to append after the existing ids',
    );
  }
}

/** Each connection takes the next batch, inserts it, and comes back for more until none is left. */
async function insertAll(
  pool: Pool,
  table: string,
  batches: Iterator<SampleSale[]>,
  concurrency: number,
  onBatch: (batch: SampleSale[]) => void,
): Promise<void> {
  const connections: PoolConnection[] = [];
  let failed = false;
  try {
    for (let i = 0; i < concurrency; i++) connections.push(await loadingSession(pool));
    await Promise.all(
      connections.map(async (conn) => {
        try {
          for (let next = batches.next(); !next.done && !failed; next = batches.next()) {
            await conn.query(insertStatement(table, next.value));
            onBatch(next.value);
          }
        } catch (err) {
          failed = true;
          throw err;
        }
      }),
    );
  } finally {
    for (const conn of connections) conn.release();
  }
}

async function loadingSession(pool: Pool): Promise<PoolConnection> {
  const conn = await pool.getConnection();
  const [[row]] = await conn.query<RowDataPacket[]>('SELECT @@SESSION.sql_mode AS mode');
  const mode = String(row!.mode ?? '')
    .split(',')
    .filter((m) => m !== '' && !MODES_TO_DROP.has(m))
    .join(',');
  await conn.query('SET SESSION sql_mode = ?', [mode]);
  return conn;
}

/** What a single-quoted MySQL string literal must escape (the session has NO_BACKSLASH_ESCAPES off). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL and ^Z are two of the characters MySQL escapes.
const SPECIAL_CHARS = /[\0\n\r\x1a'\\]/g;
const ESCAPES: Record<string, string> = {
  '\0': '\\0',
  '\n': '\\n',
  '\r': '\\r',
  '\x1a': '\\Z',
  "'": "\\'",
  '\\': '\\\\',
};

// mysql2's escape() also escapes '"', which raw_data's JSON is full of; this is the generator's hot path.
function sqlValue(value: StringSourceRow[keyof StringSourceRow]): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') return String(value);
  return `'${value.replace(SPECIAL_CHARS, (c) => ESCAPES[c]!)}'`;
}

/** One multi-row INSERT with the values inlined as literals. */
function insertStatement(table: string, batch: readonly SampleSale[]): string {
  const tuples = batch.map(({ row }) => `(${SOURCE_COLUMNS.map((c) => sqlValue(row[c])).join(',')})`);
  return `INSERT INTO \`${table}\` (${SOURCE_COLUMN_LIST}) VALUES ${tuples.join(',')}`;
}
