/**
 * The CLI's one failure path without a server (issue 10): every bad command line is a usage
 * error (exit 2, one `earlypay:` line, a hint naming the command typed, no secret), and with
 * --json one object on stdout. ES_URL / MYSQL_URL point at a closed port: none of these may
 * get as far as connecting.
 */
import { main, buildProgram, invokedCommand, helpHint } from '../../../src/cli';
import { createHost } from '../../../src/cmdutil/host';
import { Capture } from '../../support/capture';

const OFFLINE = { ES_URL: 'http://127.0.0.1:9', MYSQL_URL: 'mysql://root@127.0.0.1:9/earlypay' };

async function run(
  args: string[],
  env: NodeJS.ProcessEnv = OFFLINE,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(['node', 'earlypay', ...args], { stdout, stderr, env: { ...env } });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

function expectUsage(r: { code: number; stderr: string }, reason: RegExp, hint?: string): void {
  expect(r.code).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^earlypay: /);
  expect(lines[0]).toMatch(reason);
  expect(lines[1]).toMatch(/^hint: /);
  if (hint) expect(lines[1]).toBe(`hint: ${hint}`);
}

describe('the usage hint names the command typed, never an option value', () => {
  it.each([
    [['--mysql-url', 'mysql://u:PASSWORD@host:3306/db', 'ingest', '--bogus'], 'see `earlypay ingest --help`'],
    [['--es-url', 'http://elastic:S3cretPw@es:9200', 'daily', '--bogus'], 'see `earlypay daily --help`'],
    [['--index-prefix', 'probe', 'search', 'sales', '--bogus'], 'see `earlypay search sales --help`'],
    [['--config=/etc/x.json', '--tz', 'UTC', 'anomalies', 'scan', '--bogus'], 'see `earlypay anomalies scan --help`'],
    [['--mysql-url', 'mysql://u:PASSWORD@host:3306/db', 'frobnicate'], 'see `earlypay --help`'],
  ])('%j', async (args, hint) => {
    const r = await run(args);
    expectUsage(r, /unknown (option|command)|required option/, hint);
    expect(r.stderr).not.toMatch(/PASSWORD|S3cretPw/);
  });

  it('walks the tree as commander does', () => {
    const program = buildProgram(
      createHost({ stdout: new Capture(), stderr: new Capture(), env: {}, version: 'test' }),
    );
    const at = (...args: string[]) => invokedCommand(program, ['node', 'earlypay', ...args]);
    expect(at('--index-prefix', 'search', 'search', 'daily', '--store', 'sales').path).toEqual(['search', 'daily']);
    expect(at('-q', 'reconcile', '--json').path).toEqual(['reconcile']);
    expect(at('-q', 'reconcile', '--json').json).toBe(true);
    expect(at('search', 'sales', '--text', '--json').json).toBe(false); // a value, not the flag
    expect(helpHint(['search', 'sales'])).toBe('see `earlypay search sales --help`');
  });
});

describe('words a command does not take', () => {
  it.each([
    [['daily', '2024-05-01']],
    [['ingest', 'extra']],
    [['search', 'sales', 'extra']],
    [['weekly', '--date', '2024-05-07', 'again']],
  ])('%j is a usage error', async (args) => {
    expectUsage(await run(args), /too many arguments/);
  });

  it('`search` and `earlypay` alone need a subcommand', async () => {
    expectUsage(
      await run(['search']),
      /`earlypay search` needs a subcommand: sales, daily, weekly/,
      'see `earlypay search --help`',
    );
    expectUsage(await run([]), /earlypay needs a command: setup, doctor, ingest/, 'see `earlypay --help`');
  });
});

