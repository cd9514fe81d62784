/**
 * docs/contract.md §8: Elasticsearch SIGKILLed mid-ingest, restarted, ingest re-run → every accepted row
 * in ES exactly once with its values, rejects in the dead letter, nothing doubled. The kill
 * lands after the first segment's checkpoint was written, so the test also proves that the
 * checkpoint only covers rows that were safely written before the crash.
 *
 * Runs on an Elasticsearch of its own (port 9230); the shared 9200/9201 are never touched.
 */
import { joinedRegExp } from '../../support';
import { INGEST_DEFAULTS } from '../../../src/core/ingest/pipeline';
import {
  OwnElasticsearch,
  expectCheckpointCoversOnlyWrittenRows,
  expectOneClearLine,
  expectRejectsDeadLettered,
  expectSalesEqualSql,
  readCheckpoint,
  runCliProcess,
  spawnCli,
  waitFor,
  worldOnOwnElasticsearch,
} from './support';

// Enough rows for the first checkpointed segment plus a good part of a second one.
const ROWS = INGEST_DEFAULTS.segmentRows + 60_000;
const es = new OwnElasticsearch(Number(process.env.FAULT_ES_PORT_KILL ?? 9230));
const world = worldOnOwnElasticsearch('fault-eskill', es, ROWS);
const names = () => ({ sales: `${world.prefix}-sales`, deadletter: `${world.prefix}-deadletter` });

describe('Elasticsearch killed mid-ingest', () => {
  it('the run exits 1 with one clear line; the checkpoint covers only rows safely written; a re-run is ' +
    'exact', async () => {
    const run = spawnCli(['ingest', ...world.args]);
    let exited = false;
    void run.done.then(() => (exited = true));
    // Kill once the first segment is checkpointed and the second is being written.
    let killedAt = -1;
    const reached = await waitFor(
      async () => {
        if (!(await readCheckpoint(world))) return false;
        await world.es.indices.refresh({ index: names().sales });
        killedAt = (await world.es.count({ index: names().sales })).count;
        return true;
      },
      240_000,
      100,
      () => exited,
    );
    expect(reached).toBe(true);
    await es.kill();
    const failed = await run.done;
    expect(killedAt).toBeLessThan(ROWS - 1000);

    expect(failed.code).toBe(1);
    expectOneClearLine(failed.stderr);
    expect(failed.stderr).toMatch(/^earlypay: Elasticsearch at http:\/\/127\.0\.0\.1:\d+\/ is unreachable \(/);
    expect(failed.stdout).toBe('');

    await es.up();
    // Every row up to the checkpoint is there: the checkpoint never ran ahead of the writes.
    expect(await expectCheckpointCoversOnlyWrittenRows(world)).toBeGreaterThanOrEqual(
      INGEST_DEFAULTS.segmentRows * 0.9,
    );

    // The dead run's lock is taken over (its process is gone); the re-run finishes the job.
    // The dead run could not record its failure in the Elasticsearch that was down: its run
    // document still says `running`, and the re-run records it abandoned (its process is gone).
    const rerun = await runCliProcess(['ingest', ...world.args, '--json']);
    expect(rerun.stderr).toMatch(
      joinedRegExp(
        /^warning: the previous ingest run \S+ \(started .+\) was abandoned: its process \(pid \d+ on /,
        /.+\) is gone; recorded as abandoned\n$/,
      ),
    );
    expect(rerun.code).toBe(0);
    expect(rerun.json<{ mode: string }>().mode).toBe('incremental');

    const compared = await expectSalesEqualSql(world, world.es, names().sales);
    const rejected = await expectRejectsDeadLettered(world, world.es, names().deadletter);
    expect(compared + rejected).toBe(ROWS);
  }, 900_000);
});
