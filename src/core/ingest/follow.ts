/**
 * One ingest run, plain or `--follow`, through one IngestSession (pipeline.ts) under the run's
 * one lock.
 *
 * Plain: one pass from the checkpoint up to the present, REPEATED_AMOUNT settled, then `net`
 * (the recent-days net, reconcile/recentDays.ts).
 *
 * `--follow`: the same, then every `--every` a poll — the rows after the newest one seen, up to
 * now: one indexed query when there are none, and nothing written — until `--for` has passed
 * (or, without it, until SIGINT/SIGTERM). Every SWEEP_EVERY_MS a sweep replaces the poll: a
 * plain pass from the checkpoint (it catches a commit that came late with an earlier
 * `modified`, which a poll has passed, and moves the checkpoint up to now − --lag), then `net`.
 * REPEATED_AMOUNT is settled at each sweep and at the end, not after every poll: settling a day
 * takes about a second, which would hold up the polls behind it. The days waiting for it stay
 * recorded in the state index until then.
 */
import type { Pool } from 'mysql2/promise';
import { sourceQuery } from '../source/query';
import { toWallClock } from '../time/businessDay';
import { IngestSession, type IngestDeps, type IngestOptions, type IngestStats } from './pipeline';
import { planPoll } from './plan';
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
  /** Rows read by the polls and sweeps (the first pass's are ingest's `read`). */
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
  const delays = new DelaySample();
  const written = (versions: number[]): void => delays.add(Date.now(), versions);
  const started = Date.now();
  // Taken before the first pass: the rows committed while it runs are read again by the polls.
  let after =
    follow && (await newestPosition(deps.pool, deps.config.table, toWallClock(deps.now(), deps.config.sourceTz)));
  await session.pass(session.plan(deps.now(), true), follow ? written : undefined);
  await session.settle();
  if (net && !signal?.aborted) await net();
  if (!follow || !after) return { stats: session.stats, follow: null };

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
  let nextSweep = started + sweepEvery;
  for (;;) {
    await pause(Math.min(follow.everyMs, Math.max(0, ends - Date.now())), signal);
    if (signal?.aborted || Date.now() >= ends) break;
    const readBefore = session.stats.read;
    const now = deps.now();
    if (Date.now() >= nextSweep) {
      await session.pass(session.plan(now, false), written);
      stats.sweeps++;
      nextSweep = Date.now() + sweepEvery;
      await session.settle();
      if (net && !signal?.aborted) await net();
      session.forgetLookups();
    } else {
      const { last } = await session.pass(planPoll(after, now, opts.lagMs, deps.config.sourceTz), written);
      stats.polls++;
      if (last) after = last;
      else stats.idle_polls++;
    }
    stats.rows += session.stats.read - readBefore;
    if (session.stats.interrupted) break;
  }
  await session.settle();
  stats.delay = delays.stats();
  return { stats: session.stats, follow: stats };
}
