/** `earlypay daily`: per store and business day, the sales total, customers and average order value. */
import { Command, Option } from 'commander';
import type { CommandHost } from './host';
import { examples } from './host';
import type { Context } from './context';
import { runJob } from './job';
import { businessDayArg, concurrencyArg, dayRangeOf } from './parsers';
import { runDailyAovJob, type AovJobDeps, type DailyJobResult, type DayRangeInput } from '../core/aov/jobs';
import { createProgress } from '../render/progress';
import { formatCount, formatDuration } from '../render/style';

export interface DailyCommandOptions {
  date?: string;
  from?: string;
  to?: string;
  concurrency: number;
}

export const DAILY_CONCURRENCY = 2;

/** "2024-05-01" or "2024-05-01..2024-05-07 (7 days)". */
export function describeDays(from: string, to: string, n: number, noun: string): string {
  if (n === 0) return `no ${noun}`;
  if (n === 1) return from;
  const contiguous = n === Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
  return `${from}..${to} (${formatCount(n)} ${noun}${contiguous ? '' : ', not contiguous'})`;
}

export function cronNote(r: { mode: string; changed_days_handled: number; changed_days_deferred: number }): string {
  if (r.mode !== 'cron') return r.changed_days_handled ? ` [${formatCount(r.changed_days_handled)} changed-day mark(s) in the range cleared]` : '';
  const deferred = r.changed_days_deferred ? `; ${formatCount(r.changed_days_deferred)} marked day(s) from today on left for a later run` : '';
  return ` [yesterday + ${formatCount(r.changed_days_handled)} changed day(s)${deferred}]`;
}

export function summarizeDaily(r: DailyJobResult, ms: number): string {
  return [
    `daily ${describeDays(r.from, r.to, r.days, 'days')}${cronNote(r)}: ${formatCount(r.sales)} sales (${formatCount(r.counted_sales)} counted)`,
    `${formatCount(r.stores)} store(s)`,
    `${formatCount(r.written)} document(s) written`,
    `${formatCount(r.removed)} stale removed`,
    formatDuration(ms),
  ].join(', ');
}

/** What `daily` and `weekly` share: the run frame, the progress bar and the day flags. */
export interface AovRun<R> {
  command: 'daily' | 'weekly';
  opts: { date?: string; from?: string; to?: string };
  args: Record<string, unknown>;
  run: (deps: AovJobDeps, range: DayRangeInput | undefined) => Promise<R>;
  summarize: (result: R, ms: number) => string;
}

export async function runAovCommand<R extends object>(ctx: Context, spec: AovRun<R>): Promise<number> {
  const range = dayRangeOf(spec.opts);
  const config = ctx.config();
  const { date, from, to } = spec.opts;
  const args = { date: date ?? null, from: from ?? null, to: to ?? null, mode: range ? 'range' : 'cron', ...spec.args, tz: config.tz, index_prefix: config.indexPrefix };
  return runJob(ctx, { command: spec.command, args, lock: spec.command }, async () => {
    const started = Date.now();
    // A bar only when it has something to show: several days, a person watching.
    const wantBar = !ctx.flags.quiet && !ctx.flags.json && Boolean(ctx.stderr.isTTY) && (!range || range.from !== range.to);
    const progress = createProgress(ctx.stderr, spec.command, wantBar);
    let result: R;
    try {
      result = await spec.run({ client: ctx.es(), names: ctx.names(), tz: config.tz, now: ctx.now, onProgress: wantBar ? (done, total) => progress.update(done, total) : undefined }, range);
    } finally {
      progress.stop();
    }
    return { counts: { ...(result as Record<string, unknown>) }, summary: spec.summarize(result, Date.now() - started) };
  });
}

/** --date, or --from with --to: business days (or window ends). */
export function addDayOptions(cmd: Command, what: { date: string; from: string; to: string }): Command {
  return cmd.option('--date <day>', what.date, businessDayArg).option('--from <day>', what.from, businessDayArg).option('--to <day>', what.to, businessDayArg);
}

export function runDaily(ctx: Context, opts: DailyCommandOptions): Promise<number> {
  return runAovCommand(ctx, {
    command: 'daily',
    opts,
    args: { concurrency: opts.concurrency },
    run: (deps, range) => runDailyAovJob({ ...deps, concurrency: opts.concurrency }, range),
    summarize: summarizeDaily,
  });
}

export function dailyCommand(host: CommandHost): Command {
  const cmd = new Command('daily').description(
    'compute the daily average order value (객단가) per store: total, transactions, distinct customers, unit price; default: yesterday plus every day ingest marked as changed',
  );
  return addDayOptions(cmd, { date: 'one business day (YYYY-MM-DD)', from: 'first business day of a range (with --to)', to: 'last business day of the range, inclusive' })
    .addOption(new Option('--concurrency <n>', 'days computed at once').argParser(concurrencyArg).default(DAILY_CONCURRENCY))
    .addHelpText(
      'after',
      `
With no date, computes yesterday (business time zone) and every earlier day whose sales
changed since the last run, then clears those marks; days from today on wait until they
are over. Re-running replaces the documents of the days it computes and removes a
store-day that no longer has a counted sale (not canceled, amount > 0).
${examples(
  'earlypay daily                                   # from cron, after midnight',
  'earlypay daily --date 2024-05-01',
  'earlypay daily --from 2024-04-01 --to 2024-05-31 --json',
)}`,
    )
    .action(async (opts: DailyCommandOptions, cmd: Command) => host.execute(cmd, (ctx) => runDaily(ctx, opts)));
}
