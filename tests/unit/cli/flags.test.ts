/**
 * The checks across flags happen where the flags are parsed (issue 14): each command is built
 * with a run function of the test's own (gh's runF), so the parsed options and the usage
 * errors are asserted with no server at all — the run function is never reached on a mistake.
 */
import { CommanderError, type Command } from 'commander';
import { buildProgram, configureErrors } from '../../../src/cli';
import { createHost, type CommandHost, type RunF } from '../../../src/cmdutil/host';
import { UsageError } from '../../../src/core/errors';
import { searchSalesCommand, searchDailyCommand, searchWeeklyCommand } from '../../../src/commands/search';
import {
  anomaliesListCommand,
  anomaliesResolveCommand,
  anomaliesRulesCommand,
  anomaliesScanCommand,
} from '../../../src/commands/anomalies';
import { dailyCommand } from '../../../src/commands/daily';
import { weeklyCommand } from '../../../src/commands/weekly';
import { reconcileCommand } from '../../../src/commands/reconcile';
import { ingestCommand } from '../../../src/commands/ingest';
import { reportCommand } from '../../../src/commands/report';
import { Capture } from '../../support/capture';

type Make<O> = (host: CommandHost, runF: RunF<O>) => Command;

/** Parses `args` with only this command mounted; returns the options its run function got, or the error. */
async function parse<O>(make: Make<O>, args: string[], { tty = false } = {}): Promise<{ opts?: O; error?: unknown }> {
  let seen: O | undefined;
  let calls = 0;
  const runF: RunF<O> = async (_ctx, opts) => {
    calls++;
    seen = opts;
    return 0;
  };
  const host = createHost({
    stdout: new Capture(tty),
    stderr: new Capture(),
    env: { ES_URL: 'http://127.0.0.1:9' },
    version: 'test',
  });
  const program = buildProgram(host, [(h) => make(h, runF)]);
  configureErrors(program, new Capture());
  try {
    await program.parseAsync(['node', 'earlypay', ...args]);
  } catch (error) {
    expect(calls).toBe(0);
    return { error };
  }
  expect(calls).toBe(1);
  return { opts: seen };
}

