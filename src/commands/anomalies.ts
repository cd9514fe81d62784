/**
 * `earlypay anomalies [list] | resolve | rules | scan` (docs/contract.md §6): the operator's view of
 * flagged sales. `list` is the default subcommand.
 */
import { Command, Option } from 'commander';
import { examples, outputTarget, type CommandHost, type OutputTarget, type RunF } from '../cmdutil/host';
import type { Context } from '../cmdutil/context';
import { runJob } from '../cmdutil/job';
import { businessDayArg, dayRangeOf } from '../cmdutil/parsers';
import { addListingOptions, checkListingOptions, runListing, type ListingOptions } from '../cmdutil/listing';
import { chooseFormat } from '../cmdutil/output';
import { ExitCode, RunFailedError, UsageError, quoted } from '../core/errors';
import { anomalyId, describeRules } from '../core/rules/rules';
import {
  ANOMALY_FIELDS,
  ANOMALY_STATUSES,
  buildAnomalySearch,
  parseAnomalyId,
  parseRules,
  parseStatus,
} from '../core/search/anomalyQuery';
import { parseFields, parseStoreIds } from '../core/search/salesQuery';
import { resolveAnomalies } from '../core/anomalies/resolve';
import { scanAnomalies, type ScanResult } from '../core/anomalies/scan';
import { createRecordWriter, OUTPUT_FORMATS, type Column, type OutputFormat } from '../render/formats';
import { createProgress } from '../render/progress';
import { formatCount, formatDuration } from '../render/style';

// --- list ----------------------------------------------------------------------------------

export interface AnomaliesListOptions extends Omit<ListingOptions, 'sort'> {
  rule?: string;
  store?: string;
  from?: string;
  to?: string;
  status?: string;
}

export const ANOMALY_TABLE_COLUMNS: Column[] = [
  { key: 'id', header: 'id' },
  { key: 'sold_at', header: 'sold at', kind: 'time' },
  { key: 'store_id', header: 'store' },
  {
    key: 'rule',
    header: 'rule',
    paint: (c, r, s) => (r.severity === 'high' ? s.red(c) : r.severity === 'medium' ? s.yellow(c) : c),
  },
  { key: 'amount_sale', header: 'amount (won)', kind: 'won' },
  { key: 'status', header: 'status', paint: (c, _r, s) => (c === 'resolved' ? s.green(c) : c) },
  { key: 'reason', header: 'reason', width: 64 },
];

export type CheckedAnomaliesListOptions = AnomaliesListOptions & { format: OutputFormat };

export function checkAnomaliesList(opts: AnomaliesListOptions, out: OutputTarget): CheckedAnomaliesListOptions {
  dayRangeOf({ from: opts.from, to: opts.to }, 'either');
  return checkListingOptions(opts, out);
}

export async function runAnomaliesList(ctx: Context, opts: CheckedAnomaliesListOptions): Promise<number> {
  const plan = buildAnomalySearch({
    rules: opts.rule !== undefined ? parseRules(opts.rule) : undefined,
    stores: opts.store !== undefined ? parseStoreIds(opts.store) : undefined,
    from: opts.from,
    to: opts.to,
    status: opts.status !== undefined ? parseStatus(opts.status) : 'open',
    fields: opts.fields !== undefined ? parseFields(opts.fields, ANOMALY_FIELDS) : undefined,
  });
  const status = opts.status ?? 'open';
  return runListing(ctx, opts, {
    noun: status === 'all' ? 'anomalies' : `${status} anomalies`,
    index: ctx.names().anomalies,
    plan,
    tableColumns: ANOMALY_TABLE_COLUMNS,
    order: 'newest sale first',
    toRecord: (hit) => ({ id: hit._id, ...(hit._source ?? {}) }),
  });
}

// --- resolve -------------------------------------------------------------------------------

export interface AnomaliesResolveOptions {
  note: string;
  force?: boolean;
}

/** `anomalies resolve` with its ids: checked (the note says something, every id is one) where they are parsed. */
export type CheckedResolveOptions = AnomaliesResolveOptions & { ids: string[] };

export function checkAnomaliesResolve(ids: string[], opts: AnomaliesResolveOptions): CheckedResolveOptions {
  if (opts.note.trim() === '')
    throw new UsageError('--note is empty', 'say why, e.g. --note "confirmed with the store: catering order"');
  const malformed = ids.filter((id) => !parseAnomalyId(id));
  if (malformed.length) {
    throw new UsageError(
      `not an anomaly id: ${malformed
        .slice(0, 5)
        .map((m) => quoted(m))
        .join(', ')}${malformed.length > 5 ? ` (+${malformed.length - 5} more)` : ''}`,
      'ids look like <sale_id>:<RULE>, e.g. 1234567:OVER_WEEKLY_AOV (see the id column of `earlypay anomalies`)',
    );
  }
  return {
    ...opts,
    ids: ids.map((id) => {
      const { saleId, rule } = parseAnomalyId(id)!;
      return anomalyId(saleId, rule);
    }),
  };
}

