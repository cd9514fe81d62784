/**
 * `earlypay reconcile`: per business day, MySQL's accepted rows against Elasticsearch, row by row by fingerprint;
 * `--repair` rewrites what differs.
 */
import { Command, Option } from 'commander';
import { examples, type CommandHost, type RunF } from '../cmdutil/host';
import type { Context } from '../cmdutil/context';
import { pipelineDeps, runJob } from '../cmdutil/job';
import { checkSourceSchema } from '../cmdutil/sourceSchema';
import { checkDataZone } from '../cmdutil/zone';
import {
  batchSizeArg,
  businessDayArg,
  concurrencyArg,
  dayRangeOf,
  withdrawLimitArg,
  withdrawPolicy,
} from '../cmdutil/parsers';
import type { WithdrawLimit } from '../core/config/config';
import { DriftError, UsageError } from '../core/errors';
import { INGEST_DEFAULTS } from '../core/ingest/pipeline';
import {
  DEFAULT_RECONCILE_DAYS,
  defaultReconcileRange,
  type DayComparison,
  type DayRange,
} from '../core/reconcile/days';
import { DRIFT_ID_CAP } from '../core/reconcile/drillDown';
import { reconcile, type ReconcileResult } from '../core/reconcile/reconcile';
import { FIRST_BUSINESS_DAY, LAST_BUSINESS_DAY, today } from '../core/time/businessDay';
import { renderRecordsTable, type Column } from '../render/formats';
import { createProgress } from '../render/progress';
import { formatWon } from '../core/money';
import { formatCount, formatDuration } from '../render/style';

export interface ReconcileCommandOptions {
  date?: string;
  from?: string;
  to?: string;
  all?: boolean;
  repair?: boolean;
  batchSize: number;
  concurrency: number;
  maxWithdraw?: WithdrawLimit;
}

export const DRIFT_COLUMNS: Column[] = [
  { key: 'day', header: 'day' },
  { key: 'mysql_rows', header: 'MySQL rows', kind: 'count' },
  { key: 'mysql_amount', header: 'MySQL won', kind: 'won' },
  { key: 'es_rows', header: 'ES rows', kind: 'count' },
  { key: 'es_amount', header: 'ES won', kind: 'won' },
  { key: 'missing', header: 'missing', kind: 'count', paint: (c, _r, s) => s.red(c) },
  { key: 'extra', header: 'extra', kind: 'count', paint: (c, _r, s) => s.red(c) },
  { key: 'changed', header: 'changed', kind: 'count', paint: (c, _r, s) => s.red(c) },
  { key: 'sample', header: 'sample ids' },
  { key: 'changed_since_checkpoint', header: 'after checkpoint', kind: 'count' },
];

const SAMPLE_IDS = 3;

/** A few ids of each kind: `missing 12, 13; extra 999999; changed 7 (+4)`. */
export function sampleIds(d: DayComparison): string {
  const part = (label: string, ids: string[], total: number): string | null =>
    total === 0
      ? null
      : `${label} ` +
        `${ids.slice(0, SAMPLE_IDS).join(', ')}${total > SAMPLE_IDS ? ` (+${formatCount(total - SAMPLE_IDS)})` : ''}`;
  return [
    part('missing', d.missing_ids, d.missing),
    part('extra', d.extra_ids, d.extra),
    part('changed', d.changed_ids, d.changed),
  ]
    .filter(Boolean)
    .join('; ');
}

/** The table of drifting days: each side's totals, what the drill-down found, a few ids. */
export function renderDrift(days: DayComparison[], ctx: Context): string {
  return renderRecordsTable(
    days.map((d) => ({ ...d, sample: sampleIds(d) })),
    DRIFT_COLUMNS,
    ctx.outStyle,
  );
}

function listDays(days: { day: string }[], max = 5): string {
  const shown = days
    .slice(0, max)
    .map((d) => d.day)
    .join(', ');
  return days.length > max ? `${shown}, … (${days.length - max} more)` : shown;
}

/** `--from A --to B` spanning these days. */
function spanArgs(days: { day: string }[]): string {
  if (days.length === 0) return '';
  const [first, last] = [days[0]!.day, days[days.length - 1]!.day];
  // Documents an earlier version let in on unsupported days (a year-100 sale) can be named by --all only.
  if (first < FIRST_BUSINESS_DAY || last > LAST_BUSINESS_DAY) return '--all';
  return `--from ${first} --to ${last}`;
}

/** Days compared by count and amount only, and the command that fingerprints their documents. */
function notFingerprintedNote(r: ReconcileResult): string | null {
  const n = r.not_fingerprinted;
  if (n.days === 0) return null;
  return (
    `${formatCount(n.days)} day(s) not fingerprinted yet (${listDays(n.list)}: ${formatCount(n.documents)} ` +
    `document(s) written before fingerprints, compared by count and amount only; \`earlypay reconcile --repair ` +
    `${spanArgs(n.list)}\` fingerprints them)`
  );
}

