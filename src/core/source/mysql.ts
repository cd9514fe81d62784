/** The one place a MySQL pool is made. DATETIMEs stay strings so the host's zone never leaks in. */
import mysql, { type Pool, type PoolOptions, type QueryOptions } from 'mysql2/promise';
import { TIME_LIMITS, type Config } from '../config/config';
import { UsageError } from '../errors';

export function mysqlPoolOptions(
  config: Pick<Config, 'mysqlUrl' | 'mysqlPassword'> & Partial<Pick<Config, 'mysqlTimeoutMs'>>,
  extra: Partial<PoolOptions> = {},
): PoolOptions {
  let url: URL;
  try {
    url = new URL(config.mysqlUrl);
  } catch {
    throw new UsageError(
      'invalid MySQL URL',
      'set --mysql-url or MYSQL_URL, e.g. mysql://root@127.0.0.1:3306/earlypay',
    );
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw new UsageError('the MySQL URL names no database', 'e.g. mysql://root@127.0.0.1:3306/earlypay');
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username) || 'root',
    password: config.mysqlPassword ?? (url.password ? decodeURIComponent(url.password) : undefined),
    database,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    charset: 'utf8mb4',
    timezone: 'Z',
    connectionLimit: 4,
    connectTimeout: Math.min(10_000, config.mysqlTimeoutMs ?? 10_000),
    ...extra,
  };
}

/**
 * The product's pool: every statement sent through `query` has the configured time limit (a
 * frozen server fails the statement — mysql2 then closes its connection — instead of holding
 * the run forever; the driver has no pool-wide setting for it).
 */
const STATEMENT_TIMEOUTS = new WeakMap<Pool, number>();

/**
 * The statement time limit of a pool made here, for statements sent on one of its connections
 * directly (source/query.ts's streamed reads), which the pool's `query` does not see.
 */
export function statementTimeout(pool: Pool): number {
  return STATEMENT_TIMEOUTS.get(pool) ?? TIME_LIMITS.mysqlTimeout.default;
}

export function createMysqlPool(
  config: Pick<Config, 'mysqlUrl' | 'mysqlPassword'> & Partial<Pick<Config, 'mysqlTimeoutMs'>>,
  extra: Partial<PoolOptions> = {},
): Pool {
  const pool = mysql.createPool(mysqlPoolOptions(config, extra));
  const timeout = config.mysqlTimeoutMs ?? TIME_LIMITS.mysqlTimeout.default;
  STATEMENT_TIMEOUTS.set(pool, timeout);
  const query = pool.query.bind(pool) as (sql: QueryOptions, values?: unknown) => Promise<unknown>;
  pool.query = ((sql: string | QueryOptions, values?: unknown) =>
    query(typeof sql === 'string' ? { sql, timeout } : { timeout, ...sql }, values)) as Pool['query'];
  return pool;
}
