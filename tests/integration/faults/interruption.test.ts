/**
 * Issue 10, operator safety: a real `earlypay` process interrupted mid-ingest with SIGINT
 * (Ctrl-C) and SIGTERM (systemd, `kill`) at different moments, one killed with -9, a dry run on
 * a new prefix, an Elasticsearch that refuses connections, and Ctrl-C on a non-job command.
 *
 * Interrupted: exit 130/143, one line on stderr, the run document `interrupted`, the lock gone,
 * the checkpoint only past rows in Elasticsearch, and a re-run makes the index exact.
 * Killed: `doctor` fails on the vanished run, the next ingest records it `abandoned`.
 * Only the CLI processes this test starts are signalled; the shared services keep running.
 */
import { INGEST_DEFAULTS } from '../../../src/core/ingest/pipeline';
import { createSourceTable } from '../../../src/core/source/schema';
import { StateStore } from '../../../src/core/state/store';
import { TestWorld } from '../../support';
import {
  expectCheckpointCoversOnlyWrittenRows,
  expectOneClearLine,
  expectRejectsDeadLettered,
  expectSalesEqualSql,
  insertGeneratedSales,
  readCheckpoint,
  runCliProcess,
  salesCount,
  spawnCli,
  waitFor,
  type ProcessResult,
} from './support';

const world = new TestWorld('fault-signals');
const ROWS = INGEST_DEFAULTS.segmentRows + 50_000;
const MORE = 60_000;
const names = () => ({
  sales: `${world.prefix}-sales`,
  deadletter: `${world.prefix}-deadletter`,
  runs: `${world.prefix}-runs`,
  state: `${world.prefix}-state`,
});

interface Run {
  run_id: string;
  command: string;
  status: string;
  exit_code?: number;
  error?: string;
  pid: number;
  heartbeat_at?: string;
}

async function runs(): Promise<Run[]> {
  const all = await world.allDocs<Run>(names().runs).catch(() => new Map<string, Run>());
  return [...all.values()];
}

async function runOf(pid: number): Promise<Run | undefined> {
  return (await runs()).find((r) => r.pid === pid);
}

async function lockHeld(): Promise<boolean> {
  const res = await world.es.get({ index: names().state, id: 'lock:ingest' }, { ignore: [404] });
  return res.found === true;
}

/** Starts an ingest, waits until `when` holds while it runs, then sends `signal`. */
async function ingestSignalled(
  signal: NodeJS.Signals,
  when: () => Promise<boolean>,
): Promise<ProcessResult & { pid: number }> {
  const run = spawnCli(['ingest', ...world.args]);
  let exited = false;
  void run.done.then(() => (exited = true));
  expect(await waitFor(when, 240_000, 20, () => exited)).toBe(true);
  process.kill(run.pid, signal);
  return { ...(await run.done), pid: run.pid };
}

/** What an interrupted ingest must leave behind. */
async function expectInterrupted(result: ProcessResult & { pid: number }, signal: 'SIGINT' | 'SIGTERM'): Promise<void> {
  expect(result.signal).toBeNull(); // it exited by itself, not killed by the signal
  expect(result.code).toBe(signal === 'SIGINT' ? 130 : 143);
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(
    new RegExp(
      `^earlypay: ingest interrupted by ${signal}, stopped at a safe point: ingest \\(\\w+\\): read [\\d,]+ rows, ` +
        `.*; lock released; re-run \`earlypay ingest\` to resume`,
    ),
  );
  expectOneClearLine(result.stderr);
  const run = await runOf(result.pid);
  expect(run).toMatchObject({ command: 'ingest', status: 'interrupted', exit_code: result.code });
  expect(await lockHeld()).toBe(false);
  await expectCheckpointCoversOnlyWrittenRows(world);
}

beforeAll(async () => {
  await world.start();
  await createSourceTable(world.pool);
  await insertGeneratedSales(world, 1, ROWS);
}, 300_000);

afterAll(() => world.stop());

