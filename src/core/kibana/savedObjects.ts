/**
 * The Kibana saved objects shipped in `kibana-saved-objects/*.ndjson` (index patterns,
 * visualizations, a saved search, the dashboard; one file per Kibana line, see
 * `kibanaRules.ts`): loading, the fields they use, and the rewrite for a non-default index
 * prefix. Pure apart from reading the files; the HTTP import lives in `import.ts`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS } from '../config/config';

export interface SavedObjectReference {
  id: string;
  name: string;
  type: string;
}

export interface SavedObject {
  id: string;
  type: string;
  attributes: Record<string, unknown>;
  references: SavedObjectReference[];
  [other: string]: unknown;
}

/** Where a visualization or search keeps its index pattern: this reference name. */
export const INDEX_REF_NAME = 'kibanaSavedObjectMeta.searchSourceJSON.index';

/**
 * `kibana-saved-objects/` at the package root. This file sits three levels below it both as
 * `src/core/kibana/savedObjects.ts` (ts-jest, ts-node) and `dist/core/kibana/savedObjects.js`.
 */
export function savedObjectsDir(): string {
  return join(__dirname, '..', '..', '..', 'kibana-saved-objects');
}

/** Parses one ndjson file; a bad line names the file and line number. */
export function parseSavedObjects(text: string, source = 'ndjson'): SavedObject[] {
  const objects: SavedObject[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new Error(`${source}:${i + 1}: not valid JSON (${(err as Error).message})`);
    }
    if (!isSavedObject(value))
      throw new Error(`${source}:${i + 1}: not a saved object (needs id, type, attributes, references)`);
    objects.push(value);
  });
  return objects;
}

function isSavedObject(v: unknown): v is SavedObject {
  const o = v as Partial<SavedObject> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.id === 'string' &&
    typeof o.type === 'string' &&
    typeof o.attributes === 'object' &&
    o.attributes !== null &&
    Array.isArray(o.references) &&
    o.references.every((r) => typeof r?.id === 'string' && typeof r?.name === 'string' && typeof r?.type === 'string')
  );
}

/** Every `*.ndjson` file of the directory, in name order. */
export function loadSavedObjectFiles(dir = savedObjectsDir()): { file: string; objects: SavedObject[] }[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ndjson'))
    .sort();
  if (files.length === 0) throw new Error(`no *.ndjson saved objects in ${dir}`);
  return files.map((file) => ({ file, objects: parseSavedObjects(readFileSync(join(dir, file), 'utf8'), file) }));
}

/** The objects of one file of the directory (`KibanaLine.file`). */
export function loadSavedObjects(file: string, dir = savedObjectsDir()): SavedObject[] {
  return parseSavedObjects(readFileSync(join(dir, file), 'utf8'), file);
}

/** The import API's body: one object per line. */
export function toNdjson(objects: readonly SavedObject[]): string {
  return `${objects.map((o) => JSON.stringify(o)).join('\n')}\n`;
}

/**
 * The objects as they must be for indices named `<prefix>-…` instead of `earlypay-…`:
 * index-pattern titles point at the prefix's aliases. So that a staging prefix imported into
 * the same Kibana does not overwrite production's objects, ids (and the references to them)
 * get the prefix too, and the other titles say which prefix they show. The default prefix
 * returns the objects unchanged. Pure: the input is not modified.
 */
export function withIndexPrefix(
  objects: readonly SavedObject[],
  prefix: string,
  shippedPrefix: string = DEFAULTS.indexPrefix,
): SavedObject[] {
  const copy = structuredClone(objects) as SavedObject[];
  if (prefix === shippedPrefix) return copy;
  const from = `${shippedPrefix}-`;
  const to = `${prefix}-`;
  const renameId = (id: string): string => (id.startsWith(from) ? to + id.slice(from.length) : id);
  for (const o of copy) {
    o.id = renameId(o.id);
    o.references = o.references.map((r) => ({ ...r, id: renameId(r.id) }));
    const title = o.attributes.title;
    if (typeof title !== 'string') continue;
    if (o.type === 'index-pattern') {
      // A title may list several patterns ("earlypay-sales,earlypay-anomalies").
      o.attributes.title = title
        .split(',')
        .map((p) => (p.trim().startsWith(from) ? to + p.trim().slice(from.length) : p))
        .join(',');
    } else {
      const retitled = `${title} [${prefix}]`;
      o.attributes.title = retitled;
      if (typeof o.attributes.visState === 'string') {
        const vis = JSON.parse(o.attributes.visState) as Record<string, unknown>;
        vis.title = retitled;
        o.attributes.visState = JSON.stringify(vis);
      }
    }
  }
  return copy;
}

