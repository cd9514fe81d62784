/**
 * Shared helpers for integration tests against the real stack (scripts/test.sh brings it up
 * and exports ES_URL / MYSQL_URL / ES7_URL / ES9_URL). Each test file works on its own index prefix and
 * its own MySQL database, so files can run in any order and in parallel.
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import mysql, { type Connection, type Pool } from 'mysql2/promise';
import { main } from '../../src/cli';
import { SOURCE_COLUMNS, type SourceRow } from '../../src/core/source/row';

export const ES_URL = process.env.ES_URL ?? 'http://127.0.0.1:9200';
export const ES7_URL = process.env.ES7_URL ?? 'http://127.0.0.1:9201';
export const ES9_URL = process.env.ES9_URL ?? 'http://127.0.0.1:9202';
export const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/earlypay';

export function uniqueName(kind: string): string {
  return `it-${kind}-${randomBytes(4).toString('hex')}`;
}

export class Capture {
  text = '';
  constructor(readonly isTTY = false) {}
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json<T = Record<string, unknown>>(): T;
}

/** Runs the CLI in-process with captured streams, as a user would type it; `now` fixes the business clock. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}, now?: () => Date): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(['node', 'earlypay', ...args], { stdout, stderr, env: { ...env }, now });
  return {
    code,
    stdout: stdout.text,
    stderr: stderr.text,
    json<T>() {
      const lines = stdout.text.trim().split('\n');
      return JSON.parse(lines[lines.length - 1]!) as T;
    },
  };
}

/** A prefix + database for one test file, and the env that points the CLI at them. */
export class TestWorld {
  readonly prefix: string;
  readonly database: string;
  readonly es: Client;
  private admin?: Connection;
  pool!: Pool;

  constructor(kind: string, readonly esUrl = ES_URL) {
    this.prefix = uniqueName(kind);
    this.database = this.prefix.replace(/-/g, '_');
    // one URL or a comma-separated list of a cluster's nodes, as ES_URL takes them
    this.es = new Client({ nodes: esUrl.split(',') });
  }

  get mysqlUrl(): string {
    const u = new URL(MYSQL_URL);
    u.pathname = `/${this.database}`;
    return u.toString();
  }

  /** CLI args that point at this world. */
  get args(): string[] {
    return ['--es-url', this.esUrl, '--mysql-url', this.mysqlUrl, '--index-prefix', this.prefix];
  }

  async start(): Promise<this> {
    const u = new URL(MYSQL_URL);
    this.admin = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username) || 'root', password: decodeURIComponent(u.password) || undefined });
    await this.admin.query(`CREATE DATABASE \`${this.database}\` CHARACTER SET utf8mb4`);
    this.pool = mysql.createPool({ uri: this.mysqlUrl, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, connectionLimit: 2, multipleStatements: false });
    return this;
  }

  async stop(): Promise<void> {
    await this.pool?.end().catch(() => undefined);
    await this.admin?.query(`DROP DATABASE IF EXISTS \`${this.database}\``).catch(() => undefined);
    await this.admin?.end().catch(() => undefined);
    await this.es.indices.delete({ index: `${this.prefix}-*`, expand_wildcards: 'all' }, { ignore: [404] }).catch(() => undefined);
    await this.es.close();
  }

  /** Runs the CLI against this world. */
  cli(args: string[], env: NodeJS.ProcessEnv = {}, now?: () => Date): Promise<CliResult> {
    const [command, ...rest] = args;
    return runCli([command!, ...this.args, ...rest], env, now);
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const [rows] = await this.pool.query(sql, params);
    return rows as T[];
  }

  async insertRows(rows: Partial<SourceRow>[], table = 'platform_sales'): Promise<void> {
    if (rows.length === 0) return;
    const cols = SOURCE_COLUMNS;
    const placeholders = rows.map(() => `(${cols.map(() => '?').join(',')})`).join(',');
    const values = rows.flatMap((r) => cols.map((c) => (r[c] === undefined ? null : r[c])));
    await this.pool.query(`INSERT INTO \`${table}\` (${cols.map((c) => `\`${c}\``).join(',')}) VALUES ${placeholders}`, values);
  }

  /** Every document of an index (alias), by id; scrolled, so never capped at 10,000. */
  async allDocs<T>(alias: string): Promise<Map<string, T>> {
    await this.es.indices.refresh({ index: alias });
    const out = new Map<string, T>();
    for await (const res of this.es.helpers.scrollSearch<T>({ index: alias, size: 5000, sort: ['_doc'], query: { match_all: {} } })) {
      for (const h of res.body.hits.hits) out.set(h._id!, h._source!);
    }
    return out;
  }
}
