import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  INDEX_REF_NAME,
  indexPatternOf,
  loadSavedObjectFiles,
  loadSavedObjects,
  parseSavedObjects,
  queryFields,
  referencedFields,
  savedObjectsDir,
  toNdjson,
  withIndexPrefix,
  type SavedObject,
} from '../../../src/core/kibana/savedObjects';

const dir = savedObjectsDir();
const objects = loadSavedObjects('earlypay-kibana8.ndjson');
const byId = new Map(objects.map((o) => [o.id, o]));
const ofType = (type: string): SavedObject[] => objects.filter((o) => o.type === type);

describe('kibana-saved-objects/*.ndjson', () => {
  it('is found relative to the module, and every non-empty line parses as a saved object', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.ndjson'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const lines = readFileSync(join(dir, file), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '');
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
      expect(parseSavedObjects(lines.join('\n'), file)).toHaveLength(lines.length);
    }
    expect(loadSavedObjectFiles().flatMap((f) => f.objects)).toHaveLength(2 * objects.length);
  });

  it('has unique ids, stable and prefixed with earlypay-', () => {
    expect(new Set(objects.map((o) => `${o.type}/${o.id}`)).size).toBe(objects.length);
    for (const o of objects) expect(o.id).toMatch(/^earlypay-[a-z0-9-]+$/);
  });

  it('ships one file per Kibana line, the same objects with their own migration stamps', () => {
    const files = loadSavedObjectFiles();
    expect(files.map((f) => f.file)).toEqual(['earlypay-kibana7.ndjson', 'earlypay-kibana8.ndjson']);
    const unstamped = (os: SavedObject[]): unknown[] =>
      os.map(({ coreMigrationVersion, migrationVersion, ...rest }) => rest);
    expect(unstamped(files[0]!.objects)).toEqual(unstamped(files[1]!.objects));
    for (const o of files[0]!.objects) expect(o.coreMigrationVersion).toBe('7.17.0');
    for (const o of files[1]!.objects) expect(o.migrationVersion).toEqual({ [o.type]: '8.0.0' });
    expect(ofType('lens')).toHaveLength(0); // Lens does not import into 7.17
  });

  it('has the index patterns with their time fields', () => {
    const patterns = Object.fromEntries(
      ofType('index-pattern').map((o) => [o.attributes.title, o.attributes.timeFieldName]),
    );
    expect(patterns).toEqual({
      'earlypay-sales': 'sold_at',
      'earlypay-daily-aov': 'date',
      'earlypay-weekly-aov': 'end_date',
      'earlypay-anomalies': 'sold_at',
    });
  });

  it("every reference points to an object in the files, with that object's type", () => {
    for (const o of objects) {
      for (const ref of o.references) {
        const target = byId.get(ref.id);
        expect({ from: o.id, ref: ref.name, found: target?.type }).toEqual({
          from: o.id,
          ref: ref.name,
          found: ref.type,
        });
      }
    }
  });

  it('visualizations are legacy visState objects reading one index pattern each', () => {
    const visualizations = ofType('visualization');
    expect(visualizations.length).toBeGreaterThanOrEqual(4);
    for (const v of visualizations) {
      const vis = JSON.parse(v.attributes.visState as string) as { title: string; type: string; aggs: unknown[] };
      expect(vis.title).toBe(v.attributes.title);
      expect(['line', 'histogram', 'area', 'horizontal_bar']).toContain(vis.type);
      expect(vis.aggs.length).toBeGreaterThan(0);
      const meta = JSON.parse(
        (v.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON,
      ) as { indexRefName: string };
      expect(meta.indexRefName).toBe(INDEX_REF_NAME);
      expect(byId.get(indexPatternOf(v)!)?.type).toBe('index-pattern');
    }
  });

  it('every split (terms) comes before the date histogram: it ranks over the whole range, not per bucket', () => {
    // Kibana nests bucket aggregations in array order (tests/integration/kibana/chartMeaning.test.ts).
    for (const v of ofType('visualization')) {
      const aggs = (JSON.parse(v.attributes.visState as string) as { aggs: { type: string }[] }).aggs.map(
        (a) => a.type,
      );
      const histogram = aggs.indexOf('date_histogram');
      const terms = aggs.indexOf('terms');
      if (histogram >= 0 && terms >= 0)
        expect({ vis: v.id, termsFirst: terms < histogram }).toEqual({ vis: v.id, termsFirst: true });
    }
  });

  it('has the saved search of open anomalies', () => {
    const [search] = ofType('search');
    expect(search).toBeDefined();
    expect(search!.attributes.columns).toEqual(['rule', 'store_id', 'amount_sale', 'reason']);
    expect(indexPatternOf(search!)).toBe('earlypay-index-anomalies');
    const meta = JSON.parse(
      (search!.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON,
    ) as { query: { query: string } };
    expect(meta.query.query).toBe('status:open');
  });

  it('the dashboard holds every visualization and the saved search, one panel per reference', () => {
    const dashboards = ofType('dashboard');
    expect(dashboards).toHaveLength(1);
    const dash = dashboards[0]!;
    expect(dash.attributes.title).toBe('EarlyPay — sales, AOV and anomalies');
    const referenced = new Set(dash.references.map((r) => r.id));
    for (const o of [...ofType('visualization'), ...ofType('search')]) expect(referenced).toContain(o.id);
    const panels = JSON.parse(dash.attributes.panelsJSON as string) as {
      panelIndex: string;
      panelRefName: string;
      type: string;
      gridData: { i: string };
    }[];
    expect(panels).toHaveLength(dash.references.length);
    for (const p of panels) {
      const ref = dash.references.find((r) => r.name === `${p.panelIndex}:${p.panelRefName}`);
      expect(ref).toBeDefined();
      expect(p.type).toBe(ref!.type);
      expect(p.gridData.i).toBe(p.panelIndex);
    }
  });
});

