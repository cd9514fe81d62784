/** `earlypay daily`: per store and business day, the sales total, customers and average order value. */
import { Command, Option } from 'commander';
import { examples, type CommandHost, type RunF } from '../cmdutil/host';
import type { Context } from '../cmdutil/context';
import { concurrencyArg } from '../cmdutil/parsers';
import {
  addDayOptions,
  checkAovOptions,
  cronNote,
  describeDays,
  provisionalNote,
  runAovCommand,
  type AovOptions,
} from '../cmdutil/aov';
import { runDailyAovJob, type DailyJobResult } from '../core/aov/jobs';
import { formatCount, formatDuration } from '../render/style';

export interface DailyCommandOptions {
  date?: string;
  from?: string;
  to?: string;
  today?: boolean;
  concurrency: number;
}

export const DAILY_CONCURRENCY = 2;

export function summarizeDaily(r: DailyJobResult, ms: number): string {
  return [
    `daily ${describeDays(r.from, r.to, r.days, 'days')}${cronNote(r)}: ${formatCount(r.sales)} sales ` +
      `(${formatCount(r.counted_sales)} counted)`,
    `${formatCount(r.stores)} store(s)`,
    `${formatCount(r.written)} document(s) written${provisionalNote(r)}`,
    `${formatCount(r.removed)} stale removed`,
    formatDuration(ms),
  ].join(', ');
}

export function runDaily(ctx: Context, opts: AovOptions<DailyCommandOptions>): Promise<number> {
  return runAovCommand(ctx, {
    command: 'daily',
    opts,
    args: { concurrency: opts.concurrency },
    run: (deps, scope) => runDailyAovJob({ ...deps, concurrency: opts.concurrency }, scope),
    summarize: summarizeDaily,
  });
}

export function dailyCommand(host: CommandHost, runF: RunF<AovOptions<DailyCommandOptions>> = runDaily): Command {
  const cmd = new Command('daily').description(
    'compute the daily average order value (객단가) per store: total, transactions, distinct customers, unit price; ' +
      'default: yesterday plus every day ingest marked as changed',
  );
  return addDayOptions(cmd, {
    date: 'one business day (YYYY-MM-DD)',
    from: 'first business day of a range (with --to)',
    to: 'last business day of the range, inclusive',
    today: "today's sales so far: documents marked provisional, replaced by the computation after midnight",
  })
    .addOption(
      new Option('--concurrency <n>', 'days computed at once').argParser(concurrencyArg).default(DAILY_CONCURRENCY),
    )
    .addHelpText(
      'after',
      `
With no date, computes yesterday (business time zone) and every earlier day whose sales
changed since the last run, then clears those marks; days from today on wait until they
are over. Re-running replaces the documents of the days it computes and removes a
store-day that no longer has a counted sale (not canceled, amount > 0).
--today computes today so far, as often as it is run: its documents carry
provisional: true, and the run after midnight (which always computes yesterday)
replaces them with final ones. It clears no changed-day mark.
${examples(
  'earlypay daily                                   # from cron, after midnight',
  'earlypay daily --today                           # from cron, every few minutes',
  'earlypay daily --date 2024-05-01',
  'earlypay daily --from 2024-04-01 --to 2024-05-31 --json',
)}`,
    )
    .action(async (opts: DailyCommandOptions, cmd: Command) => {
      const checked = checkAovOptions(opts);
      await host.execute(cmd, (ctx) => runF(ctx, checked));
    });
}
