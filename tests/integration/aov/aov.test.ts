/**
 * `earlypay daily` / `weekly` on Elasticsearch 8 (ES_URL) and MariaDB: the SQL comparison of
 * scenario.ts, plus what the commands promise around it: idempotent re-runs, usage errors,
 * the lock, the run document, --help.
 */
import { hostname } from 'node:os';
import { ES_URL } from '../../support';
import { AovScenario, FIRST_DAY, LAST_DAY, registerComparison, type DailyDoc } from './scenario';

const scenario = new AovScenario(ES_URL, 'aov');

beforeAll(() => scenario.start());
afterAll(() => scenario.stop());

describe('daily and weekly against SQL (ES 8)', () => {
  registerComparison(scenario);

  it('a re-run replaces the same documents and removes nothing', async () => {
    const before = await scenario.world.allDocs<DailyDoc>(scenario.names.daily);
    const r = await scenario.cli(['daily', '--from', FIRST_DAY, '--to', LAST_DAY, '--json']);
    expect(r.code).toBe(0);
    const out = r.json<{ removed: number; written: number }>();
    expect(out.removed).toBe(0);
    const after = await scenario.world.allDocs<DailyDoc>(scenario.names.daily);
    expect(after.size).toBe(before.size);
    const inRange = [...after.values()].filter((d) => d.date >= FIRST_DAY && d.date <= LAST_DAY);
    expect(out.written).toBe(inRange.length);
    for (const [id, d] of after) expect({ ...d, computed_at: '' }).toEqual({ ...before.get(id), computed_at: '' });
    // Every document of the range carries this run's computed_at.
    expect(new Set(inRange.map((d) => d.computed_at)).size).toBe(1);
  });

  it('a day with no sales at all writes nothing and says so', async () => {
    const r = await scenario.cli(['daily', '--date', '2023-01-01']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^daily 2023-01-01: 0 sales \(0 counted\), 0 store\(s\), 0 document\(s\) written, 0 stale removed, \d+ ms\n$/,
    );
    const j = await scenario.cli(['daily', '--from', '2022-12-01', '--to', '2023-01-31', '--json']);
    expect(j.json()).toMatchObject({ days: 62, days_without_sales: 62, sales: 0, written: 0, removed: 0 });
    const w = await scenario.cli(['weekly', '--date', '2023-01-07', '--json']);
    expect(w.code).toBe(0);
    expect(w.json()).toMatchObject({
      command: 'weekly',
      status: 'ok',
      windows: 1,
      written: 0,
      removed: 0,
      daily_documents_read: 0,
    });
  });

  it('prints a one-line summary naming days, stores, documents and duration', async () => {
    const r = await scenario.cli(['weekly', '--from', '2024-05-06', '--to', '2024-05-07']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      /^weekly windows ending 2024-05-06\.\.2024-05-07 \(2 windows\): [\d,]+ daily document\(s\) read, \d+ store\(s\), \d+ document\(s\) written, 0 stale removed, [\d.]+ m?s\n$/,
    );
  });

  it('records a run document for each run', async () => {
    const runs = await scenario.world.allDocs<{
      command: string;
      status: string;
      args: Record<string, unknown>;
      counts: Record<string, unknown>;
    }>(scenario.names.runs);
    const daily = [...runs.values()].filter((x) => x.command === 'daily');
    expect(daily.length).toBeGreaterThanOrEqual(3);
    expect(daily.every((x) => x.status === 'succeeded')).toBe(true);
    expect(daily.some((x) => x.args.mode === 'cron')).toBe(true);
    expect([...runs.values()].some((x) => x.command === 'weekly' && typeof x.counts.written === 'number')).toBe(true);
  });

  it.each([
    [['daily', '--date', '2024-02-30'], /"2024-02-30" is not a date/],
    [['daily', '--date', 'yesterday'], /not a date/],
    [['daily', '--from', '2024-05-02', '--to', '2024-05-01'], /--from 2024-05-02 is after --to 2024-05-01/],
    [['daily', '--date', '2024-05-01', '--from', '2024-05-01', '--to', '2024-05-02'], /either --date or --from\/--to/],
    [['daily', '--from', '2024-05-01'], /--from and --to go together/],
    [['weekly', '--to', '2024-05-01'], /--from and --to go together/],
    [['weekly', '--from', '2024-5-1', '--to', '2024-05-02'], /not a date/],
    [['daily', '--concurrency', '0'], /not a positive whole number/],
    [['weekly', '--bogus'], /unknown option/],
  ])('%j is a usage error (exit 2) with a hint', async (args, message) => {
    const r = await scenario.cli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stderr).toMatch(/hint:/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
    expect(r.stdout).toBe('');
  });

  it.each(['daily', 'weekly'])('a second %s while another holds the lock exits 75 at once', async (job) => {
    await scenario.world.es.index({
      index: scenario.names.state,
      id: `lock:${job}`,
      refresh: true,
      document: {
        key: `lock:${job}`,
        kind: 'lock',
        value: { run_id: 'other', host: hostname(), pid: process.pid, started_at: new Date().toISOString() },
        heartbeat_at: new Date().toISOString(),
      },
    });
    try {
      const started = Date.now();
      const r = await scenario.cli([job, '--date', '2024-05-01']);
      expect(r.code).toBe(75);
      expect(r.stderr).toMatch(new RegExp(`another ${job} run holds the lock`));
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await scenario.world.es.delete({ index: scenario.names.state, id: `lock:${job}`, refresh: true });
    }
  });

  it.each(['daily', 'weekly'])('%s --help explains the cron form and ends with examples', async (job) => {
    const r = await scenario.cli([job, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--date <day>/);
    expect(r.stdout).toMatch(/--from <day>/);
    expect(r.stdout).toMatch(/With no date/);
    expect(r.stdout).toMatch(
      new RegExp(`Examples:\\n  \\$ earlypay ${job === 'daily' ? 'daily' : 'daily && earlypay weekly'}`),
    );
  });
});
