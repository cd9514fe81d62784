/**
 * `--all` past the 10,000-hit window: 12,000 sales on one store-day come back exactly once,
 * streamed with a point in time (which is closed afterwards), in every machine format.
 */
import { SearchWorld, ndjson, row } from './seed';
import { csvRecords } from '../../unit/search/csv';
import { PAGE_SIZE, streamHits, type StreamStats } from '../../../src/core/es/pager';
import { buildSalesSearch } from '../../../src/core/search/salesQuery';

const world = new SearchWorld();
const N = 12_000;

beforeAll(async () => {
  await world.start();
  const rows = [];
  for (let i = 0; i < N; i++) {
    // Many identical sold_at values, so the tiebreakers matter.
    const sec = i % 300;
    rows.push(
      row({
        id: 500_000 + i,
        store_id: 77,
        sold_at: `2024-05-10 12:${String(Math.floor(sec / 60)).padStart(2, '0')}:${String(sec % 60).padStart(2, '0')}`,
        amount_sale: 1_000 + (i % 50) * 100,
        modified: '2024-05-10 13:00:00',
      }),
    );
  }
  await world.indexSales(rows);
  await world.indexSales([row({ id: 900_001, store_id: 78, sold_at: '2024-05-10 12:00:00' })]);
});

afterAll(() => world.stop());

/** A PIT that was closed can no longer be searched. */
async function pitIsGone(stats: StreamStats): Promise<boolean> {
  expect(stats.pitId).toBeDefined();
  try {
    await world.es.search({ pit: { id: stats.pitId! }, size: 0 });
    return false;
  } catch (err) {
    return (err as { meta?: { statusCode?: number } }).meta?.statusCode === 404;
  }
}
const fresh = (): StreamStats => ({ pages: 0, hits: 0, shardDocTiebreak: true });

function expectAllOnce(ids: string[]): void {
  expect(ids).toHaveLength(N);
  expect(new Set(ids).size).toBe(N);
  for (let i = 0; i < N; i += 997) expect(ids).toContain(String(500_000 + i));
}

it('--all --format ndjson returns all 12,000 ids exactly once, in order', async () => {
  const r = await world.cli([
    'search',
    'sales',
    '--store',
    '77',
    '--from',
    '2024-05-10',
    '--to',
    '2024-05-10',
    '--all',
    '--format',
    'ndjson',
    '--fields',
    'id,sold_at',
  ]);
  expect(r.code).toBe(0);
  const rows = ndjson<{ id: string; sold_at: string }>(r.stdout);
  expectAllOnce(rows.map((x) => x.id));
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1]!;
    const b = rows[i]!;
    expect(a.sold_at > b.sold_at || (a.sold_at === b.sold_at && a.id > b.id)).toBe(true);
  }
  expect(r.stderr).toMatch(/12,000 sales, newest first/);
});

it('--all --format json streams one array', async () => {
  const r = await world.cli(['search', 'sales', '--store', '77', '--all', '--format', 'json', '--fields', 'id']);
  expectAllOnce((JSON.parse(r.stdout) as { id: string }[]).map((x) => x.id));
});

it('--all --format csv: one header, 12,000 rows', async () => {
  const r = await world.cli([
    'search',
    'sales',
    '--store',
    '77',
    '--all',
    '--format',
    'csv',
    '--fields',
    'id,amount_sale',
    '--sort',
    'amount_sale:asc',
  ]);
  const recs = csvRecords<'id' | 'amount_sale'>(r.stdout);
  expectAllOnce(recs.map((x) => x.id));
  expect(r.stdout.split('\n').filter((l) => l.startsWith('id,')).length).toBe(1);
});

it('--limit above 10,000 streams and stops at N', async () => {
  const r = await world.cli(['search', 'sales', '--store', '77', '--limit', '10500', '--fields', 'id']);
  const ids = ndjson<{ id: string }>(r.stdout).map((x) => x.id);
  expect(ids).toHaveLength(10_500);
  expect(new Set(ids).size).toBe(10_500);
});

it('the table with --all prints in blocks (bounded memory)', async () => {
  const r = await world.cli(['search', 'sales', '--store', '77', '--all', '--format', 'table', '--fields', 'id']);
  expect(r.stdout.match(/┌/g)).toHaveLength(12);
});

it('streamHits uses _shard_doc as the tiebreaker, closes the PIT at the end and when stopped early', async () => {
  const plan = buildSalesSearch({ stores: ['77'] });
  const stats: StreamStats = { pages: 0, hits: 0, shardDocTiebreak: true };
  const seen = new Set<string>();
  for await (const hit of streamHits<{ id: string }>(
    world.es,
    { index: world.names.sales, query: plan.query, sort: plan.sort, source: { includes: ['id'] } },
    stats,
  ))
    seen.add(hit._id!);
  expect(seen.size).toBe(N);
  expect(stats.pages).toBe(Math.ceil(N / PAGE_SIZE));
  expect(stats.pages).toBeGreaterThan(1);
  expect(stats.shardDocTiebreak).toBe(true);
  // No sort at all but _shard_doc (what scan uses) also works.
  expect(stats.pitClosed).toBe(true);
  expect(await pitIsGone(stats)).toBe(true);
  let n = 0;
  for await (const _ of streamHits(world.es, { index: world.names.sales, query: plan.query, sort: [], source: false }))
    n++;
  expect(n).toBe(N);
  // Stopping early closes the PIT too.
  const early = fresh();
  let k = 0;
  for await (const _ of streamHits(
    world.es,
    { index: world.names.sales, query: plan.query, sort: plan.sort, source: false },
    early,
  ))
    if (++k === PAGE_SIZE + 1_500) break;
  expect(early.pitClosed).toBe(true);
  expect(await pitIsGone(early)).toBe(true);
});

it('an error in the consumer or in Elasticsearch mid-stream closes the PIT', async () => {
  const plan = buildSalesSearch({ stores: ['77'] });
  const consumer = fresh();
  await expect(
    (async () => {
      let k = 0;
      for await (const _ of streamHits(
        world.es,
        { index: world.names.sales, query: plan.query, sort: plan.sort, source: false },
        consumer,
      ))
        if (++k === PAGE_SIZE + 1_500) throw new Error('consumer failed');
    })(),
  ).rejects.toThrow('consumer failed');
  expect(consumer.pitClosed).toBe(true);
  expect(await pitIsGone(consumer)).toBe(true);

  // Elasticsearch fails the second page: the index under the PIT is gone.
  const tmp = `${world.prefix}-tmp`;
  await world.indexDocs(
    tmp,
    Array.from({ length: 2_500 }, (_, i) => ({ id: String(i), doc: { n: i } })),
  );
  const failing = fresh();
  const close = jest.spyOn(world.es, 'closePointInTime');
  const gen = streamHits(
    world.es,
    { index: tmp, query: { match_all: {} }, sort: [], source: false, pageSize: 1_000 },
    failing,
  );
  await gen.next();
  await world.es.indices.delete({ index: tmp });
  await expect(
    (async () => {
      for (;;) if ((await gen.next()).done) break;
    })(),
  ).rejects.toThrow();
  // Searching a PIT over a deleted index answers 503, not 404: check the close was sent instead.
  expect(close).toHaveBeenCalledWith({ id: failing.pitId });
  close.mockRestore();
});
