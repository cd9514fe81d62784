/**
 * What the AOV charts show, on the real Elasticsearch, with the request Kibana builds from the
 * shipped visState (kibanaDsl.ts): 15 stores over 5 days, 10 of them steady at about 20,000
 * won, 5 spiking to 50,000 on one day each and at 1,000 otherwise (average 10,800). The chart
 * says "the 10 stores with the highest AOV over the time range": it must show exactly the 10
 * steady stores, each on every day. With the terms nested inside the date histogram (the
 * objects before this test) each day ranks its own top 10 and the chart shows 15 stores.
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { ensureIndices } from '../../../src/core/es/setup';
import { KIBANA_LINES } from '../../../src/core/kibana/kibanaRules';
import { loadSavedObjects, withIndexPrefix, indexPatternOf } from '../../../src/core/kibana/savedObjects';
import { ES_URL } from '../../support';
import { chartRows, kibanaAggs, type VisState } from './kibanaDsl';

const DAYS = ['2024-05-01', '2024-05-02', '2024-05-03', '2024-05-04', '2024-05-05'];
const STEADY = Array.from({ length: 10 }, (_, i) => String(101 + i));
const SPIKY = Array.from({ length: 5 }, (_, i) => String(201 + i));

function unitPrice(store: string, day: number): number {
  const steady = STEADY.indexOf(store);
  if (steady >= 0) return 20_000 + steady * 10;
  return SPIKY.indexOf(store) === day ? 50_000 : 1_000;
}

describe.each(KIBANA_LINES.filter((l, i, all) => all.findIndex((x) => x.file === l.file) === i).map((l) => l.file))(
  'the AOV charts of %s rank stores over the whole range',
  (file) => {
    const prefix = `it-chart-${randomBytes(4).toString('hex')}`;
    const es = new Client({ node: ES_URL });
    let created: string[] = [];
    const objects = withIndexPrefix(loadSavedObjects(file), prefix);
    const titleOf = new Map(objects.filter((o) => o.type === 'index-pattern').map((o) => [o.id, o.attributes.title]));

    beforeAll(async () => {
      created = (await ensureIndices(es, prefix)).map((r) => r.index);
      const operations: object[] = [];
      for (const store of [...STEADY, ...SPIKY]) {
        DAYS.forEach((date, day) => {
          const price = unitPrice(store, day);
          const doc = { store_id: store, total_sale: price * 3, num_customers: 3, unit_price: price };
          operations.push({ index: { _index: `${prefix}-daily-aov`, _id: `${store}:${date}` } });
          operations.push({ ...doc, date, num_transactions: 3 });
          operations.push({ index: { _index: `${prefix}-weekly-aov`, _id: `${store}:${date}` } });
          operations.push({ ...doc, start_date: date, end_date: date, days_with_sales: 1 });
        });
      }
      const res = await es.bulk({ operations, refresh: true });
      expect(res.errors).toBe(false);
    });

    afterAll(async () => {
      if (created.length) await es.indices.delete({ index: created }, { ignore: [404] });
      await es.close();
    });

    it.each([`${'vis-daily-aov'}`, 'vis-weekly-aov'])('%s: the 10 steady stores, each on every day', async (name) => {
      const vis = objects.find((o) => o.id === `${prefix}-${name}`)!;
      const visState = JSON.parse(vis.attributes.visState as string) as VisState;
      const index = titleOf.get(indexPatternOf(vis)!) as string;
      const timeField = name === 'vis-daily-aov' ? 'date' : 'end_date';
      const res = await es.search({
        index,
        size: 0,
        query: { range: { [timeField]: { gte: DAYS[0], lte: DAYS.at(-1) } } },
        aggs: kibanaAggs(visState) as never,
      });
      const rows = chartRows(visState, res.aggregations as Record<string, unknown>);
      const stores = [...new Set(rows.map((r) => String(r.terms)))].sort();
      expect(stores).toEqual([...STEADY].sort());
      for (const store of STEADY) expect(rows.filter((r) => String(r.terms) === store)).toHaveLength(DAYS.length);
    });
  },
);