export async function runAnomaliesResolve(ctx: Context, opts: CheckedResolveOptions): Promise<number> {
  const { ids } = opts;
  const result = await resolveAnomalies(
    ctx.es(),
    ctx.names().anomalies,
    ids,
    opts.note,
    ctx.now(),
    Boolean(opts.force),
  );
  if (!ctx.flags.json && !ctx.flags.quiet) {
    const parts = [
      `resolved ${formatCount(result.resolved.length)} anomal${result.resolved.length === 1 ? 'y' : 'ies'}`,
    ];
    if (result.re_resolved.length)
      parts.push(`${formatCount(result.re_resolved.length)} already resolved (note replaced, --force)`);
    if (result.unknown.length) parts.push(`${formatCount(result.unknown.length)} not found`);
    ctx.stdout.write(`anomalies resolve: ${parts.join(', ')}\n`);
  }
  if (result.unknown.length) {
    const failure = new RunFailedError(
      `no such anomal${result.unknown.length === 1 ? 'y' : 'ies'}: ${result.unknown.join(', ')}`,
      'a scan removes anomalies whose rule no longer fires; list them with `earlypay anomalies --status all`',
    );
    failure.details = { ...result };
    throw failure;
  }
  if (ctx.flags.json)
    ctx.stdout.write(
      `${JSON.stringify({ command: 'anomalies resolve', status: 'ok', exit_code: ExitCode.ok, ...result })}\n`,
    );
  return ExitCode.ok;
}

// --- rules ---------------------------------------------------------------------------------

export function checkAnomaliesRules(opts: { format?: OutputFormat }, out: OutputTarget): { format: OutputFormat } {
  return { format: chooseFormat(opts.format, out.json, out.stdout) };
}

export async function runAnomaliesRules(ctx: Context, opts: { format: OutputFormat }): Promise<number> {
  const format = opts.format;
  const rules = describeRules(ctx.config().rules);
  const columns: Column[] = [
    { key: 'rule', header: 'rule' },
    { key: 'severity', header: 'severity' },
    { key: 'thresholds', header: 'thresholds in force' },
    { key: 'description', header: 'fires when', width: 70 },
  ];
  const writer = createRecordWriter(format, { stream: ctx.stdout, columns, style: ctx.outStyle });
  for (const r of rules) {
    const thresholds =
      format === 'table'
        ? Object.entries(r.thresholds)
            .map(([k, v]) => `${k} = ${v}`)
            .join('\n') || '—'
        : r.thresholds;
    await writer.write({ rule: r.id, severity: r.severity, thresholds, description: r.description });
  }
  await writer.end();
  return ExitCode.ok;
}

// --- scan ----------------------------------------------------------------------------------

export interface AnomaliesScanOptions {
  from: string;
  to: string;
}

export function summarizeScan(r: ScanResult, ms: number): string {
  const rules = Object.entries(r.by_rule)
    .map(([k, n]) => `${k} ${formatCount(n)}`)
    .join(', ');
  const superseded = r.sales_superseded
    ? ` (${formatCount(r.sales_superseded)} changed by a newer ingest, left to it)`
    : '';
  return [
    `anomalies scan ${r.from}..${r.to}: checked ${formatCount(r.sales_checked)} sales`,
    `anomalies created ${formatCount(r.anomalies_created + r.repeated_amount.newlyFlagged)}, updated ` +
      `${formatCount(r.anomalies_updated)}, removed ` +
      `${formatCount(r.anomalies_removed + r.repeated_amount.unflagged + r.orphans_removed)}`,
    `${formatCount(r.resolved_kept)} resolution(s) kept`,
    `sales updated ${formatCount(r.sales_updated)}${superseded}`,
    rules ? `now flagged: ${rules}` : 'nothing flagged',
    formatDuration(ms),
  ].join(', ');
}

export function checkAnomaliesScan(opts: AnomaliesScanOptions): AnomaliesScanOptions {
  dayRangeOf(opts);
  return opts;
}

export async function runAnomaliesScan(ctx: Context, opts: AnomaliesScanOptions): Promise<number> {
  const config = ctx.config();
  const args = { from: opts.from, to: opts.to, index_prefix: config.indexPrefix, rules: config.rules };
  return runJob(ctx, { command: 'anomalies scan', args, locks: ['anomalies-scan'] }, async () => {
    const started = Date.now();
    const progress = createProgress(ctx.stderr, 'scan', !ctx.flags.quiet);
    let result: ScanResult;
    try {
      result = await scanAnomalies(
        {
          client: ctx.es(),
          names: ctx.names(),
          thresholds: config.rules,
          now: ctx.now,
          onProgress: (n) => progress.update(n),
        },
        opts.from,
        opts.to,
      );
    } finally {
      progress.stop();
    }
    return { counts: { ...result }, summary: summarizeScan(result, Date.now() - started) };
  });
}

// --- commander -----------------------------------------------------------------------------