describe('an ingest interrupted with SIGINT / SIGTERM', () => {
  it('SIGINT while the first segment is written: exit 130, one line, run interrupted, lock released, checkpoint past ' +
    'what was written', async () => {
    const result = await ingestSignalled('SIGINT', async () => (await salesCount(world)) > 0);
    await expectInterrupted(result, 'SIGINT');
    // Stopped between batches: what was read is written and checkpointed, long before the segment's end.
    const cp = await readCheckpoint(world);
    expect(cp).not.toBeNull();
    expect(Number(cp!.id)).toBeLessThan(ROWS);
  }, 300_000);

  it('SIGTERM after a segment was checkpointed: exit 143, the same; the next run starts at once and makes the index ' +
    'exact', async () => {
    const before = await readCheckpoint(world);
    const result = await ingestSignalled('SIGTERM', async () => {
      const cp = await readCheckpoint(world);
      return cp !== null && Number(cp.id) > Number(before!.id);
    });
    await expectInterrupted(result, 'SIGTERM');

    const rerun = await runCliProcess(['ingest', ...world.args, '--json']);
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    expect(rerun.json<{ status: string }>().status).toBe('ok');
    const accepted = await expectSalesEqualSql(world, world.es, names().sales);
    expect(accepted).toBeGreaterThan(ROWS * 0.99);
    await expectRejectsDeadLettered(world, world.es, names().deadletter);
  }, 600_000);
});

describe('an ingest killed with -9', () => {
  it('doctor reports the vanished run as a failure; the days it wrote are marked for daily; the next ingest records ' +
    'it abandoned and the index ends exact', async () => {
    // daily recomputes every marked day and clears the marks: what is marked after this, the killed run marked.
    expect((await runCliProcess(['daily', ...world.args])).code).toBe(0);
    const state = new StateStore(world.es, names().state);
    expect(await state.changedDays('daily')).toEqual([]);
    await insertGeneratedSales(world, ROWS + 1, MORE, ROWS);
    const before = await salesCount(world);
    const run = spawnCli(['ingest', ...world.args]);
    let exited = false;
    void run.done.then(() => (exited = true));
    expect(
      await waitFor(
        async () => (await runOf(run.pid))?.status === 'running' && (await salesCount(world)) > before + 1_000,
        240_000,
        20,
        () => exited,
      ),
    ).toBe(true);
    process.kill(run.pid, 'SIGKILL');
    expect((await run.done).signal).toBe('SIGKILL');
    const killed = (await runOf(run.pid))!;
    expect(killed.status).toBe('running');
    expect(killed.heartbeat_at).toBeDefined();
    // Killed before its first checkpoint: the days of the rows it wrote are marked all the same
    // (before they were written), or daily would never recompute them — the next run finds those rows as they are.
    const written = [...(await world.allDocs<{ sale_date: string }>(names().sales)).entries()].filter(
      ([id]) => Number(id) > ROWS,
    );
    expect(written.length).toBeGreaterThan(1_000);
    const marked = new Set((await state.changedDays('daily')).map((m) => m.day));
    expect([...new Set(written.map(([, d]) => d.sale_date))].filter((day) => !marked.has(day))).toEqual([]);

    const doctor = await runCliProcess(['doctor', ...world.args, '--json']);
    expect(doctor.code).toBe(1);
    const check = doctor
      .json<{ checks: { name: string; status: string; detail: string }[] }>()
      .checks.find((c) => c.name === 'last ingest');
    expect(check).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^abandoned: .*its process \(pid \d+ on .+\) is gone$/),
    });

    const next = await runCliProcess(['ingest', ...world.args, '--json']);
    expect(next.code).toBe(0);
    expect(next.stderr).toMatch(
      new RegExp(
        `^warning: the previous ingest run ${killed.run_id} \\(started .+\\) was abandoned: its process \\(pid ` +
          `${run.pid} on .+\\) is gone; recorded as abandoned\\n$`,
      ),
    );
    expect(await runOf(run.pid)).toMatchObject({ status: 'abandoned', error: expect.stringContaining('is gone') });
    await expectSalesEqualSql(world, world.es, names().sales);

    const after = await runCliProcess(['doctor', ...world.args, '--json']);
    expect(
      after.json<{ checks: { name: string; status: string }[] }>().checks.find((c) => c.name === 'last ingest')!.status,
    ).toBe('ok');
  }, 600_000);
});

