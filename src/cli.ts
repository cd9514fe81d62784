/**
 * The earlypay command line. This file owns two things: which commands exist, and how every
 * kind of failure becomes one line on stderr and one exit code (docs/contract.md §6).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, UsageError, jsonStatusOf, quoted } from './core/errors';
import { failureOf, writeFailure } from './cmdutil/failure';
import { redactSecrets } from './core/config/config';
import { createHost, examples, type CommandHost } from './cmdutil/host';
import { didYouMean, similarNames } from './cmdutil/suggest';
import type { Stream } from './render/style';
import { setupCommand } from './commands/setup';
import { doctorCommand } from './commands/doctor';
import { ingestCommand } from './commands/ingest';
import { dailyCommand } from './commands/daily';
import { weeklyCommand } from './commands/weekly';
import { searchCommand } from './commands/search';
import { anomaliesCommand } from './commands/anomalies';
import { reconcileCommand } from './commands/reconcile';
import { reportCommand } from './commands/report';
import { guardProcess } from './cmdutil/signals';
import { GuardedOutput, settleOutput } from './cmdutil/streams';

export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Every command, in the order `--help` lists them; each constructor takes the host (and, in tests, a run function). */
export const COMMANDS: readonly ((host: CommandHost) => Command)[] = [
  setupCommand,
  doctorCommand,
  ingestCommand,
  dailyCommand,
  weeklyCommand,
  searchCommand,
  anomaliesCommand,
  reconcileCommand,
  reportCommand,
];

/** The program with its global flags; `commands` lets a test mount a command built with its own run function. */
export function buildProgram(
  host: CommandHost,
  commands: readonly ((host: CommandHost) => Command)[] = COMMANDS,
): Command {
  const program = new Command('earlypay')
    .description(
      'Card-sales settlement toolkit: MySQL platform_sales -> Elasticsearch, average order value (객단가), anomalies, ' +
        'search.',
    )
    .version(host.version, '-V, --version')
    .option('--es-url <url>', 'Elasticsearch URL (env ES_URL; default http://127.0.0.1:9200)')
    .option('--mysql-url <url>', 'MySQL URL (env MYSQL_URL; default mysql://root@127.0.0.1:3306/earlypay)')
    .option('--index-prefix <prefix>', 'prefix of every index name (env EARLYPAY_INDEX_PREFIX; default earlypay)')
    .option('--tz <zone>', 'business time zone for day boundaries (env EARLYPAY_TZ; default Asia/Seoul)')
    .option('--config <file>', 'JSON config file (env EARLYPAY_CONFIG); flags > env > file > defaults')
    .option(
      '--es-timeout <duration>',
      'fail a run when one Elasticsearch request takes longer (env EARLYPAY_ES_TIMEOUT; default 60s)',
    )
    .option(
      '--mysql-timeout <duration>',
      'fail a run when one MySQL statement takes longer (env EARLYPAY_MYSQL_TIMEOUT; default 60s)',
    )
    .option(
      '--metrics-dir <dir>',
      'jobs write Prometheus textfiles earlypay_<job>.prom here (env EARLYPAY_METRICS_DIR)',
    )
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

  for (const make of commands) program.addCommand(make(host));
  return program;
}

/** Every command and subcommand fails fast and in one line on a usage error. */
export function configureErrors(cmd: Command, stdout: Stream): void {
  cmd.exitOverride();
  // A stray word (`daily 2024-05-01`) is a mistake to report, never something to ignore.
  cmd.allowExcessArguments(false);
  cmd.configureOutput({
    writeOut: (s) => void stdout.write(s), // help and version, to the stdout everything goes to
    // Commander writes the help here when a subcommand is missing; main() prints one line instead.
    writeErr: () => undefined,
    outputError: () => undefined, // cli.main prints the one-line reason itself
  });
  for (const sub of cmd.commands) configureErrors(sub, stdout);
}