export function anomaliesListCommand(
  host: CommandHost,
  runF: RunF<CheckedAnomaliesListOptions> = runAnomaliesList,
): Command {
  const cmd = new Command('list')
    .description('flagged sales, newest first (open ones unless --status)')
    .option('--rule <rules>', 'rule id(s), comma-separated (see `earlypay anomalies rules`)')
    .option('--store <ids>', 'store id, or several comma-separated')
    .option('--from <day>', 'first business day of the sale', businessDayArg)
    .option('--to <day>', 'last business day (inclusive)', businessDayArg)
    .option('--status <status>', `${ANOMALY_STATUSES.join(' | ')} (default open)`);
  // Always newest sale first: no --sort.
  addListingOptions(cmd, null, `columns: ${ANOMALY_FIELDS.join(', ')}`);
  return cmd
    .addHelpText(
      'after',
      examples(
        'earlypay anomalies',
        'earlypay anomalies --rule OVER_WEEKLY_AOV --store 50 --from 2024-05-01 --to 2024-05-31',
        'earlypay anomalies list --status all --all --format csv > anomalies.csv',
      ),
    )
    .action(async (opts: AnomaliesListOptions, c: Command) => {
      const checked = checkAnomaliesList(opts, outputTarget(host, c));
      await host.execute(c, (ctx) => runF(ctx, checked));
    });
}

export function anomaliesResolveCommand(
  host: CommandHost,
  runF: RunF<CheckedResolveOptions> = runAnomaliesResolve,
): Command {
  return new Command('resolve')
    .description(
      'mark anomalies as resolved with a note; exits 1 if some ids do not exist (the others are still resolved)',
    )
    .argument('<id...>', 'anomaly ids: <sale_id>:<RULE>')
    .requiredOption('--note <text>', 'why it is fine (kept while the rule still fires)')
    .option('--force', 'also replace the note of anomalies that are resolved already (refused without it)')
    .addHelpText(
      'after',
      examples(
        'earlypay anomalies resolve 1234567:OVER_WEEKLY_AOV --note "catering order, confirmed by phone"',
        'earlypay anomalies --rule FEE_RATE_OUT_OF_RANGE --store 50 --all --fields id --format csv | tail -n +2 | ' +
          'xargs earlypay anomalies resolve --note "fee promo in May"',
      ),
    )
    .action(async (ids: string[], opts: AnomaliesResolveOptions, c: Command) => {
      const checked = checkAnomaliesResolve(ids, opts);
      await host.execute(c, (ctx) => runF(ctx, checked));
    });
}

export function anomaliesRulesCommand(
  host: CommandHost,
  runF: RunF<{ format: OutputFormat }> = runAnomaliesRules,
): Command {
  return new Command('rules')
    .description('the anomaly rules with the thresholds in force (config file "rules")')
    .addOption(
      new Option(
        '--format <format>',
        'table | json | ndjson | csv (default: table on a terminal, ndjson otherwise)',
      ).choices([...OUTPUT_FORMATS]),
    )
    .addHelpText(
      'after',
      examples(
        'earlypay anomalies rules',
        'earlypay anomalies rules --format json',
        'earlypay --config prod.json anomalies rules',
      ),
    )
    .action(async (opts: { format?: OutputFormat }, c: Command) => {
      const checked = checkAnomaliesRules(opts, outputTarget(host, c));
      await host.execute(c, (ctx) => runF(ctx, checked));
    });
}

export function anomaliesScanCommand(host: CommandHost, runF: RunF<AnomaliesScanOptions> = runAnomaliesScan): Command {
  return new Command('scan')
    .description(
      're-evaluate every rule over the sales in Elasticsearch for these business days, with the baselines that exist ' +
        'now; removes stale anomalies, keeps resolutions',
    )
    .requiredOption('--from <day>', 'first business day', businessDayArg)
    .requiredOption('--to <day>', 'last business day (inclusive)', businessDayArg)
    .addHelpText(
      'after',
      examples(
        'earlypay anomalies scan --from 2024-05-01 --to 2024-05-31',
        'earlypay weekly --from 2024-04-24 --to 2024-05-30 && earlypay anomalies scan --from 2024-05-01 --to ' +
          '2024-05-31 --json',
      ),
    )
    .action(async (opts: AnomaliesScanOptions, c: Command) => {
      const checked = checkAnomaliesScan(opts);
      await host.execute(c, (ctx) => runF(ctx, checked));
    });
}

export function anomaliesCommand(host: CommandHost): Command {
  return new Command('anomalies')
    .description('list, resolve and re-scan flagged sales; show the rules (`list` is the default)')
    .addCommand(anomaliesListCommand(host), { isDefault: true })
    .addCommand(anomaliesResolveCommand(host))
    .addCommand(anomaliesRulesCommand(host))
    .addCommand(anomaliesScanCommand(host))
    .addHelpText(
      'after',
      examples(
        'earlypay anomalies                          # open anomalies, newest first',
        'earlypay anomalies rules',
        'earlypay anomalies resolve 1234567:OVER_WEEKLY_AOV --note "confirmed"',
        'earlypay anomalies scan --from 2024-05-01 --to 2024-05-07',
      ),
    );
}
