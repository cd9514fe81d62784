/**
 * The freshness part of `npm run bench` (docs/contract.md §8): how soon a committed sale is searchable, and
 * how soon today's deletes and silent changes are undone, while ingest runs the way the crontab
 * runs it — and what that costs in CPU, idle and under load.
 *
 * For each mode, on a database and index prefix of its own:
 *   setup    today's and yesterday's sales, copied by one `ingest --full` (not measured);
 *   driver   cron simulated: a timer starting the CLI as its own process every minute —
 *            `earlypay ingest` (mode `cron`: `* * * * * earlypay ingest`) or `earlypay ingest
 *            --follow` (mode `follow`) — whatever the one before is doing (an overlap exits 75);
 *            or a service manager (mode `systemd`): `earlypay ingest --follow --for forever`
 *            started once, and again whenever it ends;
 *   idle     the driver alone for --idle seconds;
 *   load     a writer commits one row operation at a time at --rate a second for --duration
 *            seconds: inserts of sales sold now, updates and cancellations (with a new
 *            `modified`), and, on today's rows, deletes and silent changes (a new amount_sale,
 *            `modified` untouched);
 *   drain    the driver goes on, the writer stopped, until every operation is seen or --drain
 *            seconds have passed.
 * A poller asks Elasticsearch every --poll-ms which of the operations still pending it can
 * see, through search (what an operator sees, so a refresh is included): a write when its
 * document's version (its `modified`) is the committed one, a delete when the id is gone, a
 * silent change when the document's amount_sale is the new one. Latency = the poll's answer
 * minus the commit's return (an upper bound, off by at most one poll interval). CPU: seconds of
 * the CLI processes (/proc while they run, their own report at exit), Elasticsearch and MariaDB,
 * per minute of each phase; the poller's searches are part of Elasticsearch's.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import mysql from 'mysql2/promise';
import { indexNames } from '../src/core/config/indexNames';
import { createSourceTable } from '../src/core/source/schema';
import { SOURCE_COLUMNS, type StringSourceRow } from '../src/core/source/row';
import { today, toWallClock, wallClockToInstant } from '../src/core/time/businessDay';
import {
  CLI_LAUNCH,
  ES_URL,
  MYSQL_URL,
  ROOT,
  cpuSecondsOf,
  databaseUrl,
  earlypay,
  fmt,
  log,
  percentile,
  runProcess,
  servicesCpu,
} from './harness';

export type FreshnessMode = 'cron' | 'follow' | 'systemd';
export const FRESHNESS_MODES: readonly FreshnessMode[] = ['cron', 'follow', 'systemd'];

/** How each mode runs ingest: its flags, as a service or every minute, and how the report says it. */
const MODES: Record<FreshnessMode, { flags: string[]; service: boolean; shown: string }> = {
  cron: { flags: [], service: false, shown: '`* * * * * earlypay ingest`' },
  follow: { flags: ['--follow'], service: false, shown: '`* * * * * earlypay ingest --follow`' },
  systemd: {
    flags: ['--follow', '--for', 'forever'],
    service: true,
    shown: '`earlypay ingest --follow --for forever` under a service manager (restarted when it ends)',
  },
};

export interface FreshnessArgs {
  modes: FreshnessMode[];
  /** Row operations a second while loading. */
  rate: number;
  /** Seconds of load, of idle before it, and at most of drain after it. */
  durationS: number;
  idleS: number;
  drainS: number;
  pollMs: number;
  keep: boolean;
}

export const FRESHNESS_DEFAULTS: FreshnessArgs = {
  modes: [...FRESHNESS_MODES],
  rate: 50,
  durationS: 300,
  idleS: 120,
  drainS: 240,
  pollMs: 250,
  keep: false,
};

