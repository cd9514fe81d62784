/**
 * The earlypay command line. This file owns two things: which commands exist, and how every
 * kind of failure becomes one line on stderr and one exit code (SPEC §6).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { errors as esErrors } from '@elastic/elasticsearch';
import { EarlypayError, ExitCode, UsageError, describeFailure } from './core/errors';
import { resolveConfig, redactSecrets, redactUrl, type Config } from './core/config/config';
import { createHost, examples, type CommandHost } from './commands/host';
import type { Stream } from './render/style';
import { setupCommand } from './commands/setup';
import { doctorCommand } from './commands/doctor';
import { ingestCommand } from './commands/ingest';
import { dailyCommand } from './commands/daily';
import { weeklyCommand } from './commands/weekly';
import { searchCommand } from './commands/search';
import { anomaliesCommand } from './commands/anomalies';
import { reconcileCommand } from './commands/reconcile';
import { guardProcess } from './commands/signals';

export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function buildProgram(host: CommandHost): Command {
  const program = new Command('earlypay')
    .description('Card-sales settlement toolkit: MySQL platform_sales -> Elasticsearch, average order value (객단가), anomalies, search.')
    .version(host.version, '-V, --version')
    .option('--es-url <url>', 'Elasticsearch URL (env ES_URL; default http://127.0.0.1:9200)')
    .option('--mysql-url <url>', 'MySQL URL (env MYSQL_URL; default mysql://root@127.0.0.1:3306/earlypay)')
    .option('--index-prefix <prefix>', 'prefix of every index name (env EARLYPAY_INDEX_PREFIX; default earlypay)')
    .option('--tz <zone>', 'business time zone for day boundaries (env EARLYPAY_TZ; default Asia/Seoul)')
    .option('--config <file>', 'JSON config file (env EARLYPAY_CONFIG); flags > env > file > defaults')
    .option('--json', 'machine-readable result on stdout')
    .option('-q, --quiet', 'print nothing but errors (and --json output)')
    .option('-v, --verbose', 'more detail on stderr')
    .addOption(new Option('--no-color', 'no colours (also NO_COLOR)'))
    .showHelpAfterError(false)
    .addHelpText(
      'after',
      examples(
        'earlypay setup                                   # once: indices (and --kibana-url dashboards)',
        'earlypay ingest                                  # cron, every 6 hours',
        'earlypay daily && earlypay weekly                # cron, after midnight',
        'earlypay search sales --store 50 --from 2024-05-01 --to 2024-05-07',
        'earlypay anomalies --rule OVER_WEEKLY_AOV',
        'ES_URL=http://es:9200 MYSQL_URL=mysql://reader@db:3306/sales earlypay doctor --json',
      ),
    );

  for (const make of [setupCommand, doctorCommand, ingestCommand, dailyCommand, weeklyCommand, searchCommand, anomaliesCommand, reconcileCommand]) program.addCommand(make(host));
  return program;
}

/** Every command and subcommand fails fast and in one line on a usage error. */
function configureErrors(cmd: Command, stderr: Stream): void {
  cmd.exitOverride();
  cmd.configureOutput({
    writeOut: (s) => void process.stdout.write(s),
    writeErr: (s) => void stderr.write(s),
    outputError: () => undefined, // cli.main prints the one-line reason itself
  });
  for (const sub of cmd.commands) configureErrors(sub, stderr);
}

export interface MainIO {
  stdout?: Stream;
  stderr?: Stream;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

/**
 * Runs the CLI; returns the exit code (never throws, never prints a stack trace unless --verbose).
 * Run as the process (no injected streams), it also answers SIGINT/SIGTERM (commands/signals.ts).
 */
export async function main(argv: string[], io: MainIO = {}): Promise<number> {
  const guard = io.stdout ? undefined : guardProcess(io.stderr ?? process.stderr);
  const code = await runCli(argv, io);
  guard?.release(code);
  return code;
}

async function runCli(argv: string[], io: MainIO): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  const host = createHost({ stdout, stderr, env, version: packageVersion(), now: io.now });
  const program = buildProgram(host);
  configureErrors(program, stderr);
  if (io.stdout) {
    // Help text goes to the injected stream in tests.
    const write = (s: string): void => void stdout.write(s);
    const walk = (c: Command): void => {
      c.configureOutput({ writeOut: write });
      c.commands.forEach(walk);
    };
    walk(program);
  }
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  try {
    await program.parseAsync(argv);
    return host.exitCode;
  } catch (err) {
    return reportFailure(err, { stderr, env, verbose, argv });
  }
}

function reportFailure(err: unknown, { stderr, env, verbose, argv }: { stderr: Stream; env: NodeJS.ProcessEnv; verbose: boolean; argv: string[] }): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.ok;
    if (err.code === 'commander.executeSubCommandAsync') return ExitCode.ok;
    const message = err.message.replace(/^error: /, '');
    stderr.write(`earlypay: ${message}\n`);
    stderr.write(`hint: ${helpHint(argv, !message.includes('unknown command'))}\n`);
    return ExitCode.usage;
  }
  let config: Config | undefined;
  try {
    config = resolveConfig({}, env);
  } catch {
    config = undefined;
  }
  const clean = (s: string): string => (config ? redactSecrets(s, config) : s);
  if (err instanceof EarlypayError) {
    stderr.write(`earlypay: ${clean(err.message)}\n`);
    // A usage error always says where to look next, even when it carries no hint of its own.
    const hint = err.hint ?? (err instanceof UsageError ? helpHint(argv, true) : undefined);
    if (hint) stderr.write(`hint: ${clean(hint)}\n`);
    if (verbose && err.stack) stderr.write(`${clean(err.stack)}\n`);
    return err.exitCode;
  }
  stderr.write(`earlypay: ${clean(explainDependencyFailure(err))}\n`);
  if (verbose && err instanceof Error && err.stack) stderr.write(`${clean(err.stack)}\n`);
  return ExitCode.runFailed;
}

/** `see \`earlypay <subcommand> --help\``, naming the subcommand the user typed when there is one. */
function helpHint(argv: string[], nameSubcommand: boolean): string {
  const sub = argv.slice(2).find((a) => !a.startsWith('-'));
  return `see \`earlypay ${sub && nameSubcommand ? `${sub} ` : ''}--help\``;
}

/** Connection failures read as "which service, where, what to do". */
export function explainDependencyFailure(err: unknown): string {
  if (err instanceof esErrors.ConnectionError || err instanceof esErrors.TimeoutError || err instanceof esErrors.NoLivingConnectionsError) {
    const url = (err as { meta?: { meta?: { connection?: { url?: URL } } } }).meta?.meta?.connection?.url;
    return `Elasticsearch${url ? ` at ${redactUrl(url.toString())}` : ''} is unreachable (${err.message}); is it running? try \`earlypay doctor\``;
  }
  const code = (err as { code?: string })?.code;
  if (code && /^(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|PROTOCOL_CONNECTION_LOST|ECONNRESET|ER_ACCESS_DENIED_ERROR|ER_BAD_DB_ERROR|ER_NO_SUCH_TABLE)$/.test(code)) {
    return `MySQL failed: ${describeFailure(err)}; try \`earlypay doctor\``;
  }
  return describeFailure(err);
}

if (require.main === module) {
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