describe('other jobs interrupted', () => {
  it('anomalies scan with SIGINT: exit 130, one line, run interrupted, its lock released; a re-run ' +
    'completes', async () => {
    const scan = ['anomalies', 'scan', ...world.args, '--from', '2024-04-01', '--to', '2024-04-30'];
    const run = spawnCli(scan);
    let exited = false;
    void run.done.then(() => (exited = true));
    expect(
      await waitFor(
        async () => (await runOf(run.pid))?.status === 'running',
        120_000,
        10,
        () => exited,
      ),
    ).toBe(true);
    process.kill(run.pid, 'SIGINT');
    const result = await run.done;
    expect(result.signal).toBeNull();
    expect(result.code).toBe(130);
    expect(result.stderr).toBe(
      'earlypay: anomalies scan interrupted by SIGINT, stopped before it finished; nothing unfinished was recorded ' +
        'as done; lock released; re-run `earlypay anomalies scan` to do it again\n',
    );
    expect(await runOf(run.pid)).toMatchObject({ command: 'anomalies scan', status: 'interrupted', exit_code: 130 });
    expect((await world.es.get({ index: names().state, id: 'lock:anomalies-scan' }, { ignore: [404] })).found).toBe(
      false,
    );

    const again = await runCliProcess(scan);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
  }, 300_000);
});

describe('a dry run writes nothing', () => {
  it('ingest --dry-run on a new prefix creates no index, no run document and no lock, and still checks every ' +
    'row', async () => {
    const prefix = `${world.prefix}-dry`;
    const args = ['--es-url', world.esUrl, '--mysql-url', world.mysqlUrl, '--index-prefix', prefix];
    const dry = await runCliProcess(['ingest', ...args, '--dry-run', '--json']);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    const out = dry.json<{ dry_run: boolean; read: number; accepted: number }>();
    expect(out.dry_run).toBe(true);
    expect(out.read).toBe(ROWS + MORE);
    const indices = await world.es.cat.indices({ index: `${prefix}-*`, format: 'json', expand_wildcards: 'all' });
    expect(indices.map((i) => i.index)).toEqual([]);
  }, 300_000);
});

describe('a command on a stopped service or cut short', () => {
  // A port of this test's range nobody listens on.
  const refused = ['--es-url', 'http://127.0.0.1:9246', '--mysql-url', world.mysqlUrl, '--index-prefix', world.prefix];

  it('an Elasticsearch that refuses connections is reported at once: exit 1, one clear line, no retries with ' +
    'backoff', async () => {
    for (const cmd of [['search', 'sales', '--limit', '1'], ['ingest'], ['daily']]) {
      const r = await runCliProcess([cmd[0]!, ...refused, ...cmd.slice(1)]);
      expect(r.code).toBe(1);
      expectOneClearLine(r.stderr);
      expect(r.stderr).toMatch(
        /^earlypay: Elasticsearch at http:\/\/127\.0\.0\.1:9246\/ is unreachable \(connect ECONNREFUSED/,
      );
      // Three retries with backoff took 7–10 s; a refusal is final on a single node. The client's
      // transport logs every retry under DEBUG=elasticsearch (with two nodes it does: the other is tried).
      const traced = await runCliProcess([cmd[0]!, ...refused, ...cmd.slice(1)], { DEBUG: 'elasticsearch' });
      expect(traced.code).toBe(1);
      expect(traced.stderr).toMatch(/ECONNREFUSED/);
      expect(traced.stderr).not.toMatch(/Retrying request/);
    }
    const twoNodes = await runCliProcess(
      [
        'daily',
        '--es-url',
        'http://127.0.0.1:9246,http://127.0.0.1:9247',
        '--mysql-url',
        world.mysqlUrl,
        '--index-prefix',
        world.prefix,
      ],
      { DEBUG: 'elasticsearch' },
    );
    expect(twoNodes.code).toBe(1);
    expect(twoNodes.stderr).toMatch(/Retrying request/);
  }, 120_000);

  it('Ctrl-C on search (not a job): exit 130 with one line, not killed by the signal', async () => {
    const run = spawnCli(['search', 'sales', ...world.args, '--all', '--format', 'ndjson']);
    let exited = false;
    void run.done.then(() => (exited = true));
    // Interrupted while it streams: some hits are out, far from all of them.
    expect(
      await waitFor(
        async () => run.stdoutSoFar().split('\n').length > 100,
        60_000,
        10,
        () => exited,
      ),
    ).toBe(true);
    process.kill(run.pid, 'SIGINT');
    const result = await run.done;
    expect(result.stdout.split('\n').length).toBeLessThan(ROWS);
    expect(result.signal).toBeNull();
    expect(result.code).toBe(130);
    expect(result.stderr).toBe('earlypay: interrupted by SIGINT\n');
  }, 120_000);
});