async function usageError<O>(make: Make<O>, args: string[]): Promise<UsageError> {
  const { error } = await parse(make, args);
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

async function commanderRefusal<O>(make: Make<O>, args: string[]): Promise<string> {
  const { error } = await parse(make, args);
  expect(error).toBeInstanceOf(CommanderError);
  return (error as CommanderError).message;
}

describe('search sales', () => {
  it('chooses the format where the flags are parsed', async () => {
    expect((await parse(searchSalesCommand, ['sales'])).opts?.format).toBe('ndjson');
    expect((await parse(searchSalesCommand, ['sales'], { tty: true })).opts?.format).toBe('table');
    expect((await parse(searchSalesCommand, ['--json', 'sales'])).opts?.format).toBe('json');
    const { opts } = await parse(searchSalesCommand, [
      'sales',
      '--format',
      'csv',
      '--bom',
      '--store',
      '50',
      '--limit',
      '5',
    ]);
    expect(opts).toMatchObject({ format: 'csv', bom: true, store: '50', limit: 5 });
  });

  it.each([
    [['sales', '--bom'], /--bom goes with --format csv, not ndjson/, 'e.g. --format csv --bom > sales.csv'],
    [['--json', 'sales', '--format', 'csv'], /--json conflicts with --format csv/, 'use one of them'],
  ])('%j is a usage error', async (args, reason, hint) => {
    const err = await usageError(searchSalesCommand, args);
    expect(err.message).toMatch(reason);
    expect(err.hint).toBe(hint);
  });

  it.each([[['sales', '--canceled', '--not-canceled']], [['sales', '--limit', '5', '--all']]])(
    '%j is refused by the parser',
    async (args) => {
      expect(await commanderRefusal(searchSalesCommand, args)).toMatch(/cannot be used with/);
    },
  );
});

describe('search daily / weekly', () => {
  it('reads the day range: one day, or either end open', async () => {
    expect((await parse(searchDailyCommand, ['daily', '--date', '2024-05-01'])).opts?.range).toEqual({
      from: '2024-05-01',
      to: '2024-05-01',
    });
    expect((await parse(searchDailyCommand, ['daily', '--from', '2024-05-01'])).opts?.range).toEqual({
      from: '2024-05-01',
      to: undefined,
    });
    expect((await parse(searchWeeklyCommand, ['weekly'])).opts?.range).toBeUndefined();
  });

  it('refuses --from after --to', async () => {
    const err = await usageError(searchDailyCommand, ['daily', '--from', '2024-05-09', '--to', '2024-05-01']);
    expect(err.message).toBe('--from 2024-05-09 is after --to 2024-05-01');
    expect(err.hint).toBe('swap them');
  });

  it.each([[['weekly', '--chart']], [['weekly', '--chart', '--store', '50,51']]])(
    '%j: --chart needs exactly one store',
    async (args) => {
      expect((await usageError(searchWeeklyCommand, args)).message).toBe('--chart needs exactly one --store');
    },
  );

  it('a chart with one store is no listing: --bom and the format are not its business', async () => {
    const { opts } = await parse(searchWeeklyCommand, ['weekly', '--chart', '--store', '50', '--bom']);
    expect(opts).toMatchObject({ chart: true, store: '50', chartStore: '50' });
  });
});

describe('anomalies', () => {
  it('list: --from after --to, and the listing checks', async () => {
    expect(
      (await usageError(anomaliesListCommand, ['list', '--from', '2024-05-04', '--to', '2024-05-02'])).message,
    ).toMatch(/after --to/);
    expect((await usageError(anomaliesListCommand, ['list', '--bom'])).message).toMatch(/--bom goes with --format csv/);
    expect((await parse(anomaliesListCommand, ['list', '--rule', 'REPEATED_AMOUNT'])).opts).toMatchObject({
      rule: 'REPEATED_AMOUNT',
      format: 'ndjson',
    });
  });

  it('resolve: the note and the ids are checked before anything runs', async () => {
    expect(
      (await usageError(anomaliesResolveCommand, ['resolve', '4:FEE_RATE_OUT_OF_RANGE', 'garbage', '--note', 'x']))
        .message,
    ).toBe('not an anomaly id: "garbage"');
    expect(
      (await usageError(anomaliesResolveCommand, ['resolve', '5:NON_POSITIVE_AMOUNT', '--note', ' '])).message,
    ).toBe('--note is empty');
    expect(await commanderRefusal(anomaliesResolveCommand, ['resolve', '5:NON_POSITIVE_AMOUNT'])).toMatch(
      /required option '--note <text>'/,
    );
    expect((await parse(anomaliesResolveCommand, ['resolve', '4:FEE_RATE_OUT_OF_RANGE', '--note', 'ok'])).opts).toEqual(
      { ids: ['4:FEE_RATE_OUT_OF_RANGE'], note: 'ok' },
    );
  });

  it('rules: --json against --format', async () => {
    expect((await usageError(anomaliesRulesCommand, ['--json', 'rules', '--format', 'table'])).message).toBe(
      '--json conflicts with --format table',
    );
    expect((await parse(anomaliesRulesCommand, ['rules'], { tty: true })).opts).toEqual({ format: 'table' });
  });

  it('scan: --from after --to', async () => {
    expect(
      (await usageError(anomaliesScanCommand, ['scan', '--from', '2024-05-04', '--to', '2024-05-02'])).message,
    ).toMatch(/after --to/);
  });
});

describe('daily / weekly', () => {
  it.each([
    [
      dailyCommand,
      ['daily', '--from', '2024-05-02', '--to', '2024-05-01'],
      /--from 2024-05-02 is after --to 2024-05-01/,
    ],
    [
      dailyCommand,
      ['daily', '--date', '2024-05-01', '--from', '2024-05-01', '--to', '2024-05-02'],
      /either --date or --from\/--to/,
    ],
    [dailyCommand, ['daily', '--from', '2024-05-01'], /--from and --to go together/],
    [weeklyCommand, ['weekly', '--to', '2024-05-01'], /--from and --to go together/],
    [dailyCommand, ['daily', '--today', '--date', '2024-05-01'], /either --today or --date\/--from\/--to/],
    [weeklyCommand, ['weekly', '--today', '--from', '2024-05-01', '--to', '2024-05-02'], /either --today/],
  ] as [Make<unknown>, string[], RegExp][])('%#: %j', async (make, args, reason) => {
    expect((await usageError(make, args)).message).toMatch(reason);
  });

  it('no date is the cron mode; a date is a one-day range; --today is today', async () => {
    expect((await parse(dailyCommand, ['daily'])).opts).toMatchObject({ scope: undefined, concurrency: 2 });
    expect((await parse(weeklyCommand, ['weekly', '--date', '2024-05-07'])).opts).toMatchObject({
      scope: { from: '2024-05-07', to: '2024-05-07' },
    });
    expect((await parse(dailyCommand, ['daily', '--today'])).opts).toMatchObject({ scope: 'today' });
    expect((await parse(weeklyCommand, ['weekly', '--today'])).opts).toMatchObject({ scope: 'today' });
  });
});

describe('reconcile and ingest', () => {
  it('reconcile: --all against a day range, and the range itself', async () => {
    expect((await usageError(reconcileCommand, ['reconcile', '--all', '--date', '2024-05-01'])).message).toMatch(
      /either --all or --date/,
    );
    expect((await usageError(reconcileCommand, ['reconcile', '--from', '2024-05-05'])).message).toMatch(
      /--from and --to go together/,
    );
    expect(
      (await parse(reconcileCommand, ['reconcile', '--from', '2024-05-01', '--to', '2024-05-05'])).opts,
    ).toMatchObject({ explicit: { from: '2024-05-01', to: '2024-05-05' } });
  });

  it('ingest: --full against --since', async () => {
    expect((await usageError(ingestCommand, ['ingest', '--full', '--since', '2024-05-01'])).message).toBe(
      'use either --full or --since, not both',
    );
    expect((await parse(ingestCommand, ['ingest', '--dry-run'])).opts).toMatchObject({ dryRun: true });
  });
});

describe('report', () => {
  it('takes --date or --from/--to, repeated or comma-separated --store, and --out', async () => {
    expect((await parse(reportCommand, ['report', '--date', '2024-05-01', '--out', 'r.html'])).opts).toEqual({
      range: { from: '2024-05-01', to: '2024-05-01' },
      stores: undefined,
      out: 'r.html',
    });
    const { opts } = await parse(reportCommand, [
      'report',
      '--from',
      '2024-05-01',
      '--to',
      '2024-05-31',
      '--store',
      '50',
      '--store',
      '51,52,50',
      '--out',
      'r.html',
    ]);
    expect(opts).toEqual({
      range: { from: '2024-05-01', to: '2024-05-31' },
      stores: ['50', '51', '52'],
      out: 'r.html',
    });
    expect((await parse(reportCommand, ['report', '--out', 'r.html'])).opts?.range).toBeUndefined();
  });

  it('usage errors: no --out, --date with --from, --from alone, --from after --to, a bad store or day', async () => {
    expect((await usageError(reportCommand, ['report'])).message).toBe('--out is required');
    await usageError(reportCommand, ['report', '--date', '2024-05-01', '--from', '2024-05-01', '--out', 'x']);
    expect((await usageError(reportCommand, ['report', '--from', '2024-05-01', '--out', 'x'])).message).toMatch(
      /go together/,
    );
    await usageError(reportCommand, ['report', '--from', '2024-05-02', '--to', '2024-05-01', '--out', 'x']);
    await usageError(reportCommand, ['report', '--store', '5a', '--out', 'x']);
    await commanderRefusal(reportCommand, ['report', '--date', '2024-13-01', '--out', 'x']);
  });
});
