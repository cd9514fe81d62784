/**
 * What the fault tests share: an Elasticsearch instance of their own (a test that kills a
 * server must never kill the shared 9200/9201 ones), the CLI as a real child process (a cron
 * run is a process: its stdout, stderr, exit code and pid are what the tests look at), a fast
 * deterministic data set generated inside MariaDB, and a row-by-row comparison of the sales
 * index with SQL.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import type { SaleDocument } from '../../../src/core/sales/saleDocument';
import { createSourceTable } from '../../../src/core/source/schema';
import { TestWorld } from '../../support';

export const REPO_DIR = join(__dirname, '..', '..', '..');
const SHARED_PORTS = new Set([9200, 9201, 9202, 3306]);
const STACK_DIR = process.env.STACK_DIR ?? join(REPO_DIR, '.stack');
const ES_VERSION = process.env.ES_VERSION ?? '8.19.21';

/** Runs `scripts/stack.sh <command>` with these settings; resolves with its stdout. */
function stackSh(command: string, env: NodeJS.ProcessEnv, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [join(REPO_DIR, 'scripts', 'stack.sh'), command],
      { env: { ...process.env, STACK_TIMEOUT: '300', ...env }, cwd: REPO_DIR, timeout: 400_000, maxBuffer: 4 << 20 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`stack.sh ${command} (${what}) failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/** The pid in a pid file, or undefined. */
function pidIn(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** SIGSTOP / SIGCONT a server process: frozen, it keeps its sockets open and answers nothing. */
function signalPid(pid: number | undefined, signal: 'SIGSTOP' | 'SIGCONT', what: string): void {
  if (!pid) throw new Error(`${what} is not running`);
  process.kill(pid, signal);
}

/**
 * A MariaDB of a test's own (scripts/stack.sh up-mysql with a STACK_DIR of its own), on a port
 * of the test's range: one a test may freeze or stop. Never the shared one on 3306 (every
 * engineer's tests use it).
 */
export class OwnMariaDb {
  constructor(readonly port: number) {
    if (SHARED_PORTS.has(port)) throw new Error(`port ${port} belongs to the shared stack`);
  }

  private get dir(): string {
    return join(STACK_DIR, `own-mariadb-${this.port}`);
  }

  /** The server's URL (TestWorld makes its own database on it). */
  get url(): string {
    return `mysql://root@127.0.0.1:${this.port}/earlypay`;
  }

  private stack(command: 'up-mysql' | 'down-mysql'): Promise<string> {
    return stackSh(
      command,
      { STACK_DIR: this.dir, MYSQL_PORT: String(this.port), MYSQL_BUFFER_POOL: '128M' },
      `MariaDB ${this.port}`,
    );
  }

  up(): Promise<string> {
    return this.stack('up-mysql');
  }

  /** Thawed first: a stopped server cannot shut down. */
  async down(): Promise<string> {
    const pid = pidIn(join(this.dir, 'mysql', 'mysqld.pid'));
    if (pid) process.kill(pid, 'SIGCONT');
    return this.stack('down-mysql');
  }

  freeze(): void {
    signalPid(pidIn(join(this.dir, 'mysql', 'mysqld.pid')), 'SIGSTOP', `MariaDB on ${this.port}`);
  }

  thaw(): void {
    signalPid(pidIn(join(this.dir, 'mysql', 'mysqld.pid')), 'SIGCONT', `MariaDB on ${this.port}`);
  }
}

/**
 * An Elasticsearch started by scripts/stack.sh on its own port, for one test file; with
 * `nodes` > 1 a cluster on port … port+nodes−1 (ES_NODES).
 */
export class OwnElasticsearch {
  constructor(
    readonly port: number,
    readonly settings = '',
    readonly nodes = 1,
  ) {
    for (let p = port; p < port + nodes; p++) {
      if (SHARED_PORTS.has(p))
        throw new Error(`port ${p} belongs to the shared stack; fault tests use their own instance`);
    }
  }

