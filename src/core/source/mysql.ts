/** The one place a MySQL pool is made. DATETIMEs stay strings so the host's zone never leaks in. */
import mysql, { type Pool, type PoolOptions } from 'mysql2/promise';
import type { Config } from '../config/config';
import { UsageError } from '../errors';

export function mysqlPoolOptions(
  config: Pick<Config, 'mysqlUrl' | 'mysqlPassword'>,
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
    connectTimeout: 10_000,
    ...extra,
  };
}

export function createMysqlPool(
  config: Pick<Config, 'mysqlUrl' | 'mysqlPassword'>,
  extra: Partial<PoolOptions> = {},
): Pool {
  return mysql.createPool(mysqlPoolOptions(config, extra));
}
