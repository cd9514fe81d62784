/**
 * The frame `daily` and `weekly` share: the day flags, the run document, the progress bar and their summaries' wording.
 */
import type { Command } from 'commander';
import type { Context } from './context';
import { runJob } from './job';
import { businessDayArg, dayRangeOf, type DayFlags } from './parsers';
import type { AovJobDeps, DayScope } from '../core/aov/jobs';
import { UsageError } from '../core/errors';
import { createProgress } from '../render/progress';
import { formatCount } from '../render/style';

/** "2024-05-01" or "2024-05-01..2024-05-07 (7 days)". */
export function describeDays(from: string, to: string, n: number, noun: string): string {
  if (n === 0) return `no ${noun}`;
  if (n === 1) return from;
  const contiguous = n === Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
  return `${from}..${to} (${formatCount(n)} ${noun}${contiguous ? '' : ', not contiguous'})`;
}

export function cronNote(r: { mode: string; changed_days_handled: number; changed_days_deferred: number }): string {
  if (r.mode === 'today') return ' [today so far: provisional, replaced by the run after midnight]';
  if (r.mode !== 'cron')
    return r.changed_days_handled
      ? ` [${formatCount(r.changed_days_handled)} changed-day mark(s) in the range cleared]`
      : '';
  const deferred = r.changed_days_deferred
    ? `; ${formatCount(r.changed_days_deferred)} marked day(s) from today on left for a later run`
    : '';
  return ` [yesterday + ${formatCount(r.changed_days_handled)} changed day(s)${deferred}]`;
}

/** ", N provisional" after the documents written, when some are. */
export function provisionalNote(r: { provisional_documents: number }): string {
  return r.provisional_documents ? ` (${formatCount(r.provisional_documents)} provisional)` : '';
}

/** The day flags as parsed, with `--today`. */
export type AovFlags = DayFlags & { today?: boolean };

/** The day flags, checked where they are parsed: `scope` is undefined for the cron mode. */
export type AovOptions<O extends AovFlags> = O & { scope: DayScope };

export function checkAovOptions<O extends AovFlags>(opts: O): AovOptions<O> {
  if (opts.today && (opts.date || opts.from || opts.to))
    throw new UsageError('use either --today or --date/--from/--to, not both', 'e.g. earlypay daily --today');
  return { ...opts, scope: opts.today ? 'today' : dayRangeOf(opts) };
}

export interface AovRun<R> {
  command: 'daily' | 'weekly';
  opts: AovOptions<AovFlags>;
  args: Record<string, unknown>;
  run: (deps: AovJobDeps, scope: DayScope) => Promise<R>;
  summarize: (result: R, ms: number) => string;
}

export async function runAovCommand<R extends object>(ctx: Context, spec: AovRun<R>): Promise<number> {
  const { date, from, to, scope } = spec.opts;
  const config = ctx.config();
  const args = {
    date: date ?? null,
    from: from ?? null,
    to: to ?? null,
    mode: scope === 'today' ? 'today' : scope ? 'range' : 'cron',
    ...spec.args,
    tz: config.tz,
    index_prefix: config.indexPrefix,
  };
  return runJob(ctx, { command: spec.command, args, locks: [spec.command] }, async () => {
    const started = Date.now();
    // A bar only when it has something to show: several days, a person watching.
    const wantBar =
      !ctx.flags.quiet &&
      !ctx.flags.json &&
      Boolean(ctx.stderr.isTTY) &&
      (!scope || (scope !== 'today' && scope.from !== scope.to));
    const progress = createProgress(ctx.stderr, spec.command, wantBar);
    let result: R;
    try {
      result = await spec.run(
        {
          client: ctx.es(),
          names: ctx.names(),
          tz: config.tz,
          now: ctx.now,
          onProgress: wantBar ? (done, total) => progress.update(done, total) : undefined,
        },
        scope,
      );
    } finally {
      progress.stop();
    }
    return {
      counts: { ...(result as Record<string, unknown>) },
      summary: spec.summarize(result, Date.now() - started),
    };
  });
}

/** --date, or --from with --to: business days (or window ends); or --today. */
export function addDayOptions(cmd: Command, what: { date: string; from: string; to: string; today: string }): Command {
  return cmd
    .option('--date <day>', what.date, businessDayArg)
    .option('--from <day>', what.from, businessDayArg)
    .option('--to <day>', what.to, businessDayArg)
    .option('--today', what.today);
}
