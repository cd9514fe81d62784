/**
 * The shipped Kibana objects against the real indices: `setup`'s own code creates them on a
 * test prefix, then every field a visualization, the saved search or an index pattern names
 * must exist in the mapping of the index it reads, with a type its use needs; and each
 * visualization's aggregation and the saved search's query run on Elasticsearch as Kibana
 * would send them. ES7_URL, when set, repeats all of it on 7.17 (the Kibana 7.17 pairing).
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { ensureIndices } from '../../../src/core/es/setup';
import { ES_URL } from '../../support';
import {
  loadSavedObjects,
  referencedFields,
  withIndexPrefix,
  indexPatternOf,
  type SavedObject,
} from '../../../src/core/kibana/savedObjects';

const targets = [
  { name: 'ES_URL', url: ES_URL },
  ...(process.env.ES7_URL ? [{ name: 'ES7_URL', url: process.env.ES7_URL }] : []),
];

type FieldTypes = Map<string, string>;

/** `path -> type` for every field of a mapping, multi-fields (`result_msg.keyword`) included. */
function flattenMapping(
  properties: Record<
    string,
    { type?: string; properties?: Record<string, unknown>; fields?: Record<string, { type?: string }> }
  >,
  prefix = '',
  out: FieldTypes = new Map(),
): FieldTypes {
  for (const [name, def] of Object.entries(properties)) {
    const path = prefix + name;
    out.set(path, def.type ?? 'object');
    if (def.properties) flattenMapping(def.properties as never, `${path}.`, out);
    for (const [sub, subDef] of Object.entries(def.fields ?? {})) out.set(`${path}.${sub}`, subDef.type ?? 'object');
  }
  return out;
}

const NUMERIC = ['long', 'integer', 'short', 'byte', 'double', 'float', 'half_float', 'scaled_float'];
/** Which field types a use needs; undefined = any mapped field. */
function allowedTypes(where: string, aggType: string | undefined): string[] | undefined {
  if (where === 'timeFieldName' || aggType === 'date_histogram') return ['date', 'date_nanos'];
  if (aggType === 'avg' || aggType === 'sum' || aggType === 'max' || aggType === 'min') return NUMERIC;
  if (aggType === 'terms' || where === 'sort') return ['keyword', 'boolean', 'date', ...NUMERIC];
  return undefined;
}

interface VisAgg {
  id: string;
  type: string;
  schema: string;
  params: { field?: string; size?: number; interval?: string; orderBy?: string; order?: string };
}

/** The request a legacy visualization makes: metric under buckets ordered segment → group. */
function aggregationOf(vis: { aggs: VisAgg[] }): Record<string, unknown> {
  const metric = vis.aggs.find((a) => a.schema === 'metric')!;
  const metricAgg = metric.type === 'count' ? undefined : { [metric.type]: { field: metric.params.field } };
  const buckets = [...vis.aggs.filter((a) => a.schema === 'segment'), ...vis.aggs.filter((a) => a.schema === 'group')];
  let inner: Record<string, unknown> | undefined = metricAgg ? { [metric.id]: metricAgg } : undefined;
  for (const b of buckets.reverse()) {
    const body =
      b.type === 'date_histogram'
        ? {
            date_histogram: {
              field: b.params.field,
              ...(b.params.interval === 'd' ? { calendar_interval: '1d' } : { fixed_interval: '3h' }),
              min_doc_count: 1,
            },
          }
        : {
            terms: {
              field: b.params.field,
              size: b.params.size,
              order: metricAgg ? { [metric.id]: b.params.order } : { _count: b.params.order },
            },
          };
    inner = { [b.id]: { ...body, ...(inner ? { aggs: inner } : {}) } };
  }
  return inner!;
}

describe.each(targets)('Kibana saved objects vs the real mappings ($name)', ({ url }) => {
  const prefix = `it-kibana-${randomBytes(4).toString('hex')}`;
  const es = new Client({ node: url });
  let objects: SavedObject[];
  let created: string[] = [];
  const mappings = new Map<string, FieldTypes>();
  const titleOf = new Map<string, string>();
  const timeFieldOf = new Map<string, string>();

  beforeAll(async () => {
    created = (await ensureIndices(es, prefix)).map((r) => r.index);
    objects = withIndexPrefix(loadSavedObjects(), prefix);
    for (const o of objects.filter((x) => x.type === 'index-pattern')) {
      const alias = o.attributes.title as string;
      titleOf.set(o.id, alias);
      timeFieldOf.set(o.id, o.attributes.timeFieldName as string);
      const res = await es.indices.getMapping({ index: alias });
      const concrete = Object.values(res);
      expect(concrete).toHaveLength(1);
      mappings.set(alias, flattenMapping(concrete[0]!.mappings.properties as never));
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
    if (created.length) await es.indices.delete({ index: created }, { ignore: [404] });
    await es.close();
  });

  it('every field the objects name exists in the mapping of the index it refers to, with a fitting type', () => {
    const uses = referencedFields(objects);
    expect(uses.length).toBeGreaterThan(10);
    const problems: string[] = [];
    for (const use of uses) {
      const alias = titleOf.get(use.indexPatternId);
      if (!alias) {
        problems.push(`${use.objectId}: index pattern ${use.indexPatternId} not in the files`);
        continue;
      }
      const type = mappings.get(alias)!.get(use.field);
      const allowed = allowedTypes(use.where, use.aggType);
      if (!type) problems.push(`${use.objectId} ${use.where}: ${use.field} not in ${alias}`);
      else if (allowed && !allowed.includes(type))
        problems.push(`${use.objectId} ${use.where}: ${use.field} is ${type} in ${alias}, needs ${allowed.join('|')}`);
    }
    expect(problems).toEqual([]);
  });

  it("each visualization's aggregation runs on its index and finds the test document", async () => {
    for (const v of objects.filter((o) => o.type === 'visualization')) {
      const ip = indexPatternOf(v)!;
      const vis = JSON.parse(v.attributes.visState as string) as { aggs: VisAgg[] };
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
        aggs: aggregationOf(vis) as never,
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
