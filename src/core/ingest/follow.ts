/**
 * One ingest run, plain or `--follow`, through one IngestSession (pipeline.ts) under the run's
 * one lock.
 *
 * Plain: one pass from the checkpoint up to the present, REPEATED_AMOUNT settled, then `net`
 * (the recent-days net, reconcile/recentDays.ts).
 *
 * `--follow`: a poll every `--every` — the rows after the newest one seen and those of the last
 * seconds (plan.ts planPoll), up to now: one indexed query when there are none, and nothing
 * written — until `--for` has passed (or, without it, until SIGINT/SIGTERM). The first poll
 * starts at the checkpoint, so the rows committed since the run before stopped are written
 * within a second of the start. Then, and every SWEEP_EVERY_MS, a sweep: a plain pass from the
 * checkpoint (it catches a commit that came late with an earlier `modified`, which the polls
 * have passed), REPEATED_AMOUNT settled, and `net`; between sweeps `net` runs every NET_EVERY_MS.
 * REPEATED_AMOUNT is not settled after every poll: settling a day takes about a second, which
 * would hold up the polls behind it. The days waiting for it stay recorded in the state index.
 */
import type { Pool } from 'mysql2/promise';
import { sourceQuery } from '../source/query';
import { toWallClock } from '../time/businessDay';
import { IngestSession, type IngestDeps, type IngestOptions, type IngestStats } from './pipeline';
import { isAfter } from './checkpoint';
import { planPoll, RecentRows, withMaxRows } from './plan';
import { FIRST_REAL_DATETIME, type KeysetPosition } from './read';

/** Below every BIGINT id. */
const LOWEST_ID = '-9223372036854775808';

export interface FollowOptions {
  /** How long to follow; null: until interrupted (systemd). */
  forMs: number | null;
  /** The pause between two polls. */
  everyMs: number;
  /** How often to sweep; SWEEP_EVERY_MS unless a test wants it sooner. */
  sweepEveryMs?: number;
}

/** --follow's defaults: a crontab line `* * * * * earlypay ingest --follow` runs back to back. */
export const FOLLOW_DEFAULTS: FollowOptions = { forMs: 55_000, everyMs: 1_000 };

/** How often a follow sweeps (a plain pass, then the recent-days net). */
export const SWEEP_EVERY_MS = 60_000;
/**
 * How often a follow runs the recent-days net (at each sweep, and between them): today's deletes
 * and silent changes are undone within this, and a crontab's 55 s runs still run it twice.
 */
export const NET_EVERY_MS = 30_000;
/** Rows a slice of a sweep reads before the next poll (a page or two: a few tenths of a second). */
export const SWEEP_SLICE_ROWS = 4_000;
/** Delays kept for the percentiles; past this, a uniform sample of them (reservoir). */
const DELAY_SAMPLE = 100_000;

/** The commit-to-write delay of the sales a run wrote: `modified` (whole seconds) to acknowledged. */
export interface DelayStats {
  sales: number;
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
}

export interface FollowStats {
  for_ms: number | null;
  every_ms: number;
  polls: number;
  /** Polls that found no row: one query each, nothing written. */
  idle_polls: number;
  sweeps: number;
  /** Rows read by the polls and the sweeps (a first run's whole table is ingest's `read` alone). */
  rows: number;
  delay: DelayStats | null;
}

export interface IngestRunResult {
  stats: IngestStats;
  follow: FollowStats | null;
}

/** Keeps the delays of the written sales, bounded in memory, for their percentiles. */
export class DelaySample {
  private readonly kept: number[] = [];
  private seen = 0;
  private max = 0;

  add(writtenAt: number, versions: readonly number[]): void {
    for (const v of versions) {
      const delay = Math.max(0, writtenAt - v);
      this.max = Math.max(this.max, delay);
      this.seen++;
      if (this.kept.length < DELAY_SAMPLE) this.kept.push(delay);
      else {
        const at = Math.floor(Math.random() * this.seen);
        if (at < DELAY_SAMPLE) this.kept[at] = delay;
      }
    }
  }

  stats(): DelayStats | null {
    if (this.seen === 0) return null;
    const sorted = [...this.kept].sort((a, b) => a - b);
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
    return { sales: this.seen, p50_ms: at(0.5), p95_ms: at(0.95), max_ms: this.max };
  }
}

