/** `earlypay reconcile`: per business day, MySQL's accepted rows against Elasticsearch; `--repair` re-ingests what drifted. */
import { Command, Option } from 'commander';
import type { CommandHost } from './host';
import { examples } from './host';
import type { Context } from './context';
import { runJob } from './job';
import { batchSizeArg, businessDayArg, concurrencyArg, dayRangeOf } from './parsers';
import { stdoutStyle } from './search';
import { DriftError, UsageError } from '../core/errors';
import { INGEST_DEFAULTS } from '../core/ingest/pipeline';
import { DEFAULT_RECONCILE_DAYS, defaultReconcileRange, type DayComparison, type DayRange } from '../core/reconcile/days';
import { reconcile, type ReconcileResult } from '../core/reconcile/reconcile';
import { today } from '../core/time/businessDay';
import { renderRecordsTable, type Column } from '../render/formats';
import { createProgress } from '../render/progress';
import { formatCount, formatDuration, formatWon } from '../render/style';

export interface ReconcileCommandOptions {
  date?: string;
  from?: string;
  to?: string;
  all?: boolean;
  repair?: boolean;
  batchSize: number;
  concurrency: number;
}

const signed = (n: number, format: (n: number) => string): string => (n > 0 ? `+${format(n)}` : n < 0 ? `-${format(-n)}` : '0');

export const DRIFT_COLUMNS: Column[] = [
  { key: 'day', header: 'day' },
  { key: 'mysql_rows', header: 'MySQL rows', kind: 'count' },
  { key: 'mysql_amount', header: 'MySQL amount (won)', kind: 'won' },
  { key: 'es_rows', header: 'ES rows', kind: 'count' },
  { key: 'es_amount', header: 'ES amount (won)', kind: 'won' },
  { key: 'rows_diff', header: 'Δ rows', kind: 'number', paint: (c, _r, s) => s.red(c) },
  { key: 'amount_diff', header: 'Δ amount', kind: 'number', paint: (c, _r, s) => s.red(c) },
  { key: 'changed_since_checkpoint', header: 'changed since last ingest', kind: 'count' },
];

/** The table of drifting days, differences signed (Elasticsearch minus MySQL). */
export function renderDrift(days: DayComparison[], ctx: Context): string {
  const records = days.map((d) => ({ ...d, rows_diff: signed(d.rows_diff, formatCount), amount_diff: signed(d.amount_diff, formatWon) }));
  return renderRecordsTable(records, DRIFT_COLUMNS, stdoutStyle(ctx));
}

function listDays(days: DayComparison[], max = 5): string {
  const shown = days.slice(0, max).map((d) => d.day).join(', ');
  return days.length > max ? `${shown}, … (${days.length - max} more)` : shown;
}

export function summarizeReconcile(r: ReconcileResult, ms: number): string {
  const span = r.from ? `${r.from}..${r.to}` : 'no data';
  const sides = (t: { rows: number; amount: number }): string => `${formatCount(t.rows)} rows / ${formatWon(t.amount)} won`;
  const parts = [`reconcile ${span}: ${formatCount(r.days_with_data)} day(s) with data`];
  if (r.drifting_days === 0) parts.push(`in sync (MySQL and Elasticsearch: ${sides(r.mysql)})`);
  else parts.push(`${formatCount(r.drifting_days)} day(s) ${r.repair ? 'drifted' : 'drift'} (MySQL ${sides(r.mysql)}, Elasticsearch ${sides(r.es)})`);
  if (r.repair) {
    const p = r.repair;
    parts.push(
      `repaired ${formatCount(p.days)} day(s): re-ingested ${formatCount(p.rows_reingested)} rows` +
        (p.deleted ? `, deleted ${formatCount(p.deleted)} document(s) of rows gone from MySQL` : '') +
        (p.withdrawn ? `, withdrew ${formatCount(p.withdrawn)} now-invalid` : '') +
        (p.rejected ? `, ${formatCount(p.rejected)} rejected (dead letter)` : ''),
      r.remaining_days === 0 ? 'now in sync' : `${formatCount(r.remaining_days)} day(s) still drift`,
    );
  }
  parts.push(formatDuration(ms));
  return parts.join(', ');
}