/** One field a saved object relies on, and the index pattern whose indices must have it. */
export interface FieldUse {
  objectId: string;
  objectType: string;
  indexPatternId: string;
  field: string;
  /** Where in the object: `timeFieldName`, `aggs[1].date_histogram`, `columns`, `sort`, `query`. */
  where: string;
  /** For aggregations: the agg type, so callers can check the field type fits it. */
  aggType?: string;
}

interface VisAgg {
  id?: string;
  type?: string;
  enabled?: boolean;
  params?: { field?: unknown };
}

/** Fields named in a KQL/Lucene query (`status:open and rule : "X"`); free text names none. */
export function queryFields(query: string): string[] {
  const fields = new Set<string>();
  // Strip quoted strings first so `reason:"a: b"` does not yield `a`.
  const unquoted = query.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  for (const m of unquoted.matchAll(/(?:^|[\s(])([A-Za-z_@][\w.@]*)\s*:/g)) fields.add(m[1]!);
  return [...fields];
}

function searchSourceOf(o: SavedObject): { query?: { query?: unknown }; filter?: { meta?: { key?: unknown } }[] } {
  const meta = o.attributes.kibanaSavedObjectMeta as { searchSourceJSON?: unknown } | undefined;
  if (typeof meta?.searchSourceJSON !== 'string') return {};
  return JSON.parse(meta.searchSourceJSON) as ReturnType<typeof searchSourceOf>;
}

/** The index pattern a visualization or search reads, by its reference. */
export function indexPatternOf(o: SavedObject): string | undefined {
  return o.references.find((r) => r.name === INDEX_REF_NAME && r.type === 'index-pattern')?.id;
}

/**
 * Every field the objects use: index-pattern time fields; visualization aggregation fields;
 * saved-search columns and sort; fields named in queries and filters.
 */
export function referencedFields(objects: readonly SavedObject[]): FieldUse[] {
  const uses: FieldUse[] = [];
  for (const o of objects) {
    const base = { objectId: o.id, objectType: o.type };
    if (o.type === 'index-pattern') {
      const time = o.attributes.timeFieldName;
      if (typeof time === 'string' && time)
        uses.push({ ...base, indexPatternId: o.id, field: time, where: 'timeFieldName' });
      continue;
    }
    if (o.type !== 'visualization' && o.type !== 'search') continue;
    const indexPatternId = indexPatternOf(o);
    if (!indexPatternId) continue;
    const add = (field: string, where: string, aggType?: string): void => {
      uses.push({ ...base, indexPatternId, field, where, ...(aggType ? { aggType } : {}) });
    };
    if (typeof o.attributes.visState === 'string') {
      const vis = JSON.parse(o.attributes.visState) as { aggs?: VisAgg[] };
      (vis.aggs ?? []).forEach((agg, i) => {
        if (agg.enabled === false) return;
        if (typeof agg.params?.field === 'string') add(agg.params.field, `aggs[${i}].${agg.type}`, agg.type);
      });
    }
    if (Array.isArray(o.attributes.columns)) {
      for (const c of o.attributes.columns) if (typeof c === 'string' && c !== '_source') add(c, 'columns');
    }
    if (Array.isArray(o.attributes.sort)) {
      for (const s of o.attributes.sort) {
        const field = Array.isArray(s) ? s[0] : undefined;
        if (typeof field === 'string') add(field, 'sort');
      }
    }
    const source = searchSourceOf(o);
    if (typeof source.query?.query === 'string') for (const f of queryFields(source.query.query)) add(f, 'query');
    for (const filter of source.filter ?? []) if (typeof filter.meta?.key === 'string') add(filter.meta.key, 'filter');
  }
  return uses;
}
