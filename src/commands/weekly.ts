/** `earlypay weekly`: per store, the trailing 7-day average order value, from the daily documents. */
import { Command } from 'commander';
import { examples, type CommandHost, type RunF } from '../cmdutil/host';
import type { Context } from '../cmdutil/context';
import {
  addDayOptions,
  checkAovOptions,
  cronNote,
  describeDays,
  provisionalNote,
  runAovCommand,
  type AovOptions,
} from '../cmdutil/aov';
import { runWeeklyAovJob, type WeeklyJobResult } from '../core/aov/jobs';
import { formatCount, formatDuration } from '../render/style';

export interface WeeklyCommandOptions {
  date?: string;
  from?: string;
  to?: string;
  today?: boolean;
}

export function summarizeWeekly(r: WeeklyJobResult, ms: number): string {
  return [
    `weekly windows ending ${describeDays(r.from, r.to, r.windows, 'windows')}${cronNote(r)}: ` +
      `${formatCount(r.daily_documents_read)} daily document(s) read`,
    `${formatCount(r.stores)} store(s)`,
    `${formatCount(r.written)} document(s) written${provisionalNote(r)}`,
    `${formatCount(r.removed)} stale removed`,
    formatDuration(ms),
  ].join(', ');
}

export function runWeekly(ctx: Context, opts: AovOptions<WeeklyCommandOptions>): Promise<number> {
  return runAovCommand(ctx, { command: 'weekly', opts, args: {}, run: runWeeklyAovJob, summarize: summarizeWeekly });
}

export function weeklyCommand(host: CommandHost, runF: RunF<AovOptions<WeeklyCommandOptions>> = runWeekly): Command {
  const cmd = new Command('weekly').description(
    'compute the trailing 7-day average order value per store (window E-6..E) from the daily documents; default: the ' +
      'window ending yesterday plus every window touching a changed day',
  );
  return addDayOptions(cmd, {
    date: "the window's last business day E (YYYY-MM-DD)",
    from: 'first window end of a range (with --to)',
    to: 'last window end of the range, inclusive',
    today: 'the window ending today, from the daily documents so far (run `daily --today` first): provisional',
  })
    .addHelpText(
      'after',
      `
Run after \`earlypay daily\`: the weekly figures are sums of the daily documents
(total_sale, num_customers, num_transactions; unit_price = floor(total / customers)).
With no date, computes the window ending yesterday and every window ending yesterday or
earlier that contains a day marked as changed, then clears those marks. A store with no
daily document in a window has no weekly document for it (a stale one is removed).
--today computes the window ending today: provisional, like a window holding a provisional
daily document, and replaced by the run after midnight.
${examples(
  'earlypay daily && earlypay weekly                # from cron, after midnight',
  'earlypay daily --today && earlypay weekly --today  # from cron, every few minutes',
  'earlypay weekly --date 2024-05-07                # window 2024-05-01..2024-05-07',
  'earlypay weekly --from 2024-04-07 --to 2024-05-31 --json',
)}`,
    )
    .action(async (opts: WeeklyCommandOptions, cmd: Command) => {
      const checked = checkAovOptions(opts);
      await host.execute(cmd, (ctx) => runF(ctx, checked));
    });
}