export function summarizeReconcile(r: ReconcileResult, ms: number): string {
  const span = r.from ? `${r.from}..${r.to}` : 'no data';
  const sides = (t: { rows: number; amount: number }): string =>
    `${formatCount(t.rows)} rows / ${formatWon(t.amount)} won`;
  const parts = [`reconcile ${span}: ${formatCount(r.days_with_data)} day(s) with data`];
  const ids = (key: 'missing' | 'extra' | 'changed'): number => r.drift.reduce((n, d) => n + d[key], 0);
  if (r.drifting_days === 0) parts.push(`in sync (MySQL and Elasticsearch: ${sides(r.mysql)})`);
  else {
    parts.push(
      `${formatCount(r.drifting_days)} day(s) ${r.repair ? 'drifted' : 'drift'}: ${formatCount(ids('missing'))} ` +
        `missing in Elasticsearch, ${formatCount(ids('extra'))} extra, ${formatCount(ids('changed'))} changed ` +
        `(MySQL ${sides(r.mysql)}, Elasticsearch ${sides(r.es)})`,
    );
  }
  if (r.repair) {
    const p = r.repair;
    parts.push(
      `repaired ${formatCount(p.ids)} id(s) on ${formatCount(p.days)} day(s): re-ingested ` +
        `${formatCount(p.rows_reingested)} rows` +
        (p.deleted ? `, deleted ${formatCount(p.deleted)} document(s) of rows gone from MySQL` : '') +
        (p.withdrawn ? `, withdrew ${formatCount(p.withdrawn)} now-invalid` : '') +
        (p.valid_again ? `, ${formatCount(p.valid_again)} valid again (out of the dead letter)` : '') +
        (p.filled ? `, fingerprinted ${formatCount(p.filled)} older document(s)` : '') +
        (p.rejected ? `, ${formatCount(p.rejected)} rejected (dead letter)` : ''),
      r.remaining_days === 0 ? 'now in sync' : `${formatCount(r.remaining_days)} day(s) still drift`,
    );
  }
  const note = notFingerprintedNote(r);
  if (note) parts.push(note);
  parts.push(formatDuration(ms));
  return parts.join(', ');
}

/** Why the exit code is 4, in one line. */
export function driftReason(r: ReconcileResult): string {
  const changed = r.remaining.reduce((n, d) => n + d.changed_since_checkpoint, 0);
  const pending = changed
    ? `; ${formatCount(changed)} of their rows changed after the last ingest's checkpoint (the next \`earlypay ` +
      `ingest\` copies them)`
    : '';
  if (r.repair) {
    const refused = r.repair.rejected
      ? `; ${formatCount(r.repair.rejected)} row(s) went to the dead letter during the repair`
      : '';
    const newer = r.repair.superseded
      ? `; ${formatCount(r.repair.superseded)} row(s) got a newer version in Elasticsearch while the repair ran`
      : '';
    return (
      `${formatCount(r.remaining_days)} day(s) still drift after the repair ` +
      `(${listDays(r.remaining)})${refused}${newer}${pending}`
    );
  }
  return (
    `${formatCount(r.remaining_days)} day(s) drift between MySQL and Elasticsearch ` +
    `(${listDays(r.remaining)})${pending}; \`earlypay reconcile --repair ${spanArgs(r.remaining)}\` rewrites exactly ` +
    `the differing ids`
  );
}

/** The day flags and --all, checked across flags where they are parsed: `explicit` is the range typed, if any. */
export type CheckedReconcileOptions = ReconcileCommandOptions & { explicit: DayRange | undefined };

export function checkReconcile(opts: ReconcileCommandOptions): CheckedReconcileOptions {
  const explicit = dayRangeOf(opts);
  if (opts.all && explicit) throw new UsageError('use either --all or --date/--from/--to, not both');
  return { ...opts, explicit };
}