/** The writer's mix, in shares of its operations. */
const MIX = { insert: 0.7, update: 0.12, cancel: 0.06, delete: 0.06, silent: 0.06 } as const;
type OpKind = keyof typeof MIX;
const TZ = 'Asia/Seoul';
const DB = 'earlypay_bench_fresh';
const TABLE = 'platform_sales';
const SEED_ROWS_A_DAY = 2_000;
/** How long the systemd mode's service runs before its idle minute is measured. */
const SERVICE_WARM_UP_MS = 20_000;
/** A row is not touched again this soon: its versions are whole seconds. */
const REST_MS = 2_500;

export interface Latencies {
  n: number;
  p50: number;
  p95: number;
  max: number;
  /** Operations never seen by the end of the drain. */
  unseen: number;
}

interface CpuPhase {
  seconds: number;
  cli: number;
  es: number;
  mysql: number;
}

export interface ModeFigures {
  mode: FreshnessMode;
  available: boolean;
  writes: Latencies;
  byKind: Record<'insert' | 'update' | 'cancel', Latencies>;
  deletes: Latencies;
  silent: Latencies;
  idle: CpuPhase;
  load: CpuPhase;
  writer: { ops: number; seconds: number };
  runs: {
    launched: number;
    exit0: number;
    exit75: number;
    other: { code: number; stderr: string }[];
    /** The recent-days net, from the runs' --json: checks made and their wall time in all. */
    net?: { checks: number; ms: number };
  };
  drainS: number;
}

// --- the rows ---------------------------------------------------------------------------------

function random(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
}

const PLATFORMS = ['BAEMIN', 'YOGIYO', 'COUPANGEATS', 'KCP'];

function saleRow(id: number, soldAt: string, modified: string, rand: (n: number) => number): StringSourceRow {
  const amount = (10 + rand(590)) * 100;
  const fee = Math.round(amount * 0.03);
  return {
    id: String(id),
    created: modified,
    modified,
    remark: null,
    num_approval: String(10_000_000 + id),
    card_company: '신한',
    card_category: '신용',
    card_number: `5461-11**-****-${String(rand(2_000)).padStart(4, '0')}`,
    amount_sale: amount,
    amount_fee: fee,
    amount_deposit: amount - fee,
    is_canceled: 0,
    sold_at: soldAt,
    will_deposited_at: null,
    raw_data: null,
    platform: PLATFORMS[rand(PLATFORMS.length)]!,
    daily_sale_id: String(id),
    store_id: String(1 + rand(50)),
    extra_payment_id: null,
    result_code: '0000',
    result_msg: '정상승인',
    detail_status: null,
    processing_status: 'DONE',
  };
}

async function insertRows(conn: mysql.Connection, rows: StringSourceRow[]): Promise<void> {
  const cols = SOURCE_COLUMNS.map((c) => `\`${c}\``).join(',');
  const one = `(${SOURCE_COLUMNS.map(() => '?').join(',')})`;
  for (let i = 0; i < rows.length; i += 1_000) {
    const chunk = rows.slice(i, i + 1_000);
    await conn.query(
      `INSERT INTO \`${TABLE}\` (${cols}) VALUES ${chunk.map(() => one).join(',')}`,
      chunk.flatMap((r) => SOURCE_COLUMNS.map((c) => r[c])),
    );
  }
}

/**
 * Yesterday's and today's sales so far, in a fresh table: each modified 5 minutes after its
 * sale, none in the last half hour, so that a delete or a silent change of one of today's is out
 * of reach of the incremental re-read (--overlap before the checkpoint) once the writer's rows
 * have moved the checkpoint on: only a reconciliation can see it.
 */