/** Why the exit code is 4, in one line. */
export function driftReason(r: ReconcileResult): string {
  const changed = r.remaining.reduce((n, d) => n + d.changed_since_checkpoint, 0);
  const pending = changed ? `; ${formatCount(changed)} of their rows changed after the last ingest's checkpoint (the next \`earlypay ingest\` copies them)` : '';
  if (r.repair) {
    const refused = r.repair.rejected ? `; ${formatCount(r.repair.rejected)} row(s) went to the dead letter during the repair` : '';
    const newer = r.repair.superseded
      ? `; ${formatCount(r.repair.superseded)} row(s) were not rewritten because Elasticsearch holds a newer version (written by a concurrent ingest, or deleted less than a minute ago)`
      : '';
    return `${formatCount(r.remaining_days)} day(s) still drift after the repair (${listDays(r.remaining)})${refused}${newer}${pending}`;
  }
  const span = r.remaining.length ? `--from ${r.remaining[0]!.day} --to ${r.remaining[r.remaining.length - 1]!.day}` : '';
  return `${formatCount(r.remaining_days)} day(s) drift between MySQL and Elasticsearch (${listDays(r.remaining)})${pending}; \`earlypay reconcile --repair ${span}\` re-ingests them`;
}

export async function runReconcile(ctx: Context, opts: ReconcileCommandOptions): Promise<number> {
  const explicit = dayRangeOf(opts);
  if (opts.all && explicit) throw new UsageError('use either --all or --date/--from/--to, not both');
  const config = ctx.config();
  const range: DayRange | undefined = opts.all ? undefined : explicit ?? defaultReconcileRange(today(config.tz, ctx.now()));
  const args = { from: range?.from ?? null, to: range?.to ?? null, all: Boolean(opts.all), repair: Boolean(opts.repair), batch_size: opts.batchSize, concurrency: opts.concurrency, table: config.table, index_prefix: config.indexPrefix, tz: config.tz };
  return runJob(ctx, { command: 'reconcile', args, lock: 'reconcile' }, async (run) => {
    const started = Date.now();
    const progress = createProgress(ctx.stderr, 'repair', !ctx.flags.quiet);
    let result: ReconcileResult;
    try {
      result = await reconcile(
        { es: ctx.es(), pool: ctx.mysql(), names: ctx.names(), config, runId: run.runId, now: ctx.now, verbose: ctx.log.verbose, onProgress: (n) => progress.update(n) },
        { range, repair: Boolean(opts.repair), batchSize: opts.batchSize, concurrency: opts.concurrency },
      );
    } finally {
      progress.stop();
    }
    if (!ctx.flags.json && !ctx.flags.quiet) {
      if (result.drift.length) {
        ctx.stdout.write(`Days that drift (Δ = Elasticsearch − MySQL)${result.repair ? ', before the repair' : ''}:\n${renderDrift(result.drift, ctx)}\n`);
      }
      if (result.repair && result.remaining.length) ctx.stdout.write(`Still drifting after the repair:\n${renderDrift(result.remaining, ctx)}\n`);
    }
    const drifting = result.remaining_days > 0;
    return {
      counts: { ...result },
      summary: summarizeReconcile(result, Date.now() - started),
      attention: drifting ? new DriftError(driftReason(result)) : undefined,
    };
  });
}

export function reconcileCommand(host: CommandHost): Command {
  return new Command('reconcile')
    .description(
      'compare, per business day, the count and sum of amount_sale of accepted rows in MySQL with the sales index; ' +
        'exit 0 when they agree, 4 when days drift (after --repair: when drift remains)',
    )
    .option('--date <day>', 'one business day', businessDayArg)
    .option('--from <day>', 'first business day (with --to)', businessDayArg)
    .option('--to <day>', 'last business day, inclusive', businessDayArg)
    .option('--all', 'every day that has sales in MySQL or Elasticsearch')
    .option('--repair', 're-ingest the drifting days from MySQL, delete documents of rows deleted there, mark the days for daily/weekly, then compare again')
    .addOption(new Option('--batch-size <n>', 'rows per MySQL read during a repair').argParser(batchSizeArg).default(INGEST_DEFAULTS.batchSize))
    .addOption(new Option('--concurrency <n>', 'bulk requests in flight during a repair').argParser(concurrencyArg).default(INGEST_DEFAULTS.concurrency))
    .addHelpText(
      'after',
      `
Without --date/--from/--to/--all: the ${DEFAULT_RECONCILE_DAYS} days ending yesterday (business time zone); today
is left out because ingest is still copying it. A day drifts when the number of accepted rows
or their total amount_sale differ; "changed since last ingest" counts the day's rows modified
after the ingest checkpoint, which the next ingest copies anyway. Exit codes: 0 in sync (or
repaired to sync), 4 drift remains, 1 a dependency failed, 2 usage, 75 another reconcile runs.
${examples(
  'earlypay reconcile                                # the last 35 days, from cron',
  'earlypay reconcile --from 2024-05-01 --to 2024-05-31 --repair',
  'earlypay reconcile --all --json | jq .drift',
)}`,
    )
    .action(async (opts: ReconcileCommandOptions, cmd: Command) => host.execute(cmd, (ctx) => runReconcile(ctx, opts)));
}