export async function runReconcile(ctx: Context, opts: CheckedReconcileOptions): Promise<number> {
  const { explicit } = opts;
  const config = ctx.config();
  const range: DayRange | undefined = opts.all
    ? undefined
    : (explicit ?? defaultReconcileRange(today(config.tz, ctx.now())));
  const args = {
    from: range?.from ?? null,
    to: range?.to ?? null,
    all: Boolean(opts.all),
    repair: Boolean(opts.repair),
    batch_size: opts.batchSize,
    concurrency: opts.concurrency,
    table: config.table,
    index_prefix: config.indexPrefix,
    tz: config.tz,
  };
  // A repair holds ingest's lock too (core/reconcile/repair.ts), taken before the comparison: an ingest running exits
  // it 75 at once.
  const locks = opts.repair ? ['reconcile', 'ingest'] : ['reconcile'];
  return runJob(ctx, { command: 'reconcile', args, locks }, async (run) => {
    await checkDataZone(
      ctx,
      'comparing business days',
      `re-ingest every row in ${config.tz} first (\`earlypay ingest --full --tz ${config.tz}\`)`,
    );
    const started = Date.now();
    const schema = await checkSourceSchema(ctx, run.runId);
    const progress = createProgress(ctx.stderr, 'repair', !ctx.flags.quiet);
    let result: ReconcileResult;
    try {
      result = await reconcile(
        { ...pipelineDeps(ctx, run), onProgress: (n) => progress.update(n) },
        {
          range,
          repair: Boolean(opts.repair),
          batchSize: opts.batchSize,
          concurrency: opts.concurrency,
          source: schema.source,
          withdraw: withdrawPolicy(opts.maxWithdraw, config),
        },
      );
    } finally {
      progress.stop();
    }
    await schema.record();
    if (!ctx.flags.json && !ctx.flags.quiet) {
      if (result.drift.length) {
        ctx.stdout.write(
          `Days that drift${result.repair ? ', before the repair' : ''} (missing/extra: in Elasticsearch, against ` +
            `MySQL; after checkpoint: rows the next ingest copies anyway):\n${renderDrift(result.drift, ctx)}\n`,
        );
      }
      if (result.repair && result.remaining.length)
        ctx.stdout.write(`Still drifting after the repair:\n${renderDrift(result.remaining, ctx)}\n`);
    }
    const drifting = result.remaining_days > 0;
    return {
      counts: { ...result, schema_changes: schema.changes.map((c) => c.text) },
      summary: summarizeReconcile(result, Date.now() - started),
      attention: drifting ? new DriftError(driftReason(result)) : undefined,
    };
  });
}

export function reconcileCommand(host: CommandHost, runF: RunF<CheckedReconcileOptions> = runReconcile): Command {
  return new Command('reconcile')
    .description(
      "prove, per business day, that the sales index holds exactly MySQL's accepted rows " +
        '(count, sum of amount_sale and a fingerprint of every row); name the missing, extra and changed ids; ' +
        'exit 0 when in sync, 4 when days drift (after --repair: when drift remains)',
    )
    .option('--date <day>', 'one business day', businessDayArg)
    .option('--from <day>', 'first business day (with --to)', businessDayArg)
    .option('--to <day>', 'last business day, inclusive', businessDayArg)
    .option('--all', 'every day that has sales in MySQL or Elasticsearch')
    .option(
      '--repair',
      'rewrite exactly the differing ids from MySQL (whatever their versions), delete documents of rows deleted ' +
        'there, mark the days for daily/weekly, then compare again',
    )
    .addOption(
      new Option('--batch-size <n>', 'ids per MySQL read during a repair')
        .argParser(batchSizeArg)
        .default(INGEST_DEFAULTS.batchSize),
    )
    .addOption(
      new Option('--concurrency <n>', 'bulk requests in flight during a repair')
        .argParser(concurrencyArg)
        .default(INGEST_DEFAULTS.concurrency),
    )
    .addOption(
      new Option(
        '--max-withdraw <n|n%|all>',
        'with --repair: delete nothing and exit 1 when more sales would go (default: 1000 or 1% of the index)',
      ).argParser(withdrawLimitArg),
    )
    .addHelpText(
      'after',
      `
Without --date/--from/--to/--all: the ${DEFAULT_RECONCILE_DAYS} days ending yesterday (business time zone); today
is left out because ingest is still copying it. MySQL and Elasticsearch each aggregate, per
day, the count, the sum of amount_sale and the sum of a 32-bit fingerprint of every row (all
source columns); a day drifts when one of them differs, and only such a day is compared id by
id. --json lists every drifting day with its missing/extra/changed counts and up to ${DRIFT_ID_CAP}
ids of each. "after checkpoint" counts the day's rows modified after the ingest checkpoint,
which the next ingest copies anyway. Documents written before fingerprints existed are
reported as "not fingerprinted yet"; --repair fingerprints them. --repair holds the ingest lock.
Exit codes: 0 in sync (or repaired to sync), 4 drift remains, 1 a dependency failed,
2 usage, 75 another reconcile (or, with --repair, an ingest) runs.
${examples(
  'earlypay reconcile                                # the last 35 days, nightly from cron',
  'earlypay reconcile --from 2024-05-01 --to 2024-05-31 --repair',
  "earlypay reconcile --all --json | jq '.drift[] | {day, missing_ids, extra_ids, changed_ids}'",
)}`,
    )
    .action(async (opts: ReconcileCommandOptions, cmd: Command) => {
      const checked = checkReconcile(opts);
      await host.execute(cmd, (ctx) => runF(ctx, checked));
    });
}
