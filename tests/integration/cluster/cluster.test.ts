/**
 * A 3-node cluster (scripts/stack.sh ES_NODES=3 on ports 9210-9212 of its own; the shared
 * 9200/9201 are never touched), indices with 3 shards and 1 replica, ES_URL naming every node:
 * daily and weekly equal SQL with the sales spread over the shards; one node SIGKILLed
 * mid-ingest → the ingest finishes, or exits 1 with one clear line and a re-run is exact;
 * search, doctor and the node list keep working with the node down.
 */
import {
  OwnElasticsearch,
  expectOneClearLine,
  expectRejectsDeadLettered,
  expectSalesEqualSql,
  insertGeneratedSales,
  runCliProcess,
  spawnCli,
  waitFor,
} from '../faults/support';
import { AovScenario, registerComparison } from '../aov/scenario';
import { TestWorld } from '../../support';
import { createSourceTable } from '../../../src/core/source/schema';

const cluster = new OwnElasticsearch(Number(process.env.CLUSTER_ES_PORT ?? 9210), '', 3);
const LAYOUT = ['--shards', '3', '--replicas', '1'];

beforeAll(() => cluster.up(), 600_000);
afterAll(() => cluster.down(), 300_000);

async function expectThreeShardsOneReplica(world: TestWorld, alias: string): Promise<void> {
  const settings = await world.es.indices.getSettings({ index: alias, flat_settings: true });
  expect(Object.values(settings)[0]!.settings).toMatchObject({
    'index.number_of_shards': '3',
    'index.number_of_replicas': '1',
  });
  // Every shard holds some of the sales (the routing spreads the ids).
  for (const shard of [0, 1, 2])
    expect((await world.es.count({ index: alias, preference: `_shards:${shard}` })).count).toBeGreaterThan(0);
}

describe('daily and weekly equal SQL with the sales spread over 3 shards', () => {
  const scenario = new AovScenario(cluster.url, 'cluster-aov');
  beforeAll(async () => {
    await scenario.start();
    const setup = await scenario.cli(['setup', ...LAYOUT, '--json']);
    expect(setup.code).toBe(0);
  }, 300_000);
  afterAll(() => scenario.stop());

  it('runs on 3 nodes', async () => {
    const health = await scenario.world.es.cluster.health();
    expect(health.number_of_nodes).toBe(3);
  });

  registerComparison(scenario);

  it('the sales index has 3 shards and 1 replica, each shard holding sales', async () => {
    await expectThreeShardsOneReplica(scenario.world, `${scenario.world.prefix}-sales`);
  });
});

describe('a node SIGKILLed mid-ingest', () => {
  const ROWS = 80_000;
  const world = new TestWorld('cluster-kill', cluster.url);
  const sales = () => `${world.prefix}-sales`;
  beforeAll(async () => {
    await world.start();
    await createSourceTable(world.pool);
    await insertGeneratedSales(world, 1, ROWS);
    expect((await world.cli(['setup', ...LAYOUT, '--json'])).code).toBe(0);
  }, 300_000);
  afterAll(() => world.stop());

  it('the ingest finishes, or exits 1 cleanly and a re-run is exact; search and doctor work with the node ' +
    'down', async () => {
    const run = spawnCli(['ingest', ...world.args, '--json']);
    let exited = false;
    void run.done.then(() => (exited = true));
    const reached = await waitFor(
      async () => {
        await world.es.indices.refresh({ index: sales() });
        return (await world.es.count({ index: sales() })).count >= 10_000;
      },
      240_000,
      200,
      () => exited,
    );
    expect(reached).toBe(true);
    await cluster.killNode(1);
    const first = await run.done;

    if (first.code !== 0) {
      expect(first.code).toBe(1);
      expectOneClearLine(first.stderr);
      const rerun = await runCliProcess(['ingest', ...world.args, '--json']);
      expect(rerun.stderr).toBe('');
      expect(rerun.code).toBe(0);
    } else {
      expect(first.json<{ status: string }>().status).toBe('ok');
    }
    const compared = await expectSalesEqualSql(world, world.es, sales());
    const rejected = await expectRejectsDeadLettered(world, world.es, `${world.prefix}-deadletter`);
    expect(compared + rejected).toBe(ROWS);
    await expectThreeShardsOneReplica(world, sales());

    // Search with the node still down (ES_URL still names it: the client skips it).
    const ids = (stdout: string) =>
      stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { id: string }).id)
        .sort();
    const sqlIds = async (where: string) =>
      (
        await world.query<{ id: string }>(
          `SELECT CAST(id AS CHAR) AS id FROM platform_sales WHERE ${where} AND card_number <> '' AND sold_at >= ` +
            `'1000-01-01'`,
        )
      )
        .map((r) => r.id)
        .sort();
    const byStore = await world.cli([
      'search',
      'sales',
      '--store',
      '6',
      '--all',
      '--fields',
      'id',
      '--format',
      'ndjson',
    ]);
    expect(byStore.code).toBe(0);
    expect(ids(byStore.stdout)).toEqual(await sqlIds('store_id = 6'));
    const byText = await world.cli([
      'search',
      'sales',
      '--text',
      '지연',
      '--store',
      '6',
      '--all',
      '--fields',
      'id',
      '--format',
      'ndjson',
    ]);
    expect(byText.code).toBe(0);
    const withText = await sqlIds("store_id = 6 AND remark LIKE '%지연%'");
    expect(withText.length).toBeGreaterThan(0);
    expect(ids(byText.stdout)).toEqual(withText);

    // doctor: the node list, two nodes left, shards and the cluster's colour.
    const doctor = await world.cli(['doctor', '--json']);
    const checks = doctor.json<{ checks: { name: string; status: string; detail: string }[] }>().checks;
    expect(checks.find((c) => c.name === 'elasticsearch')!.status).toBe('ok');
    const clusterCheck = checks.find((c) => c.name === 'cluster')!;
    expect(clusterCheck.detail).toMatch(
      /^(green|yellow), 2 nodes \(.+\); shards: \d+ primaries, \d+ active, \d+ unassigned/,
    );
  }, 900_000);
});