export interface MainIO {
  stdout?: Stream;
  stderr?: Stream;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

/**
 * Runs the CLI; returns the exit code (never throws, never prints a stack trace unless --verbose).
 * Run as the process (no injected streams), it also answers SIGINT/SIGTERM (cmdutil/signals.ts).
 */
export async function main(argv: string[], io: MainIO = {}): Promise<number> {
  // As the process: its streams guarded (cmdutil/streams.ts), its signals answered.
  const stdout = io.stdout ?? new GuardedOutput(process.stdout, 'stdout');
  const stderr = io.stderr ?? new GuardedOutput(process.stderr, 'stderr');
  const guard = io.stdout ? undefined : guardProcess(stderr);
  const code = await runCli(argv, { ...io, stdout, stderr });
  guard?.release(code);
  return code;
}

async function runCli(argv: string[], io: MainIO & { stdout: Stream; stderr: Stream }): Promise<number> {
  const { stdout, stderr } = io;
  const env = io.env ?? process.env;
  const host = createHost({ stdout, stderr, env, version: packageVersion(), now: io.now });
  const program = buildProgram(host);
  configureErrors(program, stdout);
  const invoked = invokedCommand(program, argv);
  let code: number;
  try {
    await program.parseAsync(argv);
    code = host.exitCode;
  } catch (err) {
    code = reportFailure(err, { stdout, stderr, invoked });
  }
  // Output that could not be written (a full disk) fails a command that had done its work, help
  // and --version included; a job has checked it before recording its run as succeeded.
  try {
    await settleOutput(stdout);
  } catch (err) {
    if (code === ExitCode.ok) code = reportFailure(err, { stdout, stderr, invoked });
  }
  return code;
}

/** The (sub)command a command line names and the global output flags it sets, read without running it. */
export interface InvokedCommand {
  /** `['search', 'sales']`; empty for the program itself. */
  path: string[];
  command: Command;
  /** The first operand that names no subcommand (`reslove` in `anomalies reslove x`). */
  stray?: string;
  json: boolean;
  verbose: boolean;
}

/**
 * Walks the command tree along argv the way commander will: option values are skipped (so
 * `--mysql-url mysql://u:pw@h/db ingest` names `ingest`, not the URL), the first operand that
 * is a subcommand descends. Used for the help hint and the `--json` failure object.
 */
export function invokedCommand(program: Command, argv: string[]): InvokedCommand {
  const path: string[] = [];
  let command = program;
  let json = false;
  let verbose = false;
  let descending = true;
  let stray: string | undefined;
  const takesValue = (flag: string): boolean => {
    // Options before the first operand of a command with a default subcommand (`anomalies` runs
    // `list`) are the default one's: `anomalies --store 1 reslove` names 'reslove', not '1'.
    const fallback = descending ? defaultSubcommand(command) : undefined;
    for (let c: Command | null = command; c; c = c.parent) {
      const option = [...c.options, ...(c === command ? (fallback?.options ?? []) : [])].find(
        (o) => o.long === flag || o.short === flag,
      );
      if (option) return option.required || option.optional;
    }
    return false;
  };
  const tokens = argv.slice(2);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === '--') break;
    if (token.startsWith('-') && token.length > 1) {
      if (token === '--json') json = true;
      if (token === '--verbose' || token === '-v') verbose = true;
      if (!token.includes('=') && takesValue(token)) i++;
      continue;
    }
    const sub = descending
      ? command.commands.find((c) => c.name() === token || c.aliases().includes(token))
      : undefined;
    if (sub) {
      command = sub;
      path.push(sub.name());
    } else if (descending) {
      descending = false;
      stray = token;
    }
  }
  return { path, command, stray, json, verbose };
}

/** The subcommand `addCommand(…, { isDefault: true })` named: commander keeps it in a field of its own. */
function defaultSubcommand(command: Command): Command | undefined {
  const name = (command as unknown as { _defaultCommandName?: string | null })._defaultCommandName;
  return name ? command.commands.find((c) => c.name() === name) : undefined;
}

/** `see \`earlypay search sales --help\``: the command the user typed, never an option value. */
export function helpHint(path: string[]): string {
  return `see \`earlypay ${path.map((p) => `${p} `).join('')}--help\``;
}

/** Commander's own refusals (unknown option, stray word, missing subcommand) as one usage error. */
function usageErrorOf(err: CommanderError, invoked: InvokedCommand): UsageError | undefined {
  if (
    err.code === 'commander.helpDisplayed' ||
    err.code === 'commander.version' ||
    err.code === 'commander.executeSubCommandAsync'
  )
    return undefined;
  if (err.code === 'commander.help') {
    if (err.exitCode === 0) return undefined;
    const subs = invoked.command.commands.map((c) => c.name());
    const what = invoked.path.length ? `\`earlypay ${invoked.path.join(' ')}\`` : 'earlypay';
    return new UsageError(
      `${what} needs a ${invoked.path.length ? 'subcommand' : 'command'}: ${subs.join(', ')}`,
      helpHint(invoked.path),
    );
  }
  // Under a command with a default subcommand (`anomalies` runs `list`), a mistyped subcommand
  // reaches the default one as a stray word: say so, with the subcommands it is close to.
  const subs = invoked.command.commands.map((c) => c.name());
  if (err.code === 'commander.excessArguments' && invoked.stray !== undefined && subs.length > 0) {
    const what = `\`earlypay ${invoked.path.join(' ')}\``;
    return new UsageError(
      `unknown command ${quoted(invoked.stray, 80, "'")} for ${what}${didYouMean(similarNames(invoked.stray, subs))}`,
      `${what} takes a subcommand: ${subs.join(', ')}; ${helpHint(invoked.path)}`,
    );
  }
  // Commander puts its suggestion on a line of its own: a failure is one line; it quotes values whole.
  const message = err.message
    .replace(/^error: /, '')
    .replace(/\n\(Did you mean (.+)\?\)$/, ' (did you mean $1?)')
    .replace(/'([^'\n]{81,})'/g, (_m, value: string) => quoted(value, 80, "'"));
  return new UsageError(message, helpHint(invoked.path));
}

interface FailureIO {
  stdout: Stream;
  stderr: Stream;
  invoked: InvokedCommand;
}

/**
 * The one place a failure becomes output and an exit code: `earlypay: <reason>`, `hint: …`
 * on stderr (never a secret), and with --json one object on stdout.
 */
function reportFailure(thrown: unknown, { stdout, stderr, invoked }: FailureIO): number {
  let err: unknown = thrown;
  if (thrown instanceof CommanderError) {
    const usage = usageErrorOf(thrown, invoked);
    if (!usage) return ExitCode.ok;
    err = usage;
  }
  const clean = redactSecrets;
  const failure = failureOf(err, { clean, usageHint: helpHint(invoked.path) });
  const { exitCode, message, hint, details } = failure;
  writeFailure(stderr, 'earlypay', failure);
  if (invoked.verbose && err instanceof Error && err.stack) stderr.write(`${clean(err.stack)}\n`);
  if (invoked.json) {
    const object = {
      command: invoked.path.join(' ') || null,
      ...details,
      status: jsonStatusOf(exitCode),
      exit_code: exitCode,
      error: message,
      hint: hint ?? null,
    };
    stdout.write(`${clean(JSON.stringify(object))}\n`);
  }
  return exitCode;
}

if (require.main === module) {
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
