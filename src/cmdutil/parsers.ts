/** Flag value parsers: a bad value becomes a usage error (exit 2) naming the flag. */
import { InvalidArgumentError } from 'commander';
import { FIRST_BUSINESS_DAY, LAST_BUSINESS_DAY, isBusinessDay } from '../core/time/businessDay';
import { UsageError, quoted } from '../core/errors';
import { MAX_AMOUNT } from '../core/money';
import { WITHDRAW_LIMIT_HINT, parseWithdrawLimit, type Config, type WithdrawLimit } from '../core/config/config';
import type { WithdrawPolicy } from '../core/ingest/withdrawGuard';
import { parseDuration } from '../core/time/duration';

/** A business day within FIRST_BUSINESS_DAY..LAST_BUSINESS_DAY (see docs/configuration.md "Limits"). */
export function businessDayArg(value: string): string {
  if (!isBusinessDay(value))
    throw new InvalidArgumentError(`${quoted(value)} is not a date; use YYYY-MM-DD, e.g. 2024-05-01`);
  if (value < FIRST_BUSINESS_DAY || value > LAST_BUSINESS_DAY) {
    throw new InvalidArgumentError(
      `${value} is outside the supported days ${FIRST_BUSINESS_DAY}..${LAST_BUSINESS_DAY}`,
    );
  }
  return value;
}

/**
 * Upper bounds on sizes (docs/configuration.md "Limits"): beyond them a run needs more memory than the
 * tool's budget, or Elasticsearch / MySQL would refuse it, so they are usage errors.
 */
export const SIZE_LIMITS = {
  /** Rows per MySQL read: a page and the bulk requests made from it stay a few tens of MB. */
  batchSize: 10_000,
  /** Bulk requests / days in flight: more than the cluster's write threads only queues (429s). */
  concurrency: 16,
  /** Rows of a listing; beyond this, --all streams any number. */
  limit: 1_000_000,
  /** Won: the amounts earlypay holds exactly (core/money.ts). */
  amount: MAX_AMOUNT,
  /** --lag / --overlap. */
  durationMs: 7 * 86_400_000,
} as const;

/** A whole number in [min, max]; `tooBig` says what to do instead when it is above max. */
export function intInRange(min: number, max: number, tooBig: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || (min === 1 && n < 1)) {
      throw new InvalidArgumentError(`${quoted(value)} is not a ${min === 1 ? 'positive ' : ''}whole number`);
    }
    if (n < min) throw new InvalidArgumentError(`${value} is below ${min.toLocaleString('en-US')}`);
    if (n > max) throw new InvalidArgumentError(`${value} is above ${max.toLocaleString('en-US')}; ${tooBig}`);
    return n;
  };
}

export const batchSizeArg = intInRange(1, SIZE_LIMITS.batchSize, 'larger pages do not make a run faster, only bigger');
export const concurrencyArg = intInRange(
  1,
  SIZE_LIMITS.concurrency,
  'more requests in flight only queue on the cluster',
);
export const limitArg = intInRange(1, SIZE_LIMITS.limit, 'use --all to stream every match');
export const amountArg = intInRange(
  -SIZE_LIMITS.amount,
  SIZE_LIMITS.amount,
  'no amount beyond it is held exactly (Elasticsearch sums amounts as doubles)',
);
/** Index layout, as the config file's `shards`/`replicas` allow. */
export const shardsArg = intInRange(1, 1024, 'Elasticsearch allows at most 1,024 shards per index');
export const replicasArg = intInRange(0, 64, 'a copy per node at most makes sense');

export function positiveIntArg(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError(`${quoted(value)} is not a positive whole number`);
  }
  return Number(value);
}

/** `--max-withdraw`: a number of sales, a share of the sales index (`2%`), or `all`. */
export function withdrawLimitArg(value: string): WithdrawLimit {
  const limit = parseWithdrawLimit(value);
  if (limit === null) throw new InvalidArgumentError(`${quoted(value, 40)} is not ${WITHDRAW_LIMIT_HINT}`);
  return limit;
}

/** The mass-withdrawal guard's policy for a run: the flag's limit (an operator's decision), or the configured one. */
export function withdrawPolicy(flag: WithdrawLimit | undefined, config: Config): WithdrawPolicy {
  if (flag !== undefined) return { limit: flag, approved: true, where: 'given by --max-withdraw' };
  return {
    limit: config.maxWithdraw,
    approved: false,
    where: 'over the last 24 h',
  };
}

/** Durations like 90s, 2m, 10m, 1h (plain numbers are seconds). */
export function durationArg(value: string): number {
  const ms = parseDuration(value);
  if (ms === null) throw new InvalidArgumentError(`${quoted(value)} is not a duration; use e.g. 90s, 2m, 1h`);
  if (ms > SIZE_LIMITS.durationMs) throw new InvalidArgumentError(`"${value}" is longer than 7 days`);
  return ms;
}

/** `ingest --for`: a duration, or `forever` (until SIGINT/SIGTERM: under systemd) as Infinity. */
export function followForArg(value: string): number {
  if (value.trim() === 'forever') return Number.POSITIVE_INFINITY;
  const ms = durationArg(value);
  if (ms < 1_000) throw new InvalidArgumentError(`"${value}" is shorter than 1s; use e.g. 55s, 10m or forever`);
  return ms;
}

/** `ingest --every`: the pause between two polls, 100ms to 1h. */
export function pollEveryArg(value: string): number {
  const ms = durationArg(value);
  if (ms < 100 || ms > 3_600_000) throw new InvalidArgumentError(`"${value}" is not between 100ms and 1h`);
  return ms;
}

/** `ingest --recent-days`: 0 (the net off) to 35. */
export const recentDaysArg = intInRange(0, 35, 'the nightly `reconcile` covers older days');

export interface DayRange {
  from: string;
  to: string;
}

/** The day flags as commander parsed them. */
export interface DayFlags {
  date?: string;
  from?: string;
  to?: string;
}

/**
 * `--date D` or `--from D1 --to D2`, checked across the three flags. With `ends: 'both'`
 * (the jobs) `--from` and `--to` go together; with `'either'` (the listings) either end
 * alone leaves the other side open. Returns undefined when none was given.
 */
export function dayRangeOf(opts: DayFlags, ends?: 'both'): DayRange | undefined;
export function dayRangeOf(opts: DayFlags, ends: 'either'): Partial<DayRange> | undefined;
export function dayRangeOf(opts: DayFlags, ends: 'both' | 'either' = 'both'): Partial<DayRange> | undefined {
  if (opts.date && (opts.from || opts.to)) throw new UsageError('use either --date or --from/--to, not both');
  if (opts.date) return { from: opts.date, to: opts.date };
  if (!opts.from && !opts.to) return undefined;
  if (ends === 'both' && (!opts.from || !opts.to))
    throw new UsageError('--from and --to go together', 'e.g. --from 2024-05-01 --to 2024-05-31');
  if (opts.from && opts.to && opts.from > opts.to)
    throw new UsageError(`--from ${opts.from} is after --to ${opts.to}`, 'swap them');
  return { from: opts.from, to: opts.to };
}
