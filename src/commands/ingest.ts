/** `earlypay ingest`: copy new and changed sales MySQL -> Elasticsearch, checking each against the rules. */
import { Command, Option } from 'commander';
import { examples, type CommandHost, type RunF } from '../cmdutil/host';
import type { Context } from '../cmdutil/context';
import { pipelineDeps, runJob } from '../cmdutil/job';
import { checkSourceSchema } from '../cmdutil/sourceSchema';
import { checkDataZone } from '../cmdutil/zone';
import {
  batchSizeArg,
  concurrencyArg,
  durationArg,
  followForArg,
  pollEveryArg,
  recentDaysArg,
  withdrawLimitArg,
  withdrawPolicy,
} from '../cmdutil/parsers';
import type { WithdrawLimit } from '../core/config/config';
import { FOLLOW_DEFAULTS, runIngestRun, type FollowStats } from '../core/ingest/follow';
import { INGEST_DEFAULTS, type IngestStats } from '../core/ingest/pipeline';
import {
  DEFAULT_RECENT_DAYS,
  checkRecentDays,
  emptyRecentDays,
  type RecentDaysStats,
} from '../core/reconcile/recentDays';
import { FIRST_BUSINESS_DAY, LAST_BUSINESS_DAY, businessDayOf, parseUserTime } from '../core/time/businessDay';
import { RejectedRowsError, UsageError, quoted } from '../core/errors';
import { createProgress } from '../render/progress';
import { formatCount, formatDuration } from '../render/style';

export interface IngestCommandOptions {
  full?: boolean;
  since?: string;
  batchSize: number;
  concurrency: number;
  dryRun?: boolean;
  lag: number;
  overlap: number;
  failOnRejects?: boolean;
  follow?: boolean;
  /** --for: Infinity is `forever`. */
  for?: number;
  every?: number;
  recentDays?: number;
  maxWithdraw?: WithdrawLimit;
}

export function summarizeIngest(
  s: IngestStats,
  ms: number,
  follow: FollowStats | null = null,
  recent: RecentDaysStats | null = null,
): string {
  const rules = Object.entries(s.by_rule)
    .map(([r, n]) => `${r} ${formatCount(n!)}`)
    .join(', ');
  const parts = [
    `ingest (${s.mode}${s.dry_run ? ', dry run: nothing written' : ''}): read ${formatCount(s.read)} rows`,
    `${s.dry_run ? 'would index' : 'indexed'} ${formatCount(s.dry_run ? s.accepted - s.unchanged : s.indexed)}`,
    s.unchanged ? `${formatCount(s.unchanged)} unchanged (not rewritten)` : '',
    s.superseded ? `${formatCount(s.superseded)} already newer in ES` : '',
    `rejected ${formatCount(s.rejected)}${s.rejected ? ` (dead letter, ${formatCount(s.rejected_new)} new)` : ''}`,
    s.withdrawn ? `${formatCount(s.withdrawn)} previously accepted row(s) now invalid: removed from ES` : '',
    s.valid_again ? `${formatCount(s.valid_again)} previously rejected row(s) valid again: out of the dead letter` : '',
    s.future
      ? `${formatCount(s.future)} row(s) modified after now (clock skew?), read; the checkpoint stays before them`
      : '',
    `flagged ${formatCount(s.flagged)}${rules ? ` (${rules})` : ''}`,
    s.repeated_amount ? `REPEATED_AMOUNT ranked: ${formatCount(s.repeated_amount.flagged)} flagged` : '',
    `${formatCount(s.days_changed)} day(s) changed`,
    follow ? summarizeFollow(follow) : '',
    recent?.checks ? summarizeRecentDays(recent) : '',
    s.checkpoint
      ? `checkpoint ${s.checkpoint.modified} #${s.checkpoint.id}${s.checkpoint_advanced ? '' : ' (unchanged)'}`
      : 'no checkpoint',
    formatDuration(ms),
  ];
  return parts.filter(Boolean).join(', ');
}

/** `followed 55s: 54 polls (50 idle), 1 sweep, 120 rows, commit to write p50 1.2s p95 2.1s max 2.4s`. */
function summarizeFollow(f: FollowStats): string {
  const d = f.delay;
  return (
    `followed ${f.for_ms === null ? 'until stopped' : formatDuration(f.for_ms)}: ${formatCount(f.polls)} polls ` +
    `(${formatCount(f.idle_polls)} idle), ${formatCount(f.sweeps)} sweep(s), ${formatCount(f.rows)} rows` +
    (d
      ? `, commit to write p50 ${formatDuration(d.p50_ms)} p95 ${formatDuration(d.p95_ms)} ` +
        `max ${formatDuration(d.max_ms)}`
      : '')
  );
}