/** The newest row modified up to `until` (wall clock), in (modified, id) order: where polls start. */
async function newestPosition(pool: Pool, table: string, until: string): Promise<KeysetPosition> {
  const [row] = await sourceQuery<{ modified: string; id: string }[]>(
    pool,
    table,
    `SELECT modified, id FROM \`${table}\` WHERE modified >= ? AND modified <= ? ` +
      'ORDER BY modified DESC, id DESC LIMIT 1',
    [FIRST_REAL_DATETIME, until],
  );
  // None yet: before every dated row (the undated ones are the plain passes' to read).
  return row
    ? { modified: String(row.modified), id: String(row.id) }
    : { modified: FIRST_REAL_DATETIME, id: LOWEST_ID };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export async function runIngestRun(
  deps: IngestDeps,
  opts: IngestOptions,
  follow: FollowOptions | null,
  net?: () => Promise<void>,
): Promise<IngestRunResult> {
  const session = await IngestSession.open(deps, opts);
  const { signal } = deps;
  const runNet = async (): Promise<void> => {
    if (net && !signal?.aborted) await net();
  };
  if (!follow) {
    await session.pass(session.plan(deps.now(), true));
    await session.settle();
    await runNet();
    return { stats: session.stats, follow: null };
  }

  const delays = new DelaySample();
  const written = (versions: number[]): void => delays.add(Date.now(), versions);
  const started = Date.now();
  const stats: FollowStats = {
    for_ms: follow.forMs,
    every_ms: follow.everyMs,
    polls: 0,
    idle_polls: 0,
    sweeps: 0,
    rows: 0,
    delay: null,
  };
  const ends = follow.forMs === null ? Number.POSITIVE_INFINITY : started + follow.forMs;
  const sweepEvery = follow.sweepEveryMs ?? SWEEP_EVERY_MS;
  const netEvery = Math.min(sweepEvery, NET_EVERY_MS);
  let after: KeysetPosition;
  let nextSweep: number;
  const from = session.checkpoint;
  if (from) {
    // The rows committed since the run before stopped come first: a poll from the checkpoint,
    // without the overlap. The sweep that re-reads the overlap follows it at once.
    after = from;
    nextSweep = started;
  } else {
    // The first run of all: the whole table, then polls from where it began.
    after = await newestPosition(deps.pool, deps.config.table, toWallClock(deps.now(), deps.config.sourceTz));
    await session.pass(session.plan(deps.now(), true), written);
    await session.settle();
    await runNet();
    nextSweep = started + sweepEvery;
  }
  let nextNet = nextSweep + netEvery;
  const recent = new RecentRows();
  // What the polls and sweeps read: all that the session reads from here on.
  const readBefore = session.stats.read;

  const poll = async (): Promise<void> => {
    const readAtPoll = session.stats.read;
    const { last } = await session.pass(planPoll(after, deps.now(), opts.lagMs, deps.config.sourceTz, recent), written);
    stats.polls++;
    if (last && isAfter(last, after)) after = last;
    else stats.idle_polls += session.stats.read === readAtPoll ? 1 : 0;
  };
  // A sweep reads the whole --overlap (at 50 rows a second, 36,000 rows): in slices, a poll
  // between two, so that the polls are never held up for longer than a slice takes.
  const sweep = async (): Promise<void> => {
    let plan = session.plan(deps.now(), false);
    for (;;) {
      const { last, more } = await session.pass(withMaxRows(plan, SWEEP_SLICE_ROWS), written);
      if (!more || !last || signal?.aborted || session.stats.interrupted) break;
      await poll();
      plan = planPoll(last, deps.now(), opts.lagMs, deps.config.sourceTz);
    }
    stats.sweeps++;
    if (session.stats.interrupted) return;
    await session.settle();
    await runNet();
    session.forgetLookups();
  };

  while (!signal?.aborted && Date.now() < ends) {
    const pollStarted = Date.now();
    await poll();
    if (!session.stats.interrupted && Date.now() >= nextSweep) {
      await sweep();
      nextSweep = Date.now() + sweepEvery;
      nextNet = Date.now() + netEvery;
    } else if (!session.stats.interrupted && Date.now() >= nextNet) {
      await runNet();
      nextNet = Date.now() + netEvery;
    }
    if (session.stats.interrupted) break;
    // Polls start every --every (not --every after the last one ended), and none after --for.
    await pause(Math.max(0, Math.min(pollStarted + follow.everyMs, ends) - Date.now()), signal);
  }
  await session.settle();
  stats.rows = session.stats.read - readBefore;
  stats.delay = delays.stats();
  return { stats: session.stats, follow: stats };
}
