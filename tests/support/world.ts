/**
 * The test world of the integration tests, against the real stack: each test file works on
 * its own index prefix and its own MySQL database, so files can run in any order and in
 * parallel. A world that needs no MySQL (the search tests' SearchWorld) simply never
 * creates its database.
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import mysql, { type Connection, type Pool } from 'mysql2/promise';
import { main } from '../../src/cli';
import { resolveConfig } from '../../src/core/config/config';
import { indexNames, type IndexNames } from '../../src/core/config/indexNames';
import type { IngestDeps } from '../../src/core/ingest/pipeline';
import { createMysqlPool } from '../../src/core/source/mysql';
import { SOURCE_COLUMNS, type SourceRow } from '../../src/core/source/row';
import { Capture } from './capture';
import { ES_URL, MYSQL_URL } from './env';

export function uniqueName(kind: string): string {
  return `it-${kind}-${randomBytes(4).toString('hex')}`;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json<T = Record<string, unknown>>(): T;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  /** Fixes the business clock. */
  now?: Date | (() => Date);
  /** Both streams claim to be a terminal (tables for a person). */
  tty?: boolean;
}

/** Runs the CLI in-process with captured streams, as a user would type it. */
export async function runCli(args: string[], { env = {}, now, tty = false }: CliOptions = {}): Promise<CliResult> {
  // 120 columns wide, whether a terminal or not: what a chart is drawn to.
  const stdout = new Capture(tty, 120);
  const stderr = new Capture(tty, 120);
  const clock = now instanceof Date ? () => now : now;
  const code = await main(['node', 'earlypay', ...args], { stdout, stderr, env: { ...env }, now: clock });
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
/** What a job run in-process needs (TestWorld.withJob): ingest's deps, without progress, as repair takes them. */
type JobDeps = Omit<IngestDeps, 'onProgress' | 'countTotal'> & { signal: AbortSignal };

export class TestWorld {
  readonly prefix: string;
  readonly database: string;
  readonly es: Client;
  private admin?: Connection;
  pool!: Pool;

  constructor(
    kind: string,
    readonly esUrl = ES_URL,
    /** The MySQL server (its URL; the world's own database is made on it). */
    private readonly mysqlServer = MYSQL_URL,
  ) {
    this.prefix = uniqueName(kind);
    this.database = this.prefix.replace(/-/g, '_');
    // one URL or a comma-separated list of a cluster's nodes, as ES_URL takes them
    this.es = new Client({ nodes: esUrl.split(',') });
  }

  /** The index aliases under this world's prefix. */
  get names(): IndexNames {
    return indexNames(this.prefix);
  }

  get mysqlUrl(): string {
    const u = new URL(this.mysqlServer);
    u.pathname = `/${this.database}`;
    return u.toString();
  }

  /** CLI args that point at this world. */
  get args(): string[] {
    return ['--es-url', this.esUrl, '--mysql-url', this.mysqlUrl, '--index-prefix', this.prefix];
  }

  async start(): Promise<this> {
    const u = new URL(this.mysqlServer);
    this.admin = await mysql.createConnection({
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username) || 'root',
      password: decodeURIComponent(u.password) || undefined,
    });
    await this.admin.query(`CREATE DATABASE \`${this.database}\` CHARACTER SET utf8mb4`);
    this.pool = mysql.createPool({
      uri: this.mysqlUrl,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      connectionLimit: 2,
      multipleStatements: false,
    });
    return this;
  }

  async stop(): Promise<void> {
    await this.pool?.end().catch(() => undefined);
    await this.admin?.query(`DROP DATABASE IF EXISTS \`${this.database}\``).catch(() => undefined);
    await this.admin?.end().catch(() => undefined);
    await this.es.indices
      .delete({ index: `${this.prefix}-*`, expand_wildcards: 'all' }, { ignore: [404] })
      .catch(() => undefined);
    await this.es.close();
  }

  /** Runs `earlypay <command...> <this world's flags> <args>`: the world's flags go before the first flag typed. */
  cli(argv: string[], opts: CliOptions = {}): Promise<CliResult> {
    const firstFlag = argv.findIndex((a) => a.startsWith('-'));
    const at = firstFlag < 0 ? argv.length : firstFlag;
    return runCli([...argv.slice(0, at), ...this.args, ...argv.slice(at)], opts);
  }

  /**
   * Runs `body` with what a job run in-process needs, made as the CLI makes it for this world (the
   * product's own MySQL pool) and a stop signal; then stops it and ends the pool.
   */
  async withJob<T>(runId: string, body: (deps: JobDeps, stop: AbortController) => Promise<T>): Promise<T> {
    const config = resolveConfig({ esUrl: this.esUrl, mysqlUrl: this.mysqlUrl, indexPrefix: this.prefix }, {});
    const stop = new AbortController();
    const deps: JobDeps = {
      es: this.es,
      pool: createMysqlPool(config),
      names: this.names,
      config,
      runId,
      now: () => new Date(),
      verbose: (_: string): void => undefined,
      signal: stop.signal,
    };
    try {
      return await body(deps, stop);
    } finally {
      stop.abort();
      await deps.pool.end();
    }
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
    await this.pool.query(
      `INSERT INTO \`${table}\` (${cols.map((c) => `\`${c}\``).join(',')}) VALUES ${placeholders}`,
      values,
    );
  }

  /** Every document of an index (alias), by id; scrolled, so never capped at 10,000. */
  async allDocs<T>(alias: string): Promise<Map<string, T>> {
    await this.es.indices.refresh({ index: alias });
    const out = new Map<string, T>();
    for await (const res of this.es.helpers.scrollSearch<T>({
      index: alias,
      size: 5000,
      sort: ['_doc'],
      query: { match_all: {} },
    })) {
      for (const h of res.body.hits.hits) out.set(h._id!, h._source!);
    }
    return out;
  }
}