/** `recent days 2024-05-01..2024-05-02: 2 check(s) in 310ms, 1 drifted, 3 id(s) repaired (1 deleted)`. */
function summarizeRecentDays(r: RecentDaysStats): string {
  const drift = r.drifting_days
    ? `${formatCount(r.drifting_days)} day(s) drifted, ${formatCount(r.repaired_ids)} id(s) repaired` +
      (r.deleted ? ` (${formatCount(r.deleted)} deleted)` : '') +
      (r.remaining_days ? `, ${formatCount(r.remaining_days)} day(s) still drift` : '')
    : 'in sync';
  return `recent days ${r.from}..${r.to}: ${formatCount(r.checks)} check(s) in ${formatDuration(r.ms)}, ${drift}`;
}

/**
 * The checks across ingest's flags, where they are parsed (--since itself is read in the source's time zone, at run
 * time).
 */
export function checkIngest(opts: IngestCommandOptions): IngestCommandOptions {
  // `--since ''` (an unset shell variable) must not quietly mean "from the checkpoint".
  if (opts.since !== undefined && opts.since.trim() === '')
    throw new UsageError('--since is empty', 'give a time, e.g. --since 2024-05-01, or leave --since out');
  if (opts.full && opts.since) throw new UsageError('use either --full or --since, not both');
  if (!opts.follow && (opts.for !== undefined || opts.every !== undefined))
    throw new UsageError(`--${opts.for !== undefined ? 'for' : 'every'} goes with --follow`);
  if (opts.follow && (opts.full || opts.since || opts.dryRun))
    throw new UsageError(
      `--follow reads from the checkpoint and writes; it does not go with ${
        opts.full ? '--full' : opts.since ? '--since' : '--dry-run'
      }`,
      'run that once without --follow',
    );
  return opts;
}

export async function runIngest(ctx: Context, opts: IngestCommandOptions): Promise<number> {
  const config = ctx.config();
  let since: Date | undefined;
  if (opts.since) {
    const parsed = parseUserTime(opts.since, config.sourceTz);
    if (!parsed)
      throw new UsageError(
        `--since ${quoted(opts.since)} is not a time`,
        'use ISO 8601, e.g. 2024-05-01T00:00:00+09:00 or 2024-05-01',
      );
    const day = businessDayOf(parsed, config.sourceTz);
    if (day < FIRST_BUSINESS_DAY || day > LAST_BUSINESS_DAY) {
      throw new UsageError(
        `--since ${opts.since} is outside the supported days ${FIRST_BUSINESS_DAY}..${LAST_BUSINESS_DAY}`,
        'use --full to read the whole table',
      );
    }
    since = parsed;
  }
  const args = {
    full: Boolean(opts.full),
    since: opts.since ?? null,
    batch_size: opts.batchSize,
    concurrency: opts.concurrency,
    dry_run: Boolean(opts.dryRun),
    lag_ms: opts.lag,
    overlap_ms: opts.overlap,
    follow: Boolean(opts.follow),
    // null: until SIGINT/SIGTERM (`--for forever`)
    for_ms: opts.follow
      ? opts.for === undefined
        ? FOLLOW_DEFAULTS.forMs
        : Number.isFinite(opts.for)
          ? opts.for
          : null
      : null,
    every_ms: opts.follow ? (opts.every ?? FOLLOW_DEFAULTS.everyMs) : null,
    recent_days: opts.recentDays ?? config.recentDays ?? DEFAULT_RECENT_DAYS,
    table: config.table,
    index_prefix: config.indexPrefix,
  };
  const job = {
    command: 'ingest',
    args,
    locks: ['ingest'],
    dryRun: Boolean(opts.dryRun),
    stopsAtSafePoint: true,
    rerun: 'resume from the checkpoint (it covers only rows already in Elasticsearch)',
  };
  return runJob(ctx, job, async (run) => {
    // --full rewrites every row in this zone; a dry run writes nothing.
    if (!opts.full && !opts.dryRun)
      await checkDataZone(
        ctx,
        'an incremental ingest',
        `move every row to ${config.tz} with \`earlypay ingest --full\``,
      );
    const started = Date.now();
    const schema = await checkSourceSchema(ctx, run.runId);
    const progress = createProgress(ctx.stderr, 'ingest', !ctx.flags.quiet);
    let stats: IngestStats;
    let follow: FollowStats | null;
    const deps = { ...pipelineDeps(ctx, run), signal: run.signal };
    const recent = emptyRecentDays(args.recent_days);
    const withdraw = withdrawPolicy(opts.maxWithdraw, config);
    // The net repairs as `reconcile --repair` does, under the same mass-withdrawal guard.
    const net = (): Promise<void> =>
      checkRecentDays(
        deps,
        { batchSize: opts.batchSize, concurrency: opts.concurrency, source: schema.source, withdraw },
        recent,
      );
    try {
      ({ stats, follow } = await runIngestRun(
        {
          ...deps,
          // A follow's progress is its summary: no bar redrawn every poll.
          onProgress: opts.follow ? undefined : (p) => progress.update(p.read, p.total),
          countTotal: Boolean(ctx.stderr.isTTY) && !ctx.flags.quiet && !opts.follow,
        },
        {
          ...INGEST_DEFAULTS,
          full: Boolean(opts.full),
          since,
          batchSize: opts.batchSize,
          concurrency: opts.concurrency,
          dryRun: Boolean(opts.dryRun),
          lagMs: opts.lag,
          overlapMs: opts.overlap,
          source: schema.source,
          withdraw,
        },
        opts.follow ? { forMs: args.for_ms, everyMs: args.every_ms! } : null,
        // --since and --full re-read on purpose, and a dry run writes nothing: the net is for the runs from cron.
        opts.full || opts.since || opts.dryRun ? undefined : net,
      ));
    } finally {
      progress.stop();
    }
    if (!opts.dryRun) await schema.record();
    // Rows rejected as they were by an earlier run were reported then: a cron line with
    // --fail-on-rejects says 3 once per new or changed rejection, not at every run after it.
    const failRejects = Boolean(opts.failOnRejects) && stats.rejected_new > 0;
    return {
      counts: { ...stats, schema_changes: schema.changes.map((c) => c.text), follow, recent_days: recent },
      summary: summarizeIngest(stats, Date.now() - started, follow, recent),
      attention: failRejects
        ? new RejectedRowsError(
            `${formatCount(stats.rejected_new)} row(s) were rejected (--fail-on-rejects)${
              stats.rejected > stats.rejected_new
                ? `; ${formatCount(stats.rejected - stats.rejected_new)} more as an earlier run did`
                : ''
            }`,
            `see the ${ctx.names().deadletter} index (\`earlypay doctor\` shows how)`,
          )
        : undefined,
    };
  });
}