  /** The node URLs, comma-separated (one URL for a single node), as ES_URL takes them. */
  get url(): string {
    return Array.from({ length: this.nodes }, (_, i) => `http://127.0.0.1:${this.port + i}`).join(',');
  }

  /** SIGKILL one node of the cluster (0-based). */
  killNode(node: number): Promise<string> {
    return this.stack('kill-es', this.port + node, 1);
  }

  private stack(command: 'up-es' | 'kill-es' | 'down-es', port = this.port, nodes = this.nodes): Promise<string> {
    const env = { ES_PORT: String(port), ES_NODES: String(nodes), ES_HEAP: '512m', ES_SETTINGS: this.settings };
    return stackSh(command, env, `port ${port}`);
  }

  up(): Promise<string> {
    return this.stack('up-es');
  }

  /** SIGKILL, as a crash or the OOM killer would. */
  kill(): Promise<string> {
    return this.stack('kill-es');
  }

  /** Thawed first: a stopped node cannot shut down. */
  down(): Promise<string> {
    const pid = this.pid();
    if (pid) process.kill(pid, 'SIGCONT');
    return this.stack('down-es');
  }

  /** The single node's process, when it runs. */
  pid(): number | undefined {
    return pidIn(join(STACK_DIR, `es-${ES_VERSION}-${this.port}`, 'es.pid'));
  }

  freeze(): void {
    signalPid(this.pid(), 'SIGSTOP', `Elasticsearch on ${this.port}`);
  }

  thaw(): void {
    signalPid(this.pid(), 'SIGCONT', `Elasticsearch on ${this.port}`);
  }
}

/**
 * A world (prefix + database) with `rows` generated sales, on the shared stack or on servers of
 * the test's own (started before the file's tests, ~30 s each, and stopped after them).
 */
export function worldWithGeneratedSales(
  kind: string,
  rows: number,
  own: { es?: OwnElasticsearch; mysql?: OwnMariaDb } = {},
): TestWorld {
  const world = new TestWorld(kind, own.es?.url, own.mysql?.url);
  beforeAll(async () => {
    await Promise.all([own.es?.up(), own.mysql?.up()]);
    await world.start();
    await createSourceTable(world.pool);
    await insertGeneratedSales(world, 1, rows);
  }, 600_000);
  afterAll(async () => {
    await world.stop();
    await Promise.all([own.es?.down(), own.mysql?.down()]);
  }, 300_000);
  return world;
}

/** A world on an Elasticsearch of its own with `rows` generated sales. */
export function worldOnOwnElasticsearch(kind: string, es: OwnElasticsearch, rows: number): TestWorld {
  return worldWithGeneratedSales(kind, rows, { es });
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  json<T = Record<string, unknown>>(): T;
}

/** The newest modification time of the files under `dir` (ms). */
function newestUnder(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    newest = Math.max(newest, st.isDirectory() ? newestUnder(path) : st.mtimeMs);
  }
  return newest;
}

/** bin/earlypay, refusing a build older than the source (`npm run build` first; `npm test` does). */
function builtCli(): string {
  const built = join(REPO_DIR, 'dist', 'cli.js');
  if (!existsSync(built) || statSync(built).mtimeMs < newestUnder(join(REPO_DIR, 'src')))
    throw new Error('dist/ is older than src/: run `npm run build` before the fault tests');
  return join(REPO_DIR, 'bin', 'earlypay');
}

/**
 * Runs `earlypay <args>` as a child process — bin/earlypay, as cron runs it: the built CLI with
 * the node flags it ships with (its 256 MB heap: a failure that copied a request body ran out of
 * it) — with only the environment given (plus PATH/HOME): nothing leaks in from the test runner.
 */