const SEEDED_BEFORE_MS = 30 * 60_000;
async function seed(
  conn: mysql.Connection,
): Promise<{ todayIds: number[]; amounts: Map<number, number>; next: number }> {
  await conn.query(`DROP TABLE IF EXISTS \`${TABLE}\``);
  await createSourceTable(conn, TABLE);
  const now = Date.now();
  const day = today(TZ, new Date(now));
  const midnight = wallClockToInstant(`${day} 00:00:00`, TZ)!.getTime();
  const lastModified = now - SEEDED_BEFORE_MS;
  const rand = random(42);
  const rows: StringSourceRow[] = [];
  const todayIds: number[] = [];
  const amounts = new Map<number, number>();
  let id = 1;
  for (const [from, to, isToday] of [
    [midnight - 86_400_000, midnight - 1_000, false],
    [midnight, Math.max(midnight, lastModified - 5 * 60_000), true],
  ] as const) {
    for (let i = 0; i < SEED_ROWS_A_DAY; i++) {
      const sold = from + ((to - from) * i) / SEED_ROWS_A_DAY;
      const modified = toWallClock(new Date(Math.min(sold + 5 * 60_000, lastModified)), TZ);
      const row = saleRow(id, toWallClock(new Date(sold), TZ), modified, rand);
      rows.push(row);
      if (isToday) {
        todayIds.push(id);
        amounts.set(id, Number(row.amount_sale));
      }
      id++;
    }
  }
  await insertRows(conn, rows);
  return { todayIds, amounts, next: id };
}

// --- what is pending, and the poller that resolves it -----------------------------------------

interface Pending {
  kind: OpKind;
  committedAt: number;
  /** Writes: the version (modified, epoch ms) the document must reach. Silent: the new amount. */
  expect: number;
}

class Tracker {
  readonly pending = new Map<string, Pending>();
  readonly done: { kind: OpKind; ms: number }[] = [];

  add(id: number, p: Pending): void {
    this.pending.set(String(id), p);
  }

  /** One round of searches: which pending operations can be seen now. */
  async poll(es: Client, index: string): Promise<void> {
    if (this.pending.size === 0) return;
    const ids = [...this.pending.keys()];
    const seen = new Map<string, { version: number; amount: number }>();
    for (let i = 0; i < ids.length; i += 5_000) {
      const chunk = ids.slice(i, i + 5_000);
      const res = await es.search({
        index,
        size: chunk.length,
        query: { ids: { values: chunk } },
        _source: false,
        version: true,
        docvalue_fields: ['amount_sale'],
        track_total_hits: false,
      });
      for (const h of res.hits.hits)
        seen.set(h._id!, { version: h._version ?? 0, amount: Number(h.fields?.amount_sale?.[0]) });
    }
    const at = Date.now();
    // Only what was asked: an operation committed while the searches ran is not in their answer.
    for (const id of ids) {
      const p = this.pending.get(id)!;
      const doc = seen.get(id);
      const resolved =
        p.kind === 'delete'
          ? doc === undefined
          : p.kind === 'silent'
            ? doc !== undefined && doc.amount === p.expect
            : doc !== undefined && doc.version >= p.expect;
      if (resolved) {
        this.done.push({ kind: p.kind, ms: at - p.committedAt });
        this.pending.delete(id);
      }
    }
  }

  latencies(kinds: OpKind[]): Latencies {
    const ms = this.done
      .filter((d) => kinds.includes(d.kind))
      .map((d) => d.ms)
      .sort((a, b) => a - b);
    const unseen = [...this.pending.values()].filter((p) => kinds.includes(p.kind)).length;
    if (ms.length === 0) return { n: 0, p50: NaN, p95: NaN, max: NaN, unseen };
    return { n: ms.length, p50: percentile(ms, 0.5), p95: percentile(ms, 0.95), max: ms[ms.length - 1]!, unseen };
  }
}

// --- the writer ---------------------------------------------------------------------------------

/** Commits one row operation at a time at `rate` a second until `stop` says so. */
class Writer {
  private readonly rand = random(7);
  private readonly touched = new Map<number, number>();
  ops = 0;

  /** Today's rows: the seeded ones (deletes and silent changes pick among them) and the writer's. */
  private readonly todayIds: number[];

  constructor(
    private readonly conn: mysql.Connection,
    private readonly tracker: Tracker,
    private readonly seededToday: number[],
    private readonly amounts: Map<number, number>,
    private next: number,
  ) {
    this.todayIds = [...seededToday];
  }

  private pickKind(): OpKind {
    let r = this.rand(10_000) / 10_000;
    for (const [kind, share] of Object.entries(MIX) as [OpKind, number][]) {
      if (r < share) return kind;
      r -= share;
    }
    return 'insert';
  }

