/** Flag value parsers: a bad value becomes a usage error (exit 2) naming the flag. */
import { InvalidArgumentError } from 'commander';
import { isBusinessDay } from '../core/time/businessDay';
import { UsageError } from '../core/errors';

export function businessDayArg(value: string): string {
  if (!isBusinessDay(value)) throw new InvalidArgumentError(`"${value}" is not a date; use YYYY-MM-DD, e.g. 2024-05-01`);
  return value;
}

export function positiveIntArg(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError(`"${value}" is not a positive whole number`);
  }
  return Number(value);
}

export function nonNegativeIntArg(value: string): number {
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError(`"${value}" is not a whole number`);
  }
  return Number(value);
}

/** Durations like 90s, 2m, 10m, 1h (plain numbers are seconds). */
export function durationArg(value: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`"${value}" is not a duration; use e.g. 90s, 2m, 1h`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
}

export interface DayRange {
  from: string;
  to: string;
}

/**
 * `--date D` or `--from D1 --to D2` (either end alone means a single-day-open range is not
 * allowed: both or neither). Returns undefined when none was given.
 */
export function dayRangeOf(opts: { date?: string; from?: string; to?: string }): DayRange | undefined {
  if (opts.date && (opts.from || opts.to)) throw new UsageError('use either --date or --from/--to, not both');
  if (opts.date) return { from: opts.date, to: opts.date };
  if (opts.from || opts.to) {
    if (!opts.from || !opts.to) throw new UsageError('--from and --to go together', 'e.g. --from 2024-05-01 --to 2024-05-31');
    if (opts.from > opts.to) throw new UsageError(`--from ${opts.from} is after --to ${opts.to}`, 'swap them');
    return { from: opts.from, to: opts.to };
  }
  return undefined;
}
