/**
 * docs/contract.md §8: the MySQL connection cut mid-read. While `ingest` streams the table, an admin
 * connection finds the reader's thread in information_schema.PROCESSLIST (this test's own
 * database) and kills it — first the whole connection (KILL CONNECTION), later only the
 * running statement (KILL QUERY). Each time: exit 1 with one clear line, the checkpoint covers
 * only rows that are in Elasticsearch, and a re-run makes the index exact.
 *
 * Nothing is stopped here but the reader's own connection: the shared MariaDB and
 * Elasticsearch keep running.
 */
import { INGEST_DEFAULTS } from '../../../src/core/ingest/pipeline';
import { createSourceTable } from '../../../src/core/source/schema';
import { TestWorld } from '../../support';
import {
  expectCheckpointCoversOnlyWrittenRows,
  expectOneClearLine,
  expectRejectsDeadLettered,
  expectSalesEqualSql,
  insertGeneratedSales,
  readCheckpoint,
  runCliProcess,
  spawnCli,
  waitFor,
} from './support';

const world = new TestWorld('fault-mysqlkill');
const FIRST = INGEST_DEFAULTS.segmentRows + 40_000;
const LATER = 40_000;
const names = () => ({
  sales: `${world.prefix}-sales`,
  deadletter: `${world.prefix}-deadletter`,
  runs: `${world.prefix}-runs`,
});
const checkpoint = () => readCheckpoint(world);

/** The reader's statement, running now in this test's database (never the test's own). */
async function runningReader(): Promise<string | null> {
  const rows = await world.query<{ ID: string }>(
    `SELECT ID FROM information_schema.PROCESSLIST
      WHERE DB = ? AND COMMAND = 'Query' AND ID <> CONNECTION_ID() AND INFO LIKE 'SELECT %FROM \`platform_sales\`%'`,
    [world.database],
  );
  return rows.length ? String(rows[0]!.ID) : null;
}

/**
 * Starts an ingest and, once `when` holds, catches its reader mid-read and kills it: the
 * table is write-locked from another session, so the reader's next page waits inside MySQL
 * (a running statement, found in PROCESSLIST at leisure) while the sink keeps writing; after
 * KILL CONNECTION / KILL QUERY the lock is released.
 */
async function ingestKilledMidRead(kill: 'CONNECTION' | 'QUERY', when: () => Promise<boolean>) {
  const run = spawnCli(['ingest', ...world.args]);
  let exited = false;
  void run.done.then(() => (exited = true));
  const locker = await world.pool.getConnection();
  try {
    expect(await waitFor(when, 240_000, 20, () => exited)).toBe(true);
    await locker.query('LOCK TABLES platform_sales WRITE');
    let reader: string | null = null;
    expect(
      await waitFor(
        async () => {
          reader = await runningReader();
          return reader !== null;
        },
        120_000,
        20,
        () => exited,
      ),
    ).toBe(true);
    await world.query(`KILL ${kill} ${Number(reader)}`);
  } finally {
    await locker.query('UNLOCK TABLES').catch(() => undefined);
    locker.release();
  }
  return run.done;
}

beforeAll(async () => {
  await world.start();
  await createSourceTable(world.pool);
  await insertGeneratedSales(world, 1, FIRST);
}, 300_000);

afterAll(() => world.stop());

describe('the MySQL connection killed mid-read', () => {
  it('KILL CONNECTION after the first checkpoint: exit 1, one clear line, checkpoint behind the writes; a re-run is ' +
    'exact', async () => {
    const failed = await ingestKilledMidRead('CONNECTION', async () => (await checkpoint()) !== null);
    expect(failed.code).toBe(1);
    expectOneClearLine(failed.stderr);
    expect(failed.stderr).toMatch(/^earlypay: MySQL: reading platform_sales failed: \S/);
    expect(failed.stdout).toBe('');
    expect(await expectCheckpointCoversOnlyWrittenRows(world)).toBeGreaterThanOrEqual(
      INGEST_DEFAULTS.segmentRows * 0.9,
    );

    const runs = await world.allDocs<{ command: string; status: string; exit_code: number; error: string }>(
      names().runs,
    );
    expect([...runs.values()].filter((r) => r.status === 'failed').map((r) => [r.command, r.exit_code])).toEqual([
      ['ingest', 1],
    ]);

    const rerun = await runCliProcess(['ingest', ...world.args, '--json']);
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    expect(rerun.json<{ mode: string }>().mode).toBe('incremental');
    const compared = await expectSalesEqualSql(world, world.es, names().sales);
    expect(compared + (await expectRejectsDeadLettered(world, world.es, names().deadletter))).toBe(FIRST);
  }, 900_000);

  it('KILL QUERY of an incremental read: exit 1, one clear line, checkpoint unchanged; a re-run is exact', async () => {
    const before = await checkpoint();
    await insertGeneratedSales(world, FIRST + 1, LATER, FIRST);
    const written = (await world.es.count({ index: names().sales })).count;
    // Mid-read: some of the new rows are written already.
    const failed = await ingestKilledMidRead('QUERY', async () => {
      await world.es.indices.refresh({ index: names().sales });
      return (await world.es.count({ index: names().sales })).count > written;
    });
    expect(failed.code).toBe(1);
    expectOneClearLine(failed.stderr);
    expect(failed.stderr).toMatch(/^earlypay: MySQL: reading platform_sales failed: \S/);
    expect(await checkpoint()).toEqual(before);
    await expectCheckpointCoversOnlyWrittenRows(world);

    const rerun = await runCliProcess(['ingest', ...world.args, '--json']);
    expect(rerun.code).toBe(0);
    const compared = await expectSalesEqualSql(world, world.es, names().sales);
    expect(compared + (await expectRejectsDeadLettered(world, world.es, names().deadletter))).toBe(FIRST + LATER);
  }, 900_000);
});