  /**
   * One of `ids` neither touched for REST_MS nor pending (null when none is found: the operation
   * becomes an insert).
   */
  private pick(ids: number[], now: number): number | null {
    for (let tries = 0; tries < 20 && ids.length > 0; tries++) {
      const id = ids[this.rand(ids.length)]!;
      if (now - (this.touched.get(id) ?? 0) >= REST_MS && !this.tracker.pending.has(String(id))) return id;
    }
    return null;
  }

  private async one(): Promise<void> {
    const started = Date.now();
    const modified = toWallClock(new Date(started), TZ);
    const version = wallClockToInstant(modified, TZ)!.getTime();
    let kind = this.pickKind();
    // Deletes and silent changes on seeded rows only: a recent row is re-read by every run anyway.
    const among = kind === 'delete' || kind === 'silent' ? this.seededToday : this.todayIds;
    const id = kind === 'insert' ? null : this.pick(among, started);
    if (id === null) kind = 'insert';
    let expect = version;
    if (kind === 'insert') {
      const row = saleRow(this.next, modified, modified, this.rand);
      await insertRows(this.conn, [row]);
      this.todayIds.push(this.next);
      this.amounts.set(this.next, Number(row.amount_sale));
      this.tracker.add(this.next++, { kind, committedAt: Date.now(), expect });
      return;
    }
    const target = id!;
    this.touched.set(target, started);
    if (kind === 'update') {
      await this.conn.query(`UPDATE \`${TABLE}\` SET remark = ?, modified = ? WHERE id = ?`, [
        `updated ${this.ops}`,
        modified,
        target,
      ]);
    } else if (kind === 'cancel') {
      await this.conn.query(`UPDATE \`${TABLE}\` SET is_canceled = 1, modified = ? WHERE id = ?`, [modified, target]);
    } else if (kind === 'silent') {
      expect = this.amounts.get(target)! + 100;
      await this.conn.query(`UPDATE \`${TABLE}\` SET amount_sale = ? WHERE id = ?`, [expect, target]);
      this.amounts.set(target, expect);
    } else {
      await this.conn.query(`DELETE FROM \`${TABLE}\` WHERE id = ?`, [target]);
      this.todayIds.splice(this.todayIds.indexOf(target), 1);
      this.seededToday.splice(this.seededToday.indexOf(target), 1);
    }
    this.tracker.add(target, { kind, committedAt: Date.now(), expect });
  }

  async run(rate: number, until: number): Promise<void> {
    const t0 = Date.now();
    while (Date.now() < until) {
      const due = t0 + (this.ops * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      if (Date.now() >= until) break;
      await this.one();
      this.ops++;
    }
  }
}

// --- cron, simulated, and the CPU of what it starts --------------------------------------------

class Driver {
  private timer?: NodeJS.Timeout;
  private readonly live = new Map<number, ChildProcess>();
  private exitedCpu = 0;
  private readonly runs: Promise<void>[] = [];
  readonly outcome: ModeFigures['runs'] = { launched: 0, exit0: 0, exit75: 0, other: [] };

  private stopping = false;

  /** `service`: started once and again when it ends (a service manager), not every minute. */
  constructor(
    private readonly args: string[],
    private readonly service = false,
  ) {}

  /** Starts the CLI now and every minute after (cron's `* * * * *`, phase aside), or as a service. */
  start(): void {
    const launch = (): void => {
      if (this.stopping) return;
      this.outcome.launched++;
      let pid: number | undefined;
      const run = runProcess(join(ROOT, 'bench', 'measure.js'), this.args, CLI_LAUNCH, (child) => {
        pid = child.pid;
        if (pid) this.live.set(pid, child);
      }).then((r) => {
        if (pid) this.live.delete(pid);
        this.exitedCpu += (r.cpuMs ?? 0) / 1000;
        log(
          `  cron run: exit ${r.code}, ${(r.ms / 1000).toFixed(1)} s, CLI CPU ${((r.cpuMs ?? 0) / 1000).toFixed(2)} s`,
        );
        this.countNet(r.stdout);
        if (r.code === 0) this.outcome.exit0++;
        else if (r.code === 75) this.outcome.exit75++;
        else this.outcome.other.push({ code: r.code, stderr: r.stderr.trim().split('\n').slice(-2).join(' ') });
        if (this.service) this.timer = setTimeout(launch, 100); // systemd's RestartSec default
      });
      this.runs.push(run);
    };
    launch();
    if (!this.service) this.timer = setInterval(launch, 60_000);
  }

