/**
 * The search paths every supported Elasticsearch major must serve, registered by the per-version
 * files (es7.test.ts on 7.17, es9.test.ts on 9.x; the other search files run on 8.x): point in
 * time + search_after past 10,000 hits, the `_shard_doc` tiebreaker (7.12+), hostile and Korean
 * text, csv and a scan.
 */
import { SearchWorld, ndjson, row } from './seed';
import { streamHits, type StreamStats } from '../../../src/core/es/pager';
import { createEsClient } from '../../../src/core/es/client';

const N = 10_500;

export function registerSearchCompat(url: string, major: number): void {
  const world = new SearchWorld(url);

  beforeAll(async () => {
    await world.start();
    const rows = [];
    for (let i = 0; i < N; i++)
      rows.push(
        row({
          id: 700_000 + i,
          store_id: 5,
          card_number: `1111-22**-****-${i}`,
          sold_at: `2024-05-02 1${i % 10}:00:00`,
          amount_sale: 1_000 + (i % 7),
        }),
      );
    rows.push(row({ id: 800_001, store_id: 6, amount_sale: 0, amount_fee: 0, amount_deposit: 0 }));
    await world.indexSales(rows);
  });

  afterAll(() => world.stop());

  it(`is ${major}.x`, async () => {
    const nodes = await world.es.nodes.info();
    expect(Object.values(nodes.nodes)[0]!.version).toMatch(new RegExp(`^${major}\\.`));
  });

  it(`the product's client speaks to ${major}.x in the 8 media type and is answered as Elasticsearch`, async () => {
    const client = createEsClient({ esNodes: [url], esAuth: undefined, esCaCert: undefined });
    const seen: { accept?: string; product?: string }[] = [];
    client.diagnostic.on('response', (_err, result) => {
      seen.push({
        accept: String(result?.meta.request.params.headers?.accept ?? ''),
        product: String(result?.headers?.['x-elastic-product'] ?? ''),
      });
    });
    try {
      const health = await client.cluster.health();
      expect(['green', 'yellow']).toContain(health.status);
      await client.search({ index: world.names.sales, size: 1, query: { term: { store_id: '5' } } });
    } finally {
      await client.close();
    }
    expect(seen).toHaveLength(2);
    for (const s of seen)
      expect(s).toEqual({
        accept: expect.stringContaining('application/vnd.elasticsearch+json; compatible-with=8'),
        product: 'Elasticsearch',
      });
  });

  it('search sales --all streams past 10,000 hits with _shard_doc as tiebreaker', async () => {
    const r = await world.cli(['search', 'sales', '--store', '5', '--all', '--fields', 'id']);
    expect(r.stderr).not.toMatch(/earlypay:/);
    expect(r.code).toBe(0);
    const ids = ndjson<{ id: string }>(r.stdout).map((x) => x.id);
    expect(ids).toHaveLength(N);
    expect(new Set(ids).size).toBe(N);
    const stats: StreamStats = { pages: 0, hits: 0, shardDocTiebreak: true };
    let n = 0;
    for await (const _ of streamHits(
      world.es,
      { index: world.names.sales, query: { match_all: {} }, sort: [{ sold_at: { order: 'asc' } }], source: false },
      stats,
    ))
      n++;
    expect(n).toBe(N + 1);
    expect(stats.shardDocTiebreak).toBe(true);
    expect(stats.pitClosed).toBe(true);
  });

  it(`hostile text, csv and a scan work on ${major}.x`, async () => {
    const t = await world.cli([
      'search',
      'sales',
      '--text',
      '" * ? : \\ / ( ) { } [ ] ~ ^ ! 배민 😀',
      '--format',
      'json',
    ]);
    expect(t.code).toBe(0);
    expect(JSON.parse(t.stdout)).toEqual([]);
    const s = await world.cli(['anomalies', 'scan', '--from', '2024-05-02', '--to', '2024-05-02', '--json']);
    expect(s.stderr).toBe('');
    expect(s.code).toBe(0);
    const l = await world.cli(['anomalies', '--rule', 'NON_POSITIVE_AMOUNT', '--format', 'json']);
    expect((JSON.parse(l.stdout) as { id: string }[]).map((a) => a.id)).toContain('800001:NON_POSITIVE_AMOUNT');
  });
}