export function spawnCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { pid: number; done: Promise<ProcessResult>; stdoutSoFar: () => string } {
  const child = spawn(builtCli(), args, {
    cwd: REPO_DIR,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const done = new Promise<ProcessResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        code,
        signal,
        stdout,
        stderr,
        json<T>() {
          const lines = stdout.trim().split('\n');
          return JSON.parse(lines[lines.length - 1]!) as T;
        },
      }),
    );
  });
  return { pid: child.pid!, done, stdoutSoFar: () => stdout };
}

/** A CLI process the test started, and whether it has ended. */
export interface RunningCli {
  pid: number;
  done: Promise<ProcessResult>;
  exited(): boolean;
}

/**
 * Starts `earlypay <args>` and resolves once `when` holds while it runs — the moment a test
 * strikes at; fails the test when the run ended first.
 */
export async function spawnCliUntil(
  args: string[],
  when: () => Promise<boolean>,
  env: NodeJS.ProcessEnv = {},
): Promise<RunningCli> {
  const run = spawnCli(args, env);
  let exited = false;
  void run.done.then(() => (exited = true));
  if (!(await waitFor(when, 240_000, 20, () => exited)))
    throw new Error(
      `earlypay ${args[0]} ended before the moment the test waited for: ${JSON.stringify(await run.done)}`,
    );
  return { pid: run.pid, done: run.done, exited: () => exited };
}

export function runCliProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ProcessResult> {
  return spawnCli(args, env).done;
}

/** A failure reads as one `earlypay: …` line (plus an optional `hint:`), never a stack trace. */
export function expectOneClearLine(stderr: string): void {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines.length).toBeGreaterThanOrEqual(1);
  expect(lines[0]).toMatch(/^earlypay: \S/);
  expect(lines.slice(1).every((l) => l.startsWith('hint: '))).toBe(true);
  expect(stderr).not.toMatch(/^\s+at .+\(.*:\d+:\d+\)$/m);
  expect(stderr).not.toMatch(/Error: .*\n\s+at /);
}

export const BASE_MODIFIED = '2024-05-01 00:00:00';

/**
 * Inserts `count` sales with ids start..start+count-1 in one INSERT … SELECT over MariaDB's
 * sequence engine (seconds for 100k rows). `modified` grows with the id (one second apart from
 * BASE_MODIFIED + offsetSeconds), so the keyset order is the id order; sales spread over 30
 * business days with realistic amounts, fees, cards and platforms. Every 997th row has an
 * empty card number and every 1499th a zero sold_at: both are rejected rows.
 */
export async function insertGeneratedSales(
  world: TestWorld,
  start: number,
  count: number,
  offsetSeconds = 0,
  table = 'platform_sales',
): Promise<void> {
  const CHUNK = 50_000;
  for (let from = 0; from < count; from += CHUNK) {
    const n = Math.min(CHUNK, count - from);
    const first = start + from;
    await world.query(
      `INSERT INTO \`${table}\` (id, created, modified, remark, num_approval, card_company, card_category, card_number,
         amount_sale, amount_fee, amount_deposit, is_canceled, sold_at, will_deposited_at, raw_data, platform,
         daily_sale_id, store_id, extra_payment_id, result_code, result_msg, detail_status, processing_status)
       SELECT g.id, g.m, g.m, IF(g.id % 5 = 0, '배달 지연 문의', NULL), LPAD(g.id % 100000000, 8, '0'),
         ELT(1 + g.id % 4, '신한', '국민', '삼성', '현대'),
         ELT(1 + g.id % 2, '신용', '체크'),
         IF(g.id % 997 = 0, '', CONCAT('5461-11**-****-', LPAD(g.id % 3000, 4, '0'))),
         g.amount, g.amount * 3 DIV 100, g.amount - g.amount * 3 DIV 100, g.id % 53 = 0,
         IF(g.id % 1499 = 0, '0000-00-00 00:00:00', g.s), g.s + INTERVAL 2 DAY,
         CONCAT('{"order":', g.id, ',"items":["치킨","콜라"]}'),
         ELT(1 + g.id % 4, 'BAEMIN', 'YOGIYO', 'COUPANGEATS', 'KCP'),
         g.id DIV 40, 1 + g.id % 50, NULL, '0000', '정상', 'DONE', 'SETTLED'
       FROM (SELECT seq + ? AS id,
                    TIMESTAMP(?) + INTERVAL (seq + ?) SECOND AS m,
                    TIMESTAMP('2024-04-01 09:00:00') + INTERVAL ((seq + ?) * 7919) % (30 * 86400) SECOND AS s,
                    1000 + ((seq + ?) * 7901) % 89000 AS amount
             FROM seq_0_to_${n - 1}) g`,
      [first, BASE_MODIFIED, first - start + offsetSeconds, first, first],
    );
  }
}

