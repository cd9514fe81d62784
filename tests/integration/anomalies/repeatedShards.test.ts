/**
 * REPEATED_AMOUNT over an index of three shards, where a group's sales are spread over the
 * shards and each shard holds many keys once. A terms aggregation whose shards cut their lists
 * short misses a group split 1 + 2 (shown first, on the index itself); settling must find every
 * group anyway — an inexact answer halves the days, and a single day is read key by key. The
 * response size is lowered (`groupsPerQuery`) so every way is taken at a small scale; each way
 * must flag exactly the sales the rule written out in plain TypeScript (reference.ts) flags.
 */
import type { estypes } from '@elastic/elasticsearch';
import { ensureIndices } from '../../../src/core/es/setup';
import { settleRepeatedAmounts } from '../../../src/core/rules/repeatedAmounts';
import type { AnomalyDocument } from '../../../src/core/rules/rules';
import type { SaleDocument } from '../../../src/core/sales/saleDocument';
import type { SourceRow } from '../../../src/core/source/row';
import { SearchWorld, row } from '../search/seed';
import { repeatedIds } from './reference';

const DAYS = ['2024-05-02', '2024-05-03', '2024-05-04'];

class ShardedWorld extends SearchWorld {
  override async start(): Promise<this> {
    await ensureIndices(this.es, this.prefix, { shards: 3 });
    return this;
  }
}

/** Per day: 150 sales of distinct cards (keys held once), and groups of 2, 3, 4 and 5 sales (one of them canceled). */
function rows(): SourceRow[] {
  const out: SourceRow[] = [];
  let id = 10_000;
  DAYS.forEach((day, d) => {
    for (let i = 0; i < 150; i++)
      out.push(
        row({
          id: id++,
          card_number: `1111-22**-****-${d}${String(i).padStart(3, '0')}`,
          sold_at: `${day} 10:${String(i % 60).padStart(2, '0')}:00`,
        }),
      );
    [2, 3, 4, 5].forEach((size, g) => {
      for (let m = 0; m < size; m++) {
        out.push(
          row({
            id: id++,
            card_number: `9999-00**-****-${d}${g}`,
            amount_sale: 7_000,
            sold_at: `${day} 1${m}:00:00`,
            // In the group of 5 the 2nd is canceled: 4 sales count.
            ...(size === 5 && m === 1 ? { is_canceled: 1 } : {}),
          }),
        );
      }
    });
    // The same card and amount at another store: a group of its own, of one sale.
    out.push(
      row({
        id: id++,
        store_id: 51,
        card_number: `9999-00**-****-${d}2`,
        amount_sale: 7_000,
        sold_at: `${day} 18:00:00`,
      }),
    );
  });
  return out;
}

async function flagged(world: SearchWorld): Promise<{ sales: string[]; anomalies: string[] }> {
  const sales = [...(await world.allDocs<SaleDocument>(world.names.sales)).values()]
    .filter((s) => s.anomaly_rules.includes('REPEATED_AMOUNT'))
    .map((s) => s.id);
  const anomalies = [...(await world.allDocs<AnomalyDocument>(world.names.anomalies)).values()]
    .filter((a) => a.rule === 'REPEATED_AMOUNT')
    .map((a) => a.sale_id);
  return { sales: sales.sort(), anomalies: anomalies.sort() };
}

describe.each([
  ['one terms aggregation over the three days', undefined],
  ['inexact answers: days halved, then each read key by key', 20],
  ['more groups than a response carries: days halved, then each read key by key', 1],
])('REPEATED_AMOUNT on three shards — %s', (_name, groupsPerQuery) => {
  const world = new ShardedWorld();
  let docs: SaleDocument[];

  beforeAll(async () => {
    await world.start();
    docs = await world.indexSales(rows());
  });
  afterAll(() => world.stop());

  it(
    'flags exactly the 3rd and later counted sales of ' + 'every group, and unflags them when a group shrinks',
    async () => {
      const settle = (): ReturnType<typeof settleRepeatedAmounts> =>
        settleRepeatedAmounts(
          {
            client: world.es,
            names: world.names,
            repeatedAmountFrom: 3,
            now: () => new Date('2024-05-05T00:00:00Z'),
            groupsPerQuery,
          },
          DAYS,
        );
      if (groupsPerQuery === 20) {
        // The hazard is real on this index: the shards' lists, cut at 20 × 1.5 + 10 keys, leave out groups.
        const res = await world.es.search({
          index: world.names.sales,
          size: 0,
          query: { term: { sale_date: DAYS[0] } },
          aggs: { k: { terms: { field: 'repeat_key', min_doc_count: 3, size: 20 } } },
        });
        const agg = res.aggregations!.k as estypes.AggregationsStringTermsAggregate;
        expect(agg.doc_count_error_upper_bound).toBeGreaterThan(0);
        expect((agg.buckets as unknown[]).length).toBeLessThan(3); // of the groups of 3, 4 and 5
      }
      const expected = [...repeatedIds(docs)].sort();
      // per day: 1 of the group of 3, 2 of 4, 2 of 5 (4 counted)
      expect(expected).toHaveLength(DAYS.length * (1 + 2 + 2));
      const first = await settle();
      expect(first).toMatchObject({ flagged: expected.length, newlyFlagged: expected.length, unflagged: 0 });
      expect(await flagged(world)).toEqual({ sales: expected, anomalies: expected });

      // The group of 3 on the first day loses a sale (canceled): its 3rd is no longer repeated.
      const group3 = docs.filter((d) => d.card_number === '9999-00**-****-01' && d.store_id === '50');
      const canceled = (
        await world.indexSales([
          row({
            id: Number(group3[0]!.id),
            card_number: group3[0]!.card_number,
            amount_sale: 7_000,
            sold_at: '2024-05-02 10:00:00',
            modified: '2024-05-02 11:00:00',
            is_canceled: 1,
          }),
        ])
      )[0]!;
      const after = [...repeatedIds(docs.map((d) => (d.id === canceled.id ? canceled : d)))].sort();
      expect(after).toHaveLength(expected.length - 1);
      expect(await settle()).toMatchObject({ flagged: after.length, newlyFlagged: 0, unflagged: 1 });
      expect(await flagged(world)).toEqual({ sales: after, anomalies: after });
    },
  );
});
