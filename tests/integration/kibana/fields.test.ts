/**
 * The shipped Kibana objects against the real indices: `setup`'s own code creates them, then
 * every field a visualization, the saved search or an index pattern names is checked through
 * `_field_caps` on the indices its index pattern names (what Kibana itself asks): present, of
 * a type its use needs, aggregatable where it is aggregated or sorted on, searchable where it
 * is queried or is the time field; and each visualization's request, built the way Kibana
 * builds it (kibanaDsl.ts), and the saved search's query run on Elasticsearch.
 * Done for what `setup --kibana-url` uploads with a test prefix (both files, on ES_URL and, when
 * set, ES7_URL) and for the files as shipped, on the default prefix `earlypay`, on an
 * Elasticsearch of this test's own (KIBANA_ES_PORT, default 9270) so no shared index is touched.
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { ensureIndices } from '../../../src/core/es/setup';
import { ES_URL } from '../../support';
import { KIBANA_LINES } from '../../../src/core/kibana/kibanaRules';
import { OwnElasticsearch } from '../faults/support';
import { kibanaAggs, type VisState } from './kibanaDsl';
import {
  loadSavedObjects,
  referencedFields,
  withIndexPrefix,
  indexPatternOf,
  type SavedObject,
} from '../../../src/core/kibana/savedObjects';

const FILES = [...new Set(KIBANA_LINES.map((l) => l.file))];
const own = new OwnElasticsearch(Number(process.env.KIBANA_ES_PORT ?? 9270));
const targets = [
  ...FILES.map((file) => ({ name: `ES_URL ${file}`, url: () => ES_URL, file, prefix: undefined })),
  ...(process.env.ES7_URL
    ? [{ name: 'ES7_URL earlypay-kibana7.ndjson', url: () => process.env.ES7_URL!, file: FILES[0]!, prefix: undefined }]
    : []),
  ...FILES.map((file) => ({ name: `default prefix ${file}`, url: () => own.url, file, prefix: 'earlypay' })),
];

beforeAll(async () => {
  await own.up();
}, 400_000);
afterAll(async () => {
  await own.down();
}, 120_000);

interface Caps {
  type: string;
  searchable: boolean;
  aggregatable: boolean;
}

const NUMERIC = ['long', 'integer', 'short', 'byte', 'double', 'float', 'half_float', 'scaled_float', 'unsigned_long'];
/** What a use needs of a field: its types, and whether it must be aggregatable / searchable. */
function needs(where: string, aggType: string | undefined): { types?: string[]; agg?: boolean; search?: boolean } {
  if (where === 'timeFieldName') return { types: ['date', 'date_nanos'], agg: true, search: true };
  if (aggType === 'date_histogram') return { types: ['date', 'date_nanos'], agg: true };
  if (aggType === 'avg' || aggType === 'sum' || aggType === 'max' || aggType === 'min')
    return { types: NUMERIC, agg: true };
  if (aggType === 'terms') return { types: ['keyword', 'boolean', 'date', 'ip', ...NUMERIC], agg: true };
  if (where === 'sort') return { types: ['keyword', 'boolean', 'date', ...NUMERIC], agg: true };
  if (where === 'query' || where === 'filter') return { search: true };
  return {};
}