/** The generated rows' acceptance, in plain SQL (independent of the product's own predicate). */
export const GENERATED_ACCEPTED = `card_number <> '' AND sold_at >= '1000-01-01'`;

interface CompactSale {
  amount_sale: number;
  store_id: string;
  card_number: string;
  is_canceled: boolean;
  sold_at: string;
  modified: string;
}

/**
 * Every accepted row is in the sales index exactly once with its values, and nothing else
 * is: compared row by row (ids, amounts, store, card, cancellation, times).
 */
export async function expectSalesEqualSql(
  world: TestWorld,
  es: Client,
  salesAlias: string,
  accepted = GENERATED_ACCEPTED,
  table = 'platform_sales',
): Promise<number> {
  await es.indices.refresh({ index: salesAlias });
  const docs = new Map<string, CompactSale>();
  for await (const res of es.helpers.scrollSearch<SaleDocument>({
    index: salesAlias,
    size: 5000,
    sort: ['_doc'],
    query: { match_all: {} },
    _source: ['amount_sale', 'store_id', 'card_number', 'is_canceled', 'sold_at', 'modified'],
  })) {
    for (const h of res.body.hits.hits) {
      expect(docs.has(h._id!)).toBe(false);
      const s = h._source!;
      docs.set(h._id!, {
        amount_sale: s.amount_sale,
        store_id: s.store_id,
        card_number: s.card_number,
        is_canceled: s.is_canceled,
        sold_at: s.sold_at,
        modified: s.modified,
      });
    }
  }
  const total = (await es.count({ index: salesAlias })).count;
  expect(total).toBe(docs.size);

  let compared = 0;
  let afterId = '-1';
  const mismatches: string[] = [];
  for (;;) {
    const rows = await world.query<{
      id: string;
      amount_sale: number;
      store_id: string;
      card_number: string;
      is_canceled: number;
      sold_at: string;
      modified: string;
    }>(
      `SELECT id, amount_sale, store_id, card_number, is_canceled, sold_at, modified FROM \`${table}\` WHERE ` +
        `(${accepted}) AND id > ? ORDER BY id LIMIT 20000`,
      [afterId],
    );
    if (rows.length === 0) break;
    for (const r of rows) {
      const d = docs.get(String(r.id));
      const expected: CompactSale = {
        amount_sale: Number(r.amount_sale),
        store_id: String(r.store_id),
        card_number: String(r.card_number).trim(),
        is_canceled: Number(r.is_canceled) === 1,
        // To the second, as documents carry them (a DATETIME(3) column sends its fraction).
        sold_at: `${r.sold_at.slice(0, 19).replace(' ', 'T')}+09:00`,
        modified: `${r.modified.slice(0, 19).replace(' ', 'T')}+09:00`,
      };
      if (!d) mismatches.push(`${r.id}: missing in Elasticsearch`);
      else if (JSON.stringify(d) !== JSON.stringify(expected))
        mismatches.push(`${r.id}: ${JSON.stringify(d)} != ${JSON.stringify(expected)}`);
      docs.delete(String(r.id));
      compared++;
    }
    afterId = String(rows[rows.length - 1]!.id);
  }
  for (const id of [...docs.keys()].slice(0, 20)) mismatches.push(`${id}: in Elasticsearch but not an accepted row`);
  expect(mismatches.slice(0, 20)).toEqual([]);
  expect(docs.size).toBe(0);
  return compared;
}

