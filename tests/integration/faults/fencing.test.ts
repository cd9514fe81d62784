/**
 * Issue 29, fencing: a run that lost its lock cannot move anything shared afterwards. An ingest
 * is frozen (SIGSTOP) mid-run past the lock's staleness limit (EARLYPAY_LOCK_STALE_AFTER=4s
 * here, so the test is quick); rows it may already hold are changed in MySQL behind its back
 * (no new `modified`); `reconcile --all --repair` takes the ingest lock over and makes the index
 * equal MySQL, and a plain ingest finishes the copy. Then the frozen run is resumed: it must
 * stop with one line and exit 1, and change nothing — no sale, no checkpoint, no changed-day
 * mark, no lock, no run document. (It used to finish "succeeded", exit 0, with 407 sales now
 * differing from MySQL, and its run document went from `abandoned` back to `succeeded`.)
 */
import { createHash } from 'node:crypto';
import { INGEST_DEFAULTS } from '../../../src/core/ingest/pipeline';
import {
  expectOneClearLine,
  expectSalesEqualSql,
  runCliProcess,
  salesCount,
  spawnCliUntil,
  type RunningCli,
  worldWithGeneratedSales,
} from './support';

const ROWS = INGEST_DEFAULTS.segmentRows + 50_000;
const world = worldWithGeneratedSales('fault-fencing', ROWS);
const STALE = { EARLYPAY_LOCK_STALE_AFTER: '4s' };

/**
 * Every document of the state, sales, anomalies and dead-letter indices, and the run documents but `except`'s, as one
 * digest each.
 */
async function snapshot(except: number): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const alias of [world.names.state, world.names.sales, world.names.anomalies, world.names.deadletter]) {
    await world.es.indices.refresh({ index: alias });
    const lines: string[] = [];
    for await (const res of world.es.helpers.scrollSearch({
      index: alias,
      size: 5000,
      sort: ['_doc'],
      seq_no_primary_term: true,
      query: { match_all: {} },
    })) {
      for (const h of res.body.hits.hits) lines.push(`${h._id} ${h._seq_no} ${JSON.stringify(h._source)}`);
    }
    out[alias] = createHash('sha256').update(lines.sort().join('\n')).digest('hex');
  }
  const runs = [...(await world.allDocs<{ pid: number }>(world.names.runs)).entries()].filter(
    ([, r]) => r.pid !== except,
  );
  out.runs = JSON.stringify(runs.sort());
  return out;
}

describe('an ingest frozen past the staleness limit, then resumed', () => {
  it('stops with one line and exit 1 and changes nothing; the index still equals MySQL', async () => {
    const frozen = await spawnCliUntil(
      ['ingest', ...world.args],
      async () => (await salesCount(world)) > 30_000,
      STALE,
    );
    try {
      await frozenThenResumed(frozen);
    } finally {
      if (!frozen.exited()) process.kill(frozen.pid, 'SIGKILL');
    }
  }, 900_000);
});

async function frozenThenResumed(frozen: RunningCli): Promise<void> {
  process.kill(frozen.pid, 'SIGSTOP');
  // Behind its back: rows it has written, and rows it may hold read but not written yet.
  const written = await salesCount(world);
  await world.query('UPDATE platform_sales SET amount_sale = amount_sale + 7 WHERE id BETWEEN ? AND ?', [
    written - 5_000,
    written + 20_000,
  ]);
  await new Promise((r) => setTimeout(r, 5_000));
  const repair = await runCliProcess(['reconcile', '--all', '--repair', ...world.args], STALE);
  expect(repair.stderr).toBe('');
  expect(repair.code).toBe(0);
  const ingest = await runCliProcess(['ingest', ...world.args, '--json'], STALE);
  expect(ingest.stderr).toMatch(/^warning: the previous ingest run \S+ .* was abandoned: no heartbeat from pid/);
  expect(ingest.code).toBe(0);
  await expectSalesEqualSql(world, world.es, world.names.sales);
  const before = await snapshot(frozen.pid);

  process.kill(frozen.pid, 'SIGCONT');
  const resumed = await frozen.done;
  expect(resumed.code).toBe(1);
  expect(resumed.stdout).toBe('');
  expectOneClearLine(resumed.stderr);
  expect(resumed.stderr).toMatch(
    /^earlypay: ingest lost its lock: this run stood still past the staleness limit \(4 s without a heartbeat\)/,
  );

  expect(await snapshot(frozen.pid)).toEqual(before);
  const own = [...(await world.allDocs<{ pid: number; status: string }>(world.names.runs)).values()].find(
    (r) => r.pid === frozen.pid,
  );
  expect(own?.status).toBe('abandoned');
  await expectSalesEqualSql(world, world.es, world.names.sales);
  expect((await runCliProcess(['reconcile', '--all', ...world.args])).code).toBe(0);
}