describe('mistyped subcommands get a suggestion at every level, on one line', () => {
  it.each([
    [['serch', 'sales'], "unknown command 'serch' (did you mean search?)", 'see `earlypay --help`'],
    [['search', 'sals'], "unknown command 'sals' (did you mean sales?)", 'see `earlypay search --help`'],
    [
      ['anomalies', 'reslove', '1:OVER_WEEKLY_AOV'],
      "unknown command 'reslove' for `earlypay anomalies` (did you mean resolve?)",
      '`earlypay anomalies` takes a subcommand: list, resolve, rules, scan; see `earlypay anomalies --help`',
    ],
    [['anomalies', 'rule'], "unknown command 'rule' for `earlypay anomalies` (did you mean rules?)", undefined],
    [['ingest', '--ful'], "unknown option '--ful' (did you mean --full?)", 'see `earlypay ingest --help`'],
  ])('%j', async (args, message, hint) => {
    const r = await run(args);
    expectUsage(r, /./, hint);
    expect(r.stderr.split('\n')[0]).toBe(`earlypay: ${message}`);
  });

  it.each([
    [['anomalies', '--store', '1', 'reslove'], 'reslove', 'resolve'],
    [['anomalies', '--status', 'all', '--rule', 'DEPOSIT_MISMATCH', 'lsit'], 'lsit', 'list'],
  ])("%j: the stray word after the default subcommand's options is named", async (args, word, meant) => {
    const r = await run(args);
    expectUsage(r, /./);
    expect(r.stderr.split('\n')[0]).toBe(
      `earlypay: unknown command '${word}' for \`earlypay anomalies\` (did you mean ${meant}?)`,
    );
  });

  it('a word close to no subcommand is still named', async () => {
    expectUsage(await run(['anomalies', 'xyzzy']), /^earlypay: unknown command 'xyzzy' for `earlypay anomalies`$/);
  });
});

describe('empty settings are refused, never read as the production default', () => {
  it.each([
    [['--index-prefix', '', 'search', 'sales'], {}, /--index-prefix is empty/],
    [['--tz', '', 'daily'], {}, /--tz is empty/],
    [['search', 'sales'], { EARLYPAY_INDEX_PREFIX: '' }, /EARLYPAY_INDEX_PREFIX is set but empty/],
    [['--index-prefix', 'p'.repeat(245), 'ingest'], {}, /is 245 characters long; at most 239/],
    [['ingest', '--since', ''], {}, /^earlypay: --since is empty$/m],
    [['ingest', '--since', ' ', '--dry-run'], {}, /^earlypay: --since is empty$/m],
    [['reconcile'], { EARLYPAY_TABLE: 't'.repeat(65) }, /invalid source table name "t{65}" \(EARLYPAY_TABLE\)$/],
    [['ingest'], { EARLYPAY_TABLE: 't'.repeat(300) }, /invalid source table name "t{70}…" \(300 characters\)/],
  ])('%j %j -> exit 2', async (args, env, reason) => {
    expectUsage(await run(args, { ...OFFLINE, ...env }), reason);
  });
});

