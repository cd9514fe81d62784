/**
 * `npm run sample -- …`: the dev/demo tool that fills MySQL with deterministic sample sales.
 * Not an earlypay subcommand: operators never need it, the demo, tests and benchmarks do.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { examples } from '../cmdutil/host';
import { businessDayArg, positiveIntArg } from '../cmdutil/parsers';
import { redactSecrets, resolveConfig, type Config } from '../core/config/config';
import { ExitCode, UsageError, describeFailure, redactUrl } from '../core/errors';
import { failureOf, writeFailure } from '../cmdutil/failure';
import { createProgress } from '../render/progress';
import { formatCount, formatDuration, type Stream } from '../render/style';
import { SAMPLE_DEFAULTS, SampleTally, generateSales, type SampleOptions } from './generate';
import { loadSample } from './load';

export interface SampleCommandOptions {
  sample: SampleOptions;
  /** Generate and count only; nothing is written. */
  dryRun: boolean;
  truncate: boolean;
  batchSize: number;
  concurrency: number;
  table: string;
  config: Pick<Config, 'mysqlUrl' | 'mysqlPassword'>;
  stderr: Stream;
}

interface SampleFlags {
  rows: number;
  days: number;
  stores: number;
  seed: number;
  startDate: string;
  sourceTz?: string;
  rejectRate: number;
  anomalyRate: number;
  firstId: number;
  truncate?: boolean;
  dryRun?: boolean;
  mysqlUrl?: string;
  table?: string;
  config?: string;
  batchSize: number;
  concurrency: number;
}

function wholeArg(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new InvalidArgumentError(`"${value}" is not a whole number ≥ 0`);
  return Number(value);
}

function rateArg(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0 && n <= 0.5))
    throw new InvalidArgumentError(`"${value}" is not a rate between 0 and 0.5, e.g. 0.002`);
  return n;
}

export function sampleProgram(): Command {
  const d = SAMPLE_DEFAULTS;
  return new Command('sample')
    .description(
      'Load deterministic sample platform_sales rows (normal sales, dirty rows of every reject kind, every anomaly ' +
        'rule) into MySQL.',
    )
    .option('--rows <n>', 'rows to generate', wholeArg, d.rows)
    .option('--days <n>', 'business days covered, from --start-date', positiveIntArg, d.days)
    .option('--stores <n>', 'number of stores (store_id 1…n)', positiveIntArg, d.stores)
    .option('--seed <n>', 'random seed: the same flags give the same rows', wholeArg, d.seed)
    .option('--start-date <YYYY-MM-DD>', 'first business day (KST)', businessDayArg, d.startDate)
    .option(
      '--source-tz <zone>',
      'zone the DATETIME columns are written in (env EARLYPAY_SOURCE_TZ; default Asia/Seoul)',
    )
    .option('--reject-rate <r>', 'share of dirty rows the product must reject', rateArg, d.rejectRate)
    .option('--anomaly-rate <r>', 'share of sales built to trip an anomaly rule', rateArg, d.anomalyRate)
    .option('--first-id <n>', 'id of the first row (ids are sequential)', positiveIntArg, d.firstId)
    .option('--truncate', 'empty the table first')
    .option('--dry-run', 'generate and count only, write nothing')
    .option(
      '--mysql-url <url>',
      'MySQL URL; the database is created if missing (env MYSQL_URL; default mysql://root@127.0.0.1:3306/earlypay)',
    )
    .option('--table <name>', 'source table (env EARLYPAY_TABLE; default platform_sales)')
    .option(
      '--config <file>',
      'earlypay JSON config file (env EARLYPAY_CONFIG) for the MySQL URL, table and source zone',
    )
    .option('--batch-size <n>', 'rows per INSERT', positiveIntArg, 2_000)
    .option('--concurrency <n>', 'connections inserting in parallel', positiveIntArg, 2)
    .addHelpText(
      'after',
      examples(
        'npm run sample -- --rows 100000 --days 60 --stores 50 --seed 42 --truncate',
        'npm run sample -- --rows 1000000 --truncate --mysql-url mysql://root@127.0.0.1:3306/bench',
        'npm run sample -- --rows 5000 --first-id 100001 --start-date 2024-05-31 --days 1   # append late rows',
        'npm run sample -- --rows 1000000 --dry-run',
      ),
    );
}