describe.each(targets)('Kibana saved objects vs the real indices ($name)', ({ url, file, prefix: fixed }) => {
  const prefix = fixed ?? `it-kibana-${randomBytes(4).toString('hex')}`;
  let es: Client;
  let objects: SavedObject[];
  let created: string[] = [];
  const caps = new Map<string, Record<string, Record<string, Caps>>>();
  const titleOf = new Map<string, string>();
  const timeFieldOf = new Map<string, string>();

  beforeAll(async () => {
    es = new Client({ node: url() });
    // The default prefix lives on this test's own instance, whose data outlives a run: start from nothing.
    if (fixed) await es.indices.delete({ index: `${prefix}-*`, expand_wildcards: 'all' }, { ignore: [404] });
    created = (await ensureIndices(es, prefix)).map((r) => r.index);
    objects = withIndexPrefix(loadSavedObjects(file), prefix);
    for (const o of objects.filter((x) => x.type === 'index-pattern')) {
      const pattern = o.attributes.title as string;
      titleOf.set(o.id, pattern);
      timeFieldOf.set(o.id, o.attributes.timeFieldName as string);
      // What Kibana asks to build a data view's field list (fields in the query string: 7.17 too).
      const res = (await es.transport.request({
        method: 'GET',
        path: `/${encodeURIComponent(pattern)}/_field_caps`,
        querystring: { fields: '*' },
      })) as { indices: string[]; fields: unknown };
      expect(res.indices.length).toBeGreaterThan(0);
      caps.set(pattern, res.fields as Record<string, Record<string, Caps>>);
    }
    // One document per index, written through the strict mappings, so the queries below return buckets.
    const now = new Date();
    const iso = now.toISOString();
    const day = iso.slice(0, 10);
    await es.index({
      index: `${prefix}-sales`,
      id: '1',
      refresh: true,
      document: {
        id: '1',
        store_id: '50',
        platform: 'BAEMIN',
        amount_sale: 12000,
        is_canceled: false,
        counted: true,
        sold_at: iso,
        modified: iso,
        sale_date: day,
        card_number: '5461-11**-****-7537',
      },
    });
    await es.index({
      index: `${prefix}-daily-aov`,
      id: `50:${day}`,
      refresh: true,
      document: {
        store_id: '50',
        date: day,
        total_sale: 12000,
        num_transactions: 1,
        num_customers: 1,
        unit_price: 12000,
      },
    });
    await es.index({
      index: `${prefix}-weekly-aov`,
      id: `50:${day}`,
      refresh: true,
      document: {
        store_id: '50',
        start_date: day,
        end_date: day,
        total_sale: 12000,
        num_customers: 1,
        days_with_sales: 1,
        unit_price: 12000,
      },
    });
    await es.index({
      index: `${prefix}-anomalies`,
      id: '1:REPEATED_AMOUNT',
      refresh: true,
      document: {
        sale_id: '1',
        rule: 'REPEATED_AMOUNT',
        store_id: '50',
        sale_date: day,
        sold_at: iso,
        amount_sale: 12000,
        reason: 'third identical sale',
        status: 'open',
        detected_at: iso,
      },
    });
  });

  afterAll(async () => {
    if (created.length && !fixed) await es.indices.delete({ index: created }, { ignore: [404] });
    await es.close();
  });

  it(
    'every field the objects use is, in _field_caps of its index pattern, of a type, aggregatable and searchable as ' +
      'needed',
    () => {
      const uses = referencedFields(objects);
      expect(uses.length).toBeGreaterThan(10);
      const problems: string[] = [];
      for (const use of uses) {
        const pattern = titleOf.get(use.indexPatternId);
        if (!pattern) {
          problems.push(`${use.objectId}: index pattern ${use.indexPatternId} not in the file`);
          continue;
        }
        const byType = caps.get(pattern)![use.field];
        const at = `${use.objectId} ${use.where}: ${use.field} in ${pattern}`;
        if (!byType) {
          problems.push(`${at}: no such field`);
          continue;
        }
        const types = Object.keys(byType);
        if (types.length !== 1) problems.push(`${at}: conflicting types ${types.join(', ')}`);
        const cap = Object.values(byType)[0]!;
        const need = needs(use.where, use.aggType);
        if (need.types && !need.types.includes(cap.type))
          problems.push(`${at}: is ${cap.type}, needs ${need.types.join('|')}`);
        if (need.agg && !cap.aggregatable) problems.push(`${at}: not aggregatable`);
        if (need.search && !cap.searchable) problems.push(`${at}: not searchable`);
      }
      expect(problems).toEqual([]);
    },
  );

  it("each visualization's aggregation runs on its index and finds the test document", async () => {
    for (const v of objects.filter((o) => o.type === 'visualization')) {
      const ip = indexPatternOf(v)!;
      const vis = JSON.parse(v.attributes.visState as string) as VisState;
      const meta = JSON.parse(
        (v.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON,
      ) as { query: { query: string } };
      const res = await es.search({
        index: titleOf.get(ip),
        size: 0,
        query: {
          bool: {
            filter: [
              { range: { [timeFieldOf.get(ip)!]: { gte: 'now-30d', lte: 'now+1d' } } },
              ...(meta.query.query ? [{ query_string: { query: meta.query.query } }] : []),
            ],
          },
        },
        aggs: kibanaAggs(vis, { autoInterval: '3h' }) as never,
      });
      const top = Object.values(res.aggregations ?? {})[0] as { buckets: unknown[] };
      expect({ vis: v.id, buckets: top.buckets.length > 0 }).toEqual({ vis: v.id, buckets: true });
    }
  });

  it('the saved search (status:open, sorted, with its columns) runs on the anomalies index', async () => {
    const search = objects.find((o) => o.type === 'search')!;
    const ip = indexPatternOf(search)!;
    const meta = JSON.parse(
      (search.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON,
    ) as { query: { query: string } };
    const res = await es.search<Record<string, unknown>>({
      index: titleOf.get(ip),
      query: { query_string: { query: meta.query.query } },
      sort: (search.attributes.sort as [string, 'asc' | 'desc'][]).map(([f, o]) => ({ [f]: { order: o } })),
      _source: search.attributes.columns as string[],
    });
    expect(res.hits.hits).toHaveLength(1);
    expect(Object.keys(res.hits.hits[0]!._source!).sort()).toEqual([...(search.attributes.columns as string[])].sort());
  });
});