describe('an over-long value is quoted cut, with its length, wherever a message names it', () => {
  const long = 'a'.repeat(300);
  it.each([
    [['search', 'sales', '--fields', long]],
    [['search', 'sales', '--sort', long]],
    [['search', 'sales', '--store', long]],
    [['search', 'sales', '--format', long]],
    [['search', 'sales', '--from', long]],
    [['search', 'sales', `--${long}`]],
    [['anomalies', 'list', '--rule', long]],
    [['anomalies', 'list', '--status', long]],
    [['anomalies', 'resolve', long, '--note', 'x']],
    [['anomalies', long]],
    [['ingest', '--since', long]],
    [['ingest', '--overlap', long]],
    [[long]],
  ])('%j', async (args) => {
    const r = await run(args);
    expectUsage(r, /…["'] \((300|302) characters\)/);
    expect(r.stderr.split('\n')[0]!.length).toBeLessThan(400);
  });
});

describe('masking', () => {
  it('leaves a mistyped date alone when it happens to contain the password', async () => {
    const r = await run(['search', 'sales', '--from', '2024-13-01'], { ...OFFLINE, MYSQL_PASSWORD: '2024' });
    expectUsage(r, /"2024-13-01" is not a date; use YYYY-MM-DD, e\.g\. 2024-05-01/);
    expect(r.stderr).not.toContain('***');
  });
});

describe('bounds', () => {
  it.each([
    [['daily', '--date', '9999-12-31'], /9999-12-31 is outside the supported days 2000-01-01\.\.2099-12-31/],
    [['weekly', '--date', '9999-12-31'], /outside the supported days/],
    [['daily', '--from', '9999-12-01', '--to', '9999-12-31'], /outside the supported days/],
    [['anomalies', 'scan', '--from', '9999-12-31', '--to', '9999-12-31'], /outside the supported days/],
    [['search', 'sales', '--from', '1999-12-31'], /outside the supported days/],
    [['ingest', '--since', '2150-01-01'], /--since 2150-01-01 is outside the supported days/],
    [['ingest', '--batch-size', '100000'], /100000 is above 10,000/],
    [['ingest', '--batch-size', '100000', '--dry-run'], /100000 is above 10,000/],
    [['ingest', '--concurrency', '1000'], /1000 is above 16/],
    [['daily', '--concurrency', '64'], /64 is above 16/],
    [['reconcile', '--batch-size', '50000'], /above 10,000/],
    [['search', 'sales', '--limit', '99999999'], /above 1,000,000; use --all/],
    [['search', 'sales', '--min-amount', '9007199254740992'], /above 9,007,199,254,740,991; no amount beyond/],
    [['search', 'sales', '--max-amount', '-9007199254740993'], /below -9,007,199,254,740,991/],
    [['ingest', '--lag', '9999h'], /longer than 7 days/],
  ])('%j -> exit 2', async (args, reason) => {
    expectUsage(await run(args), reason);
  });

  it('input Elasticsearch would refuse is refused before it is sent', async () => {
    expectUsage(
      await run(['search', 'sales', '--card', `*${'7'.repeat(500)}`]),
      /--card is 501 characters long; card numbers have at most 32/,
    );
    expectUsage(
      await run(['search', 'sales', '--text', Array.from({ length: 20_000 }, (_, i) => `w${i}`).join(' ')]),
      /--text has 20,000 words/,
    );
  });

  it.each([
    [['search', 'sales', '--store', ''], /--store is empty/],
    [['search', 'sales', '--store', 'abc'], /--store "abc" is not a store id/],
    [['search', 'daily', '--store', ' , '], /--store is empty/],
    [['anomalies', '--store', '50,x'], /--store "x" is not a store id/],
    [['search', 'sales', '--store', '0'.repeat(25)], /is not a store id/],
    [['search', 'sales', '--platform', ''], /--platform is empty/],
    [['search', 'sales', '--format', 'ndjson', '--bom'], /--bom goes with --format csv/],
  ])('%j -> exit 2', async (args, reason) => {
    expectUsage(await run(args), reason);
  });
});

describe('--json: one object on stdout, whatever the outcome', () => {
  it('a usage error', async () => {
    const r = await run(['--json', '--mysql-url', 'mysql://u:PASSWORD@host:3306/db', 'daily', '2024-05-01']);
    expect(r.code).toBe(2);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      command: 'daily',
      status: 'error',
      exit_code: 2,
      error: expect.stringMatching(/too many arguments/),
      hint: 'see `earlypay daily --help`',
    });
    expect(r.stdout + r.stderr).not.toMatch(/PASSWORD/);
  });

  it('a configuration error, secrets redacted', async () => {
    const r = await run(['ingest', '--json'], { ...OFFLINE, MYSQL_URL: 'mysql://app:pa%ss@db:3306/sales' });
    expect(r.code).toBe(2);
    const object = JSON.parse(r.stdout);
    expect(object).toMatchObject({ command: 'ingest', status: 'error', exit_code: 2 });
    expect(object.error).toMatch(/not percent-encoded/);
    expect(object.hint).toMatch(/% as %25, # as %23/);
    expect(r.stdout + r.stderr).not.toMatch(/pa%ss/);
  });
});

describe('reserved characters in URL passwords', () => {
  it.each([
    ['mysql://app:pa%ss@db:3306/sales', 'MYSQL_URL'],
    ['mysql://app:pa#ss@db:3306/sales', 'MYSQL_URL'],
    ['http://elastic:pa#ss@es:9200', 'ES_URL'],
  ])('%s: a usage error saying to percent-encode, never "URI malformed"', async (url, name) => {
    const r = await run(['doctor'], { ...OFFLINE, [name]: url });
    expectUsage(r, /invalid (MySQL|Elasticsearch) URL/);
    expect(r.stderr).toMatch(/percent-encode/);
    expect(r.stderr).not.toMatch(/URI malformed|names no database|pa.ss/);
  });
});