  /** Adds the recent-days net's checks from a run's --json line (a build without it has none). */
  private countNet(stdout: string): void {
    try {
      const net = JSON.parse(stdout.trim().split('\n').pop() ?? '')?.recent_days;
      if (!net) return;
      const total = this.outcome.net ?? { checks: 0, ms: 0 };
      total.checks += Number(net.checks) || 0;
      total.ms += Number(net.ms) || 0;
      this.outcome.net = total;
    } catch {
      // not JSON: an interrupted or failed run's line
    }
  }

  /** CPU seconds of every process started so far, up to now. */
  cpuSeconds(): number {
    let live = 0;
    for (const pid of this.live.keys()) {
      const s = cpuSecondsOf(pid);
      if (Number.isFinite(s)) live += s;
    }
    return this.exitedCpu + live;
  }

  /** No more starts; running processes get SIGTERM (a clean stop, exit 143) and are waited for. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    for (const child of this.live.values()) child.kill('SIGTERM');
    await Promise.all(this.runs);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** CPU of the CLI processes, Elasticsearch and MariaDB between two moments. */
function cpuMeter(driver: Driver): () => CpuPhase {
  const started = Date.now();
  const before = { cli: driver.cpuSeconds(), ...servicesCpu() };
  return () => {
    const now = servicesCpu();
    return {
      seconds: (Date.now() - started) / 1000,
      cli: driver.cpuSeconds() - before.cli,
      es: now.es - before.es,
      mysql: now.mysql - before.mysql,
    };
  };
}

/** Whether this build's CLI has `ingest --follow`. */
export function followAvailable(): boolean {
  const help = execFileSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'ingest', '--help'], {
    encoding: 'utf8',
  });
  return /--follow\b/.test(help);
}

const NOTHING: Latencies = { n: 0, p50: NaN, p95: NaN, max: NaN, unseen: 0 };
const NO_CPU: CpuPhase = { seconds: 0, cli: NaN, es: NaN, mysql: NaN };