describe('referencedFields', () => {
  it('lists time fields, aggregation fields, columns, sort and query fields', () => {
    const uses = referencedFields(objects);
    const has = (objectId: string, field: string, where: RegExp): boolean =>
      uses.some((u) => u.objectId === objectId && u.field === field && where.test(u.where));
    expect(has('earlypay-index-sales', 'sold_at', /timeFieldName/)).toBe(true);
    expect(has('earlypay-vis-daily-aov', 'unit_price', /avg/)).toBe(true);
    expect(has('earlypay-vis-daily-aov', 'date', /date_histogram/)).toBe(true);
    expect(has('earlypay-vis-daily-aov', 'store_id', /terms/)).toBe(true);
    expect(has('earlypay-vis-sales-by-platform', 'counted', /query/)).toBe(true);
    expect(has('earlypay-search-open-anomalies', 'reason', /columns/)).toBe(true);
    expect(has('earlypay-search-open-anomalies', 'sold_at', /sort/)).toBe(true);
    expect(has('earlypay-search-open-anomalies', 'status', /query/)).toBe(true);
    expect(uses.find((u) => u.objectId === 'earlypay-vis-top-stores')?.indexPatternId).toBe('earlypay-index-daily-aov');
  });

  it('reads field names, not free text or quoted values, from queries', () => {
    expect(queryFields('status:open')).toEqual(['status']);
    expect(queryFields('status : open and (rule:"A: B" or store_id:50)')).toEqual(['status', 'rule', 'store_id']);
    expect(queryFields('')).toEqual([]);
    expect(queryFields('just words')).toEqual([]);
  });
});

describe('withIndexPrefix', () => {
  it('returns the shipped objects unchanged for the default prefix', () => {
    expect(withIndexPrefix(objects, 'earlypay')).toEqual(objects);
  });

  it('points index patterns at the prefix, renames ids and references consistently, and leaves the input alone', () => {
    const before = JSON.stringify(objects);
    const staged = withIndexPrefix(objects, 'staging');
    expect(JSON.stringify(objects)).toBe(before);

    const titles = staged
      .filter((o) => o.type === 'index-pattern')
      .map((o) => o.attributes.title)
      .sort();
    expect(titles).toEqual(['staging-anomalies', 'staging-daily-aov', 'staging-sales', 'staging-weekly-aov']);
    const ids = new Set(staged.map((o) => o.id));
    for (const o of staged) {
      expect(o.id).toMatch(/^staging-/);
      for (const r of o.references) expect(ids).toContain(r.id);
    }
    const dash = staged.find((o) => o.type === 'dashboard')!;
    expect(dash.attributes.title).toBe('EarlyPay — sales, AOV and anomalies [staging]');
    for (const v of staged.filter((o) => o.type === 'visualization')) {
      expect((JSON.parse(v.attributes.visState as string) as { title: string }).title).toBe(v.attributes.title);
    }
    // Nothing still names the default indices.
    expect(toNdjson(staged)).not.toMatch(/"earlypay-(sales|daily-aov|weekly-aov|anomalies)"/);
  });

  it('only rewrites the leading prefix of each pattern in a title', () => {
    const o: SavedObject = {
      id: 'earlypay-x',
      type: 'index-pattern',
      attributes: { title: 'earlypay-sales,other-earlypay-sales' },
      references: [],
    };
    expect(withIndexPrefix([o], 'it-1')[0]!.attributes.title).toBe('it-1-sales,other-earlypay-sales');
    expect(withIndexPrefix([o], 'it-1')[0]!.id).toBe('it-1-x');
  });
});

describe('parseSavedObjects', () => {
  it('names the file and line of a bad line', () => {
    expect(() => parseSavedObjects('{"id":"a","type":"t","attributes":{},"references":[]}\n{oops', 'x.ndjson')).toThrow(
      /x\.ndjson:2: not valid JSON/,
    );
    expect(() => parseSavedObjects('{"id":"a"}', 'y.ndjson')).toThrow(/y\.ndjson:1: not a saved object/);
  });

  it('round-trips through toNdjson', () => {
    expect(parseSavedObjects(toNdjson(objects))).toEqual(objects);
  });
});
