/**
 * docs/contract.md §8: bulk rejections (429) are retried with backoff and nothing is lost. An
 * Elasticsearch of its own (port 9231) runs with one write thread and a write queue of one,
 * so an ingest with many bulk requests in flight is refused again and again; the run must
 * still finish with every accepted row written once, and say how many were retried.
 */
import {
  OwnElasticsearch,
  expectRejectsDeadLettered,
  expectSalesEqualSql,
  runCliProcess,
  worldOnOwnElasticsearch,
} from './support';

const ROWS = 30_000;
const es = new OwnElasticsearch(
  Number(process.env.FAULT_ES_PORT_429 ?? 9231),
  'thread_pool.write.size=1 thread_pool.write.queue_size=1',
);
const world = worldOnOwnElasticsearch('fault-429', es, ROWS);
const names = () => ({ sales: `${world.prefix}-sales`, deadletter: `${world.prefix}-deadletter` });

describe('bulk rejections (429)', () => {
  it('the node really is configured to refuse: one write thread, a queue of one', async () => {
    const res = await world.es.nodes.info({ metric: 'thread_pool' });
    const pool = Object.values(res.nodes)[0]!.thread_pool!.write!;
    expect([pool.type, pool.size, pool.queue_size]).toEqual(['fixed', 1, 1]);
  });

  it('are retried until every row is written once; the run reports its retries', async () => {
    const r = await runCliProcess(['ingest', ...world.args, '--concurrency', '8', '--batch-size', '500', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.json<{ retried: number; indexed: number; rejected: number }>();
    expect(out.retried).toBeGreaterThan(0);
    const stats = await world.es.nodes.stats({ metric: 'thread_pool' });
    expect(Object.values(stats.nodes)[0]!.thread_pool!.write!.rejected).toBeGreaterThan(0);

    const compared = await expectSalesEqualSql(world, world.es, names().sales);
    const rejected = await expectRejectsDeadLettered(world, world.es, names().deadletter);
    expect(compared + rejected).toBe(ROWS);
    expect(out.indexed).toBe(compared);
    expect(out.rejected).toBe(rejected);
  }, 900_000);
});