async function measureMode(es: Client, a: FreshnessArgs, mode: FreshnessMode): Promise<ModeFigures> {
  const prefix = `bench-fresh-${mode}`;
  const admin = await mysql.createConnection({ uri: MYSQL_URL });
  await admin.query(`CREATE DATABASE IF NOT EXISTS \`${DB}\` CHARACTER SET utf8mb4`);
  await admin.end();
  const conn = await mysql.createConnection({ uri: databaseUrl(DB), dateStrings: true });
  await es.indices.delete({ index: `${prefix}-*`, expand_wildcards: 'all' }, { ignore: [404] });
  const common = ['--es-url', ES_URL, '--mysql-url', databaseUrl(DB), '--index-prefix', prefix];
  const index = indexNames(prefix).sales;
  const tracker = new Tracker();
  const driver = new Driver(['ingest', ...MODES[mode].flags, ...common, '--json'], MODES[mode].service);
  try {
    const seeded = await seed(conn);
    log(`freshness ${mode}: ${fmt(2 * SEED_ROWS_A_DAY)} rows of yesterday and today, copied by ingest --full`);
    await earlypay(['ingest', '--full', ...common]);

    driver.start();
    // A service starts once, not every minute: its idle minute is measured once it runs.
    if (MODES[mode].service) await sleep(SERVICE_WARM_UP_MS);
    log(`freshness ${mode}: idle for ${a.idleS} s`);
    const idle = cpuMeter(driver);
    await sleep(a.idleS * 1000);
    const idleCpu = idle();

    log(`freshness ${mode}: ${a.rate} row operations a second for ${a.durationS} s`);
    const writer = new Writer(conn, tracker, seeded.todayIds, seeded.amounts, seeded.next);
    const load = cpuMeter(driver);
    const writeStarted = Date.now();
    let writing = true;
    const writes = writer.run(a.rate, writeStarted + a.durationS * 1000).finally(() => (writing = false));
    while (writing) {
      await Promise.all([tracker.poll(es, index), sleep(a.pollMs)]);
    }
    await writes;
    const loadCpu = load();
    const writerSeconds = (Date.now() - writeStarted) / 1000;

    const drainStarted = Date.now();
    log(`freshness ${mode}: ${fmt(tracker.pending.size)} operation(s) not seen yet; draining up to ${a.drainS} s`);
    while (tracker.pending.size > 0 && Date.now() - drainStarted < a.drainS * 1000) {
      await Promise.all([tracker.poll(es, index), sleep(a.pollMs)]);
    }
    const drainS = (Date.now() - drainStarted) / 1000;
    await driver.stop();

    const figures: ModeFigures = {
      mode,
      available: true,
      writes: tracker.latencies(['insert', 'update', 'cancel']),
      byKind: {
        insert: tracker.latencies(['insert']),
        update: tracker.latencies(['update']),
        cancel: tracker.latencies(['cancel']),
      },
      deletes: tracker.latencies(['delete']),
      silent: tracker.latencies(['silent']),
      idle: idleCpu,
      load: loadCpu,
      writer: { ops: writer.ops, seconds: writerSeconds },
      runs: driver.outcome,
      drainS,
    };
    log(
      `  writes p50 ${s1(figures.writes.p50)}, p95 ${s1(figures.writes.p95)}, max ${s1(figures.writes.max)} ` +
        `(${figures.writes.unseen} unseen); deletes ${s1(figures.deletes.p95)} p95 (${figures.deletes.unseen} left); ` +
        `silent ${s1(figures.silent.p95)} p95 (${figures.silent.unseen} left)`,
    );
    log(
      `  CLI CPU a minute: idle ${perMinute(idleCpu.cli, idleCpu.seconds)}, load ` +
        `${perMinute(loadCpu.cli, loadCpu.seconds)}; runs ${JSON.stringify(driver.outcome)}`,
    );
    return figures;
  } finally {
    await driver.stop();
    await conn.end();
    if (!a.keep) await es.indices.delete({ index: `${prefix}-*`, expand_wildcards: 'all' }, { ignore: [404] });
  }
}

export async function measureFreshness(es: Client, a: FreshnessArgs): Promise<ModeFigures[]> {
  const out: ModeFigures[] = [];
  for (const mode of a.modes) {
    if (mode !== 'cron' && !followAvailable()) {
      log(`freshness ${mode}: this build has no \`ingest --follow\`; not measured`);
      out.push({
        mode,
        available: false,
        writes: NOTHING,
        byKind: { insert: NOTHING, update: NOTHING, cancel: NOTHING },
        deletes: NOTHING,
        silent: NOTHING,
        idle: NO_CPU,
        load: NO_CPU,
        writer: { ops: 0, seconds: 0 },
        runs: { launched: 0, exit0: 0, exit75: 0, other: [] },
        drainS: 0,
      });
      continue;
    }
    out.push(await measureMode(es, a, mode));
  }
  return out;
}

// --- the report -----------------------------------------------------------------------------------

function s1(ms: number): string {
  return Number.isNaN(ms) ? '–' : `${(ms / 1000).toFixed(1)} s`;
}

/** CPU seconds a minute, and that as a share of one core. */
function perMinute(cpuS: number, wallS: number): string {
  if (!Number.isFinite(cpuS) || wallS <= 0) return '–';
  return `${((cpuS / wallS) * 60).toFixed(2)} s (${((cpuS / wallS) * 100).toFixed(1)} %)`;
}