/** Turns parsed flags and the environment into the command's options. */
export function sampleOptionsFrom(flags: SampleFlags, env: NodeJS.ProcessEnv, stderr: Stream): SampleCommandOptions {
  const config = resolveConfig({ mysqlUrl: flags.mysqlUrl, config: flags.config }, env);
  return {
    sample: {
      rows: flags.rows,
      days: flags.days,
      stores: flags.stores,
      seed: flags.seed,
      startDate: flags.startDate,
      sourceTz: flags.sourceTz ?? config.sourceTz,
      rejectRate: flags.rejectRate,
      anomalyRate: flags.anomalyRate,
      firstId: flags.firstId,
    },
    dryRun: flags.dryRun ?? false,
    truncate: flags.truncate ?? false,
    batchSize: flags.batchSize,
    concurrency: flags.concurrency,
    table: flags.table ?? config.table,
    config,
    stderr,
  };
}

/** Generates (and unless --dry-run loads) the sample; prints one summary line on stderr. */
export async function runSample(opts: SampleCommandOptions): Promise<number> {
  const started = Date.now();
  const progress = createProgress(opts.stderr, 'sample', true);
  let tally: SampleTally;
  let where: string;
  try {
    if (opts.dryRun) {
      tally = new SampleTally();
      for (const sale of generateSales(opts.sample)) {
        tally.add(sale);
        if (tally.rows % 10_000 === 0) progress.update(tally.rows, opts.sample.rows);
      }
      where = 'generated (dry run, nothing written)';
    } else {
      const result = await loadSample(opts.config, opts.sample, {
        table: opts.table,
        truncate: opts.truncate,
        batchSize: opts.batchSize,
        concurrency: opts.concurrency,
        onProgress: (t) => progress.update(t.rows, opts.sample.rows),
      });
      tally = result.tally;
      where = `into ${result.database}.${result.table}`;
    }
  } finally {
    progress.stop();
  }
  opts.stderr.write(`${summaryLine(tally, where, opts.sample, Date.now() - started)}\n`);
  return ExitCode.ok;
}

export function summaryLine(tally: SampleTally, where: string, sample: SampleOptions, ms: number): string {
  const counts = (m: Map<string, number>): string => [...m].map(([k, n]) => `${k} ${formatCount(n)}`).join(', ');
  const rate = Math.round(tally.rows / Math.max(ms / 1000, 0.001));
  return (
    `sample: ${formatCount(tally.rows)} rows ${where} in ${formatDuration(ms)} (${formatCount(rate)} rows/s)` +
    ` | ${formatCount(tally.accepted)} accepted by construction, ${formatCount(tally.canceled)} canceled, ` +
    `${formatCount(tally.nightSales)} night sales` +
    ` | ${formatCount(tally.rejected)} rejects (${counts(tally.rejects)})` +
    ` | ${formatCount(tally.anomalous)} injected anomalies (${counts(tally.anomalies)})` +
    ` | seed ${sample.seed}, ${sample.stores} stores, ${sample.days} days from ${sample.startDate}, ids ` +
    `${sample.firstId}–${sample.firstId + sample.rows - 1}`
  );
}

const USAGE_HINT = 'see `npm run sample -- --help`';

export interface SampleIO {
  stdout?: Stream;
  stderr?: Stream;
  env?: NodeJS.ProcessEnv;
}

/** Runs the tool; returns the exit code (0 done, 1 MySQL failed, 2 bad flags). Never throws. */
export async function main(argv: string[], io: SampleIO = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  const program = sampleProgram()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void stdout.write(s),
      writeErr: (s) => void stderr.write(s),
      outputError: () => undefined,
    });
  let config: Pick<Config, 'mysqlUrl' | 'mysqlPassword' | 'esAuth'> | undefined;
  try {
    program.parse(argv);
    const opts = sampleOptionsFrom(program.opts<SampleFlags>(), env, stderr);
    config = { ...opts.config, esAuth: undefined };
    return await runSample(opts);
  } catch (thrown) {
    let err: unknown = thrown;
    if (thrown instanceof CommanderError) {
      if (
        thrown.code === 'commander.helpDisplayed' ||
        thrown.code === 'commander.help' ||
        thrown.code === 'commander.version'
      )
        return ExitCode.ok;
      err = new UsageError(thrown.message.replace(/^error: /, ''), USAGE_HINT);
    }
    const clean = redactSecrets;
    // A failure that is not ours is MySQL's here: say which one, no earlypay job hint.
    const at = config ? ` (MySQL ${redactUrl(config.mysqlUrl)})` : '';
    const failure = failureOf(err, {
      clean,
      usageHint: USAGE_HINT,
      explain: (e) => ({ message: `${describeFailure(e)}${at}` }),
    });
    writeFailure(stderr, 'sample', failure);
    return failure.exitCode;
  }
}

if (require.main === module) {
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
