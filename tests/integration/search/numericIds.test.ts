/**
 * Ids sort as the numbers they are in MySQL (issue 31): `search sales --sort store_id` gave 1,
 * 10, 11, 12 … and `search daily --sort store_id` 9, 8, 7, 6, 50 …, ids being keywords. They
 * are sorted by their numeric sub-field (`store_id.number`), and `setup` fills it in for
 * documents written before it by copying the index behind its alias.
 */
import { definitionOf } from '../../../src/core/es/indices';
import { SearchWorld, ndjson, row } from './seed';

const STORES = [1, 2, 9, 10, 11, 100, 1000];

describe('numeric ids', () => {
  const world = new SearchWorld();
  beforeAll(async () => {
    await world.start();
    await world.indexSales(STORES.map((store, i) => row({ id: [3, 20, 100, 7, 1000, 42, 9][i]!, store_id: store })));
    await world.indexDocs(
      world.names.dailyAov,
      STORES.map((store) => ({
        id: `${store}:2024-05-02`,
        doc: { store_id: String(store), date: '2024-05-02', total_sale: 1, num_customers: 1, unit_price: 1 },
      })),
    );
  });
  afterAll(() => world.stop());

  it('search sales --sort store_id:asc / :desc, and ties broken by id as a number', async () => {
    const asc = ndjson((await world.cli(['search', 'sales', '--sort', 'store_id:asc', '--format', 'ndjson'])).stdout);
    expect(asc.map((s) => s.store_id)).toEqual(STORES.map(String));
    const desc = ndjson((await world.cli(['search', 'sales', '--sort', 'store_id:desc', '--format', 'ndjson'])).stdout);
    expect(desc.map((s) => s.store_id)).toEqual(STORES.map(String).reverse());
    const byAmount = ndjson(
      (await world.cli(['search', 'sales', '--sort', 'amount_sale:asc', '--all', '--format', 'ndjson'])).stdout,
    );
    expect(byAmount.map((s) => s.id)).toEqual(['3', '7', '9', '20', '42', '100', '1000']);
  });

  it('search daily --sort store_id, and --store 009 is store 9', async () => {
    const daily = ndjson(
      (await world.cli(['search', 'daily', '--date', '2024-05-02', '--sort', 'store_id', '--format', 'ndjson'])).stdout,
    );
    expect(daily.map((d) => d.store_id)).toEqual(STORES.map(String).reverse());
    const asc = ndjson(
      (await world.cli(['search', 'daily', '--date', '2024-05-02', '--sort', 'store_id:asc', '--format', 'ndjson']))
        .stdout,
    );
    expect(asc.map((d) => d.store_id)).toEqual(STORES.map(String));
    const nine = ndjson((await world.cli(['search', 'sales', '--store', '009', '--format', 'ndjson'])).stdout);
    expect(nine.map((s) => s.store_id)).toEqual(['9']);
  });
});

describe('setup fills the numbers in for documents written before them', () => {
  const world = new SearchWorld();
  afterAll(() => world.stop());

  it('copies a version-3 sales index behind its alias; a search before that says to run setup', async () => {
    // The sales index as mapping version 3 wrote it: ids as plain keywords.
    const current = definitionOf('sales').mappings;
    const properties = { ...current.properties, id: { type: 'keyword' }, store_id: { type: 'keyword' } } as const;
    await world.es.indices.create({
      index: `${world.prefix}-sales-v3`,
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: { ...current, properties, _meta: { earlypay_mapping_version: 3 } },
      aliases: { [world.names.sales]: { is_write_index: true } },
    });
    await world.indexSales(STORES.map((store, i) => row({ id: 500 + i, store_id: store })));

    const before = await world.cli(['search', 'sales', '--sort', 'store_id', '--format', 'ndjson']);
    expect(before.code).toBe(1);
    expect(before.stderr).toMatch(/^earlypay: .*cannot sort by store_id.*\nhint: run `earlypay setup`/);

    const setup = await world.cli(['setup', '--json']);
    expect(setup.code).toBe(0);
    const sales = setup.json<{ indices: { alias: string; index: string; action: string }[] }>().indices;
    expect(sales.find((r) => r.alias === world.names.sales)).toEqual({
      alias: world.names.sales,
      index: `${world.prefix}-sales-v5`,
      action: 'reindexed',
    });
    const after = ndjson((await world.cli(['search', 'sales', '--sort', 'store_id:asc', '--format', 'ndjson'])).stdout);
    expect(after.map((s) => s.store_id)).toEqual(STORES.map(String));
    // versions kept through the copy
    const doc = await world.es.get({ index: world.names.sales, id: '500' });
    expect(doc._version).toBe(Date.parse('2024-05-02T10:00:00+09:00'));
  });
});