function latencyCells(l: Latencies): string {
  return `${fmt(l.n)} | ${s1(l.p50)} | ${s1(l.p95)} | ${s1(l.max)} | ${fmt(l.unseen)}`;
}

export const FRESHNESS_START = '<!-- freshness: written by bench/freshness.ts -->';
export const FRESHNESS_END = '<!-- /freshness -->';

export function freshnessMarkdown(a: FreshnessArgs, figures: ModeFigures[], when: string): string {
  const ok = (cond: boolean): string => (cond ? 'met' : '**not met**');
  const of = (mode: FreshnessMode): ModeFigures | undefined => figures.find((f) => f.mode === mode && f.available);
  const measured = figures.some((f) => f.available);
  const notMeasured = (mode: FreshnessMode): string =>
    figures.some((f) => f.mode === mode)
      ? `not measured: this build has no \`ingest --follow\``
      : `not measured (--fresh-modes)`;
  const target = (mode: FreshnessMode, name: string, measured: (f: ModeFigures) => [string, boolean]): string => {
    const f = of(mode);
    if (!f) return `| ${name} | ${notMeasured(mode)} | |`;
    const [text, met] = measured(f);
    return `| ${name} | ${text} | ${ok(met)} |`;
  };
  const gone = (f: ModeFigures): [string, boolean] => {
    const worst = Math.max(f.deletes.max, f.silent.max);
    const left = f.deletes.unseen + f.silent.unseen;
    return [
      `deletes max ${s1(f.deletes.max)}, silent changes max ` +
        `${s1(f.silent.max)}${left ? `; ${left} not undone by the end` : ''}`,
      left === 0 && worst <= 60_000,
    ];
  };
  const command =
    `npm run bench -- --only freshness --fresh-rate ${a.rate} --fresh-duration ${a.durationS} ` +
    `--fresh-idle ${a.idleS}`;
  const mix = Object.entries(MIX)
    .map(([k, v]) => `${k}s ${Math.round(v * 100)} %`)
    .join(', ');
  const otherExits = (other: ModeFigures['runs']['other']): string =>
    other.length ? `, ${other.length} otherwise: ${other.map((o) => `exit ${o.code} (${o.stderr})`).join('; ')}` : '';
  const lines = [
    FRESHNESS_START,
    '## Freshness',
    '',
    [
      `Measured ${when} with \`${command}\`${measured ? '' : ' (nothing measured)'}.`,
      `A writer commits one row operation at a time, ${a.rate} a second for ${a.durationS} s (${mix};`,
      "deletes and silent changes — a new amount_sale, `modified` untouched — on today's rows),",
      `into a table holding ${fmt(SEED_ROWS_A_DAY)} sales of yesterday and ${fmt(SEED_ROWS_A_DAY)} of today,`,
      'while ingest runs with its defaults as the crontab runs it — the CLI started as its own process every',
      `minute: ${MODES.cron.shown} (mode cron) or ${MODES.follow.shown} (mode follow) — or as a service,`,
      `${MODES.systemd.shown} (mode systemd).`,
      `Every ${a.pollMs} ms a poller searches Elasticsearch for the operations still pending:`,
      "latency is from the commit's return to the first search that shows it",
      '(a write: the committed version; a delete: the id gone; a silent change: the new amount),',
      'so it includes the refresh and up to one poll interval.',
      'CPU seconds from /proc (the CLI: every process started, whole), per minute of wall time',
      `and as a share of one core; idle is the ${a.idleS} s before the writer starts`,
      `(for systemd, from ${SERVICE_WARM_UP_MS / 1000} s after the service started: it starts once).`,
      "The poller's searches are part of Elasticsearch's CPU.",
    ].join(' '),
    '',
    '| target (docs/contract.md §8) | measured | |',
    '|---|---|---|',
    ...(['follow', 'systemd'] as const).map((m) =>
      target(m, `commit → searchable p95 ≤ 3 s with \`ingest --follow\` (${m})`, (f) => [
        `p95 ${s1(f.writes.p95)} (p50 ${s1(f.writes.p50)}, max ${s1(f.writes.max)}, ${f.writes.unseen} unseen)`,
        f.writes.unseen === 0 && f.writes.p95 <= 3_000,
      ]),
    ),
    target('cron', 'commit → searchable p95 ≤ 75 s with per-minute plain runs', (f) => [
      `p95 ${s1(f.writes.p95)} (p50 ${s1(f.writes.p50)}, max ${s1(f.writes.max)}, ${f.writes.unseen} unseen)`,
      f.writes.unseen === 0 && f.writes.p95 <= 75_000,
    ]),
    ...(['follow', 'systemd'] as const).map((m) =>
      target(m, `today's deletes and silent changes undone within 60 s with \`--follow\` (${m})`, gone),
    ),
    ...(['follow', 'systemd'] as const).map((m) =>
      target(m, `idle \`--follow\` ≤ 2 % of one core for the CLI (${m})`, (f) => [
        perMinute(f.idle.cli, f.idle.seconds),
        f.idle.cli / f.idle.seconds <= 0.02,
      ]),
    ),
    '',
    '| mode | operations seen | p50 | p95 | max | unseen | deletes gone: n | p50 | p95 | max | left | silent changes ' +
      'undone: n | p50 | p95 | max | left |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...figures
      .filter((f) => f.available)
      .map((f) => `| ${f.mode} | ${latencyCells(f.writes)} | ${latencyCells(f.deletes)} | ${latencyCells(f.silent)} |`),
    '',
    '| mode | kind | n | p50 | p95 | max | unseen |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...figures
      .filter((f) => f.available)
      .flatMap((f) =>
        (['insert', 'update', 'cancel'] as const).map((k) => `| ${f.mode} | ${k} | ${latencyCells(f.byKind[k])} |`),
      ),
    '',
    '| mode | phase | wall | CLI CPU a minute (of one core) | Elasticsearch | MariaDB | writer |',
    '|---|---|---:|---:|---:|---:|---|',
    ...figures
      .filter((f) => f.available)
      .flatMap((f) => [
        `| ${f.mode} | idle | ${f.idle.seconds.toFixed(0)} s | ${perMinute(f.idle.cli, f.idle.seconds)} | ` +
          `${perMinute(f.idle.es, f.idle.seconds)} | ${perMinute(f.idle.mysql, f.idle.seconds)} | |`,
        `| ${f.mode} | load | ${f.load.seconds.toFixed(0)} s | ${perMinute(f.load.cli, f.load.seconds)} | ` +
          `${perMinute(f.load.es, f.load.seconds)} | ${perMinute(f.load.mysql, f.load.seconds)} | ` +
          `${fmt(f.writer.ops)} operations, ${(f.writer.ops / f.writer.seconds).toFixed(1)} a second |`,
      ]),
    '',
    ...figures
      .filter((f) => f.available)
      .map(
        (f) =>
          `${f.mode}: ${f.runs.launched} CLI run(s) started, ${f.runs.exit0} exited 0, ${f.runs.exit75} exited 75 ` +
          `(the one before still running)${otherExits(f.runs.other)}; ` +
          `drained ${f.drainS.toFixed(0)} s after the writer stopped (processes still running then were stopped with ` +
          `SIGTERM)${netCost(f.runs.net)}.`,
      ),
    '',
    FRESHNESS_END,
  ];
  return lines.join('\n');
}

/** The recent-days net's cost over a mode's runs, for its line of the section. */
function netCost(net: { checks: number; ms: number } | undefined): string {
  return net?.checks
    ? `; the recent-days net: ${net.checks} check(s), ${(net.ms / net.checks).toFixed(0)} ms each on average`
    : '';
}

/** `text` with its freshness section replaced by `section` (appended when it has none). */
export function withFreshnessSection(text: string, section: string): string {
  const start = text.indexOf(FRESHNESS_START);
  const end = text.indexOf(FRESHNESS_END);
  if (start >= 0 && end > start) return text.slice(0, start) + section + text.slice(end + FRESHNESS_END.length);
  return `${text.trimEnd()}\n\n${section}\n`;
}
