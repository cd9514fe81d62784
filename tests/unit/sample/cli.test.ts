/** The sample tool's command line without a server: flags, usage errors, the dry-run summary. */
import { main } from '../../../src/sample/cli';
import { Capture } from '../../support/capture';
import { joinedRegExp } from '../../support/regexp';

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(['node', 'sample', ...args], { stdout, stderr, env: {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('npm run sample', () => {
  it.each([
    [['--rows', 'lots'], /--rows <n>.*"lots" is not a whole number/],
    [['--days', '0'], /--days <n>.*not a positive whole number/],
    [['--start-date', '2024-02-30'], /"2024-02-30" is not a date/],
    [['--reject-rate', '0.7'], /not a rate between 0 and 0.5/],
    [['--anomaly-rate', ''], /not a rate/],
    [['--frobnicate'], /unknown option '--frobnicate'/],
    [['--source-tz', 'Mars/Olympus', '--dry-run'], /unknown time zone "Mars\/Olympus"/],
    [['--mysql-url', 'http://db:3306/x'], /invalid MySQL URL/],
    [['--table', 'sales;drop', '--rows', '1'], /invalid table name/],
  ])('%j is a usage error: exit 2, a reason and a hint, no stack trace', async (args, reason) => {
    const r = await run(...args);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^sample: /);
    expect(lines[0]).toMatch(reason);
    expect(lines[1]).toMatch(/^hint: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--dry-run generates and prints one summary line with rejects and anomalies by kind', async () => {
    const r = await run('--rows', '20000', '--days', '10', '--stores', '8', '--seed', '5', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^sample: 20,000 rows generated \(dry run, nothing written\) in .* rows\/s\) \| [\d,]+ accepted by construction/,
    );
    expect(lines[0]).toMatch(
      joinedRegExp(
        /\| \d+ rejects \(INVALID_SOLD_AT \d+, INVALID_MODIFIED \d+, MISSING_STORE_ID \d+, /,
        /INVALID_AMOUNT_SALE \d+, MISSING_CARD_NUMBER \d+\)/,
      ),
    );
    expect(lines[0]).toMatch(
      /\| \d+ injected anomalies \(OVER_WEEKLY_AOV \d+, REPEATED_AMOUNT \d+, .*SALE_IN_FUTURE \d+\)/,
    );
    expect(lines[0]).toMatch(/seed 5, 8 stores, 10 days from 2024-04-01, ids 1–20000$/);
  });

  it('--help exits 0 with examples on stdout', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: sample \[options\]/);
    expect(r.stdout).toMatch(/Examples:\n {2}\$ npm run sample -- --rows 100000/);
  });
});
