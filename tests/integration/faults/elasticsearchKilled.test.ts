/**
 * SPEC §8: Elasticsearch SIGKILLed mid-ingest, restarted, ingest re-run → every accepted row
 * in ES exactly once with its values, rejects in the dead letter, nothing doubled. The kill
 * lands after the first segment's checkpoint was written, so the test also proves that the
 * checkpoint only covers rows that were safely written before the crash.
 *
 * Runs on an Elasticsearch of its own (port 9230); the shared 9200/9201 are never touched.
 */
import { INGEST_DEFAULTS } from '../../../src/core/ingest/pipeline';
import { createSourceTable } from '../../../src/core/source/schema';
import { TestWorld } from '../support';
import { GENERATED_ACCEPTED, OwnElasticsearch, expectOneClearLine, expectRejectsDeadLettered, expectSalesEqualSql, insertGeneratedSales, spawnCli, runCliProcess, waitFor } from './support';

const es = new OwnElasticsearch(Number(process.env.FAULT_ES_PORT_KILL ?? 9230));
const world = new TestWorld('fault-eskill', es.url);
// Enough rows for the first checkpointed segment plus a good part of a second one.
const ROWS = INGEST_DEFAULTS.segmentRows + 40_000;
const names = () => ({ sales: `${world.prefix}-sales`, deadletter: `${world.prefix}-deadletter`, state: `${world.prefix}-state` });

interface Checkpoint { modified: string; id: string }
async function checkpoint(): Promise<Checkpoint | null> {
  const res = await world.es.get<{ value: Checkpoint }>({ index: names().state, id: 'checkpoint:ingest:platform_sales' }, { ignore: [404] });
  return res.found ? res._source!.value : null;
}

beforeAll(async () => {
  await es.up();
  await world.start();
  await createSourceTable(world.pool);
  await insertGeneratedSales(world, 1, ROWS);
}, 600_000);

afterAll(async () => {
  await world.stop();
  await es.down();
}, 300_000);

describe('Elasticsearch killed mid-ingest', () => {
  it('the run exits 1 with one clear line; the checkpoint covers only rows safely written; a re-run is exact', async () => {
    const run = spawnCli(['ingest', ...world.args]);
    // Kill once the first segment is checkpointed and the second is being written.
    let killedAt = -1;
    const reached = await waitFor(async () => {
      if (!(await checkpoint())) return false;
      await world.es.indices.refresh({ index: names().sales });
      killedAt = (await world.es.count({ index: names().sales })).count;
      return true;
    }, 240_000, 100);
    expect(reached).toBe(true);
    await es.kill();
    const failed = await run.done;
    expect(killedAt).toBeLessThan(ROWS - 1000);

    expect(failed.code).toBe(1);
    expectOneClearLine(failed.stderr);
    expect(failed.stderr).toMatch(/Elasticsearch/);
    expect(failed.stdout).toBe('');

    await es.up();
    // Every row up to the checkpoint is there: the checkpoint never ran ahead of the writes.
    const cp = (await checkpoint())!;
    expect(cp).not.toBeNull();
    const covered = await world.query<{ id: string }>(
      `SELECT id FROM platform_sales WHERE (${GENERATED_ACCEPTED}) AND (modified < ? OR (modified = ? AND id <= ?)) ORDER BY id`,
      [cp.modified, cp.modified, cp.id],
    );
    expect(covered.length).toBeGreaterThanOrEqual(INGEST_DEFAULTS.segmentRows * 0.9);
    const missing: string[] = [];
    for (let i = 0; i < covered.length; i += 10_000) {
      const ids = covered.slice(i, i + 10_000).map((r) => String(r.id));
      const res = await world.es.mget({ index: names().sales, ids, _source: false });
      for (const d of res.docs) if (!('found' in d) || !d.found) missing.push(d._id);
    }
    expect(missing).toEqual([]);

    // The dead run's lock is taken over (its process is gone); the re-run finishes the job.
    const rerun = await runCliProcess(['ingest', ...world.args, '--json']);
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    expect(rerun.json<{ mode: string }>().mode).toBe('incremental');

    const compared = await expectSalesEqualSql(world, world.es, names().sales);
    const rejected = await expectRejectsDeadLettered(world, world.es, names().deadletter);
    expect(compared + rejected).toBe(ROWS);
  }, 900_000);
});