export function ingestCommand(host: CommandHost, runF: RunF<IngestCommandOptions> = runIngest): Command {
  return new Command('ingest')
    .description('copy new and changed sales from MySQL into Elasticsearch, checking each against the anomaly rules')
    .option('--full', 'read the whole table, not just rows changed since the checkpoint')
    .option('--since <time>', 'read rows modified since this time (ISO 8601 or YYYY-MM-DD, source time zone)')
    .addOption(
      new Option('--batch-size <n>', 'rows per MySQL read').argParser(batchSizeArg).default(INGEST_DEFAULTS.batchSize),
    )
    .addOption(
      new Option('--concurrency <n>', 'bulk requests in flight')
        .argParser(concurrencyArg)
        .default(INGEST_DEFAULTS.concurrency),
    )
    .addOption(
      new Option('--lag <duration>', 'leave rows modified this recently for the next run')
        .argParser(durationArg)
        .default(INGEST_DEFAULTS.lagMs, '2m'),
    )
    .addOption(
      new Option('--overlap <duration>', 're-read this much before the checkpoint to catch late commits')
        .argParser(durationArg)
        .default(INGEST_DEFAULTS.overlapMs, '10m'),
    )
    .option('--follow', 'keep polling the source for new rows (near real time): one run, one lock')
    .addOption(
      new Option('--for <duration>', 'with --follow: how long to follow, or "forever" (until SIGINT/SIGTERM)')
        .argParser(followForArg)
        .default(undefined, '55s'),
    )
    .addOption(
      new Option('--every <duration>', 'with --follow: the pause between two polls')
        .argParser(pollEveryArg)
        .default(undefined, '1s'),
    )
    .addOption(
      new Option(
        '--recent-days <n>',
        'reconcile and repair this many business days, today included, after reading (0: off; config recentDays)',
      )
        .argParser(recentDaysArg)
        .default(undefined, String(DEFAULT_RECENT_DAYS)),
    )
    .option('--dry-run', 'read, validate and check rules, but write nothing')
    .option('--fail-on-rejects', 'exit 3 when a row was rejected that no earlier run rejected as it is')
    .addOption(
      new Option(
        '--max-withdraw <n|n%|all>',
        'withdraw nothing and exit 1 when the run would withdraw more sales (default: 1000 or 1% of the index)',
      ).argParser(withdrawLimitArg),
    )
    .addHelpText(
      'after',
      examples(
        'earlypay ingest                      # from cron: rows changed since the last run',
        'earlypay ingest --follow             # every minute from cron: new rows within about a second',
        'earlypay ingest --follow --for forever   # under systemd, until stopped',
        'earlypay ingest --full --concurrency 4',
        'earlypay ingest --since 2024-05-01 --dry-run --json',
      ),
    )
    .action(async (opts: IngestCommandOptions, cmd: Command) => {
      const checked = checkIngest(opts);
      await host.execute(cmd, (ctx) => runF(ctx, checked));
    });
}