/** The ids (as strings) of the rows that must be in the dead letter, and what is there. */
export async function expectRejectsDeadLettered(
  world: TestWorld,
  es: Client,
  deadletterAlias: string,
  accepted = GENERATED_ACCEPTED,
  table = 'platform_sales',
): Promise<number> {
  const rejected = await world.query<{ id: string }>(`SELECT id FROM \`${table}\` WHERE NOT (${accepted}) ORDER BY id`);
  await es.indices.refresh({ index: deadletterAlias });
  const dead = new Set<string>();
  for await (const res of es.helpers.scrollSearch<{ source_id: string }>({
    index: deadletterAlias,
    size: 5000,
    sort: ['_doc'],
    query: { match_all: {} },
    _source: ['source_id'],
  })) {
    for (const h of res.body.hits.hits) dead.add(h._source!.source_id);
  }
  expect([...dead].sort()).toEqual(rejected.map((r) => String(r.id)).sort());
  return rejected.length;
}

/**
 * Every job in its cron form (crontab.example), then the nightly repair: each must exit 0, and a
 * reconcile afterwards must find every day in sync.
 */
export async function runCronRound(world: TestWorld): Promise<void> {
  for (const job of [['ingest'], ['daily'], ['weekly'], ['reconcile', '--all', '--repair']]) {
    const r = await world.cli(job);
    expect([job.join(' '), r.code, r.stderr]).toEqual([job.join(' '), 0, expect.any(String)]);
  }
  const check = await world.cli(['reconcile', '--all', '--json']);
  expect(check.json<{ outcome: string }>().outcome).toBe('in sync');
}

/** Sales documents searchable now (the index refreshed first). */
export async function salesCount(world: TestWorld): Promise<number> {
  await world.es.indices.refresh({ index: world.names.sales });
  return (await world.es.count({ index: world.names.sales })).count;
}

export interface Checkpoint {
  modified: string;
  id: string;
}

export async function readCheckpoint(world: TestWorld, table = 'platform_sales'): Promise<Checkpoint | null> {
  const res = await world.es.get<{ value: Checkpoint }>(
    { index: `${world.prefix}-state`, id: `checkpoint:ingest:${table}` },
    { ignore: [404] },
  );
  return res.found ? res._source!.value : null;
}

/**
 * The checkpoint never runs ahead of the writes: every accepted row at or before it is in the
 * sales index. Returns how many rows it covers.
 */
export async function expectCheckpointCoversOnlyWrittenRows(
  world: TestWorld,
  accepted = GENERATED_ACCEPTED,
): Promise<number> {
  const cp = await readCheckpoint(world);
  if (!cp) return 0;
  const covered = await world.query<{ id: string }>(
    `SELECT id FROM platform_sales WHERE (${accepted}) AND (modified < ? OR (modified = ? AND id <= ?)) ORDER BY id`,
    [cp.modified, cp.modified, cp.id],
  );
  const missing: string[] = [];
  for (let i = 0; i < covered.length; i += 10_000) {
    const res = await world.es.mget({
      index: `${world.prefix}-sales`,
      ids: covered.slice(i, i + 10_000).map((r) => String(r.id)),
      _source: false,
    });
    for (const d of res.docs) if (!('found' in d) || !d.found) missing.push(d._id);
  }
  expect(missing).toEqual([]);
  return covered.length;
}

/**
 * Polls `check` every `everyMs` (a throw counts as "not yet") until it returns true, or until
 * `timeoutMs` passes or `giveUp` says so (false).
 */
export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 100,
  giveUp: () => boolean = () => false,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !giveUp()) {
    if (await check().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return false;
}
