/**
 * What a Kibana accepts on `POST /api/saved_objects/_import`, written down from Kibana's own
 * source, one table per supported release line, and the check of a set of saved objects
 * against it. Kibana cannot run here, so this is how the shipped files are proven importable.
 *
 * The rules, and where they come from (elastic/kibana, files at the commits cited):
 * - Types: only importable types are taken (`collect_saved_objects.ts`: `unsupported_type`).
 * - Attributes: 7.17 and 8.0–8.7 write the object into the `.kibana` index whose root mapping is
 *   `dynamic: strict`, so an attribute a type does not map fails the bulk write (visualization,
 *   search and dashboard declare no `dynamic: false` there). From 8.8/8.9 `schemas` and
 *   `modelVersions[].schemas.create` validate the migrated attributes with `unknowns: 'forbid'`
 *   (`api-server-internal/.../helpers/validation.ts`, `base-server-internal/.../validator.ts`).
 *   The tables below are the keys every Kibana of the line accepts (the intersection).
 * - Stamps: `coreMigrationVersion` newer than the Kibana is refused, and a type version
 *   (`migrationVersion[type]`, or `typeMigrationVersion`) newer than the type's latest migration
 *   is refused with "belongs to a more recent version of Kibana" (HTTP 400/422;
 *   `document_migrator/pipelines/utils.ts` `assertValidCoreVersion`, `utils.ts`
 *   `downgradeRequired`, `upgrade_pipeline.ts` `assertCompatibility`). A type version must also
 *   be one the type knows, or the migrations after it are skipped or rerun.
 * - Kibana imports exports of its own major and the previous one only (Kibana's import API
 *   documentation, "Compatibility across versions": 6.x into 8.x is not compatible).
 * - References: `validate_references.ts` refuses an `index-pattern` or `search` reference that
 *   is neither in the file nor in Kibana; a visualization finds its data view through
 *   `searchSourceJSON.indexRefName`, a dashboard panel through the reference named
 *   `<panelIndex>:<panelRefName>` (`dashboard_container_references.ts` `createInject`, which
 *   throws "Could not find reference").
 */
import type { SavedObject } from './savedObjects';
import { INDEX_REF_NAME } from './savedObjects';

/** How an attribute must look: a plain value, or a string holding JSON of this shape. */
type Kind = 'string' | 'number' | 'boolean' | 'string[]' | 'sort' | 'object' | 'json-object' | 'json-array';
type AttributeRules = Record<string, Kind | { [key: string]: Kind }>;

interface TypeRules {
  attributes: AttributeRules;
  required: string[];
  /** Type versions this type has migrations (or its namespace conversion) at, in every Kibana of the line. */
  knownVersions: string[];
  /** The oldest latest type version across the line: a stamp above it is refused by some Kibana of the line. */
  latest: string;
}

export interface KibanaLine {
  name: string;
  /** Kibana versions of the line: `min` ≤ v < `below`. */
  min: string;
  below: string;
  /** The file of `kibana-saved-objects/` that `setup --kibana-url` uploads to a Kibana of this line. */
  file: string;
  types: Record<string, TypeRules>;
}

const DASHBOARD_ATTRIBUTES: AttributeRules = {
  title: 'string',
  description: 'string',
  hits: 'number',
  kibanaSavedObjectMeta: { searchSourceJSON: 'json-object' },
  optionsJSON: 'json-object',
  panelsJSON: 'json-array',
  refreshInterval: { pause: 'boolean', value: 'number', display: 'string', section: 'number' },
  timeFrom: 'string',
  timeRestore: 'boolean',
  timeTo: 'string',
  version: 'number',
};

const VISUALIZATION_ATTRIBUTES: AttributeRules = {
  title: 'string',
  description: 'string',
  kibanaSavedObjectMeta: { searchSourceJSON: 'json-object' },
  savedSearchRefName: 'string',
  uiStateJSON: 'json-object',
  version: 'number',
  visState: 'json-object',
};

const SEARCH_ATTRIBUTES: AttributeRules = {
  title: 'string',
  description: 'string',
  columns: 'string[]',
  sort: 'sort',
  grid: 'object',
  hideChart: 'boolean',
  hits: 'number',
  kibanaSavedObjectMeta: { searchSourceJSON: 'json-object' },
  version: 'number',
  viewMode: 'string',
  hideAggregatedPreview: 'boolean',
};

/** Data views map only title/type/name and set `dynamic: false`; these are the attributes Kibana reads. */
const INDEX_PATTERN_ATTRIBUTES: AttributeRules = {
  title: 'string',
  timeFieldName: 'string',
  fields: 'json-array',
  fieldAttrs: 'json-object',
  fieldFormatMap: 'json-object',
  runtimeFieldMap: 'json-object',
  sourceFilters: 'json-array',
  typeMeta: 'json-object',
  allowNoIndex: 'boolean',
  name: 'string',
};

/** Keys of the migration maps in the 7.x releases (see the file comment of each entry). */
const V7 = {
  'index-pattern': ['6.5.0', '7.6.0', '7.11.0'],
  visualization: [
    '6.7.2',
    '7.0.0',
    '7.0.1',
    '7.2.0',
    '7.3.0',
    '7.3.1',
    '7.4.2',
    '7.7.0',
    '7.8.0',
    '7.9.3',
    '7.10.0',
    '7.11.0',
    '7.12.0',
    '7.13.0',
    '7.13.1',
    '7.14.0',
    '7.17.0',
  ],
  search: ['6.7.2', '7.0.0', '7.4.0', '7.9.3'],
  dashboard: ['6.7.2', '7.0.0', '7.3.0', '7.9.3', '7.11.0', '7.14.0', '7.17.3'],
};
const V8 = Object.fromEntries(
  Object.entries(V7).map(([type, versions]) => [type, [...versions, '8.0.0']]),
) as typeof V7;

/** The oldest latest version of each type in 7.17.0 (7.17.3 added a dashboard migration). */
const LATEST_717 = { 'index-pattern': '7.11.0', visualization: '7.17.0', search: '7.9.3', dashboard: '7.14.0' };
const LATEST_8 = { 'index-pattern': '8.0.0', visualization: '8.0.0', search: '8.0.0', dashboard: '8.0.0' };

function line(
  name: string,
  min: string,
  below: string,
  file: string,
  known: typeof V7,
  latest: typeof LATEST_717,
): KibanaLine {
  const type = (t: keyof typeof V7, attributes: AttributeRules, required: string[]): TypeRules => ({
    attributes,
    required,
    knownVersions: known[t],
    latest: latest[t],
  });
  return {
    name,
    min,
    below,
    file,
    types: {
      'index-pattern': type('index-pattern', INDEX_PATTERN_ATTRIBUTES, ['title']),
      visualization: type('visualization', VISUALIZATION_ATTRIBUTES, ['title']),
      search: type('search', SEARCH_ATTRIBUTES, ['title', 'kibanaSavedObjectMeta']),
      dashboard: type('dashboard', DASHBOARD_ATTRIBUTES, ['title']),
    },
  };
}

/**
 * The supported Kibana lines. 8.x and 9.x take the same file: every one of the four types
 * declares `convertToMultiNamespaceTypeVersion: '8.0.0'` from 8.0 on (still in 9.x), so 8.0.0
 * stamps are within every 8.x and 9.x, and 9.x is promised the previous major's exports.
 */
export const KIBANA_LINES: readonly KibanaLine[] = [
  line('7.17', '7.17.0', '8.0.0', 'earlypay-kibana7.ndjson', V7, LATEST_717),
  line('8.x', '8.0.0', '9.0.0', 'earlypay-kibana8.ndjson', V8, LATEST_8),
  line('9.x', '9.0.0', '10.0.0', 'earlypay-kibana8.ndjson', V8, LATEST_8),
];

/** `[major, minor, patch]` of a version such as `8.19.2` or `9.1.0-SNAPSHOT`; undefined when not one. */
export function parseVersion(v: string): [number, number, number] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (!x || !y) throw new Error(`not a version: ${x ? b : a}`);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/** The line a Kibana version belongs to, or undefined when earlypay ships nothing it accepts. */
export function kibanaLineOf(version: string): KibanaLine | undefined {
  if (!parseVersion(version)) return undefined;
  return KIBANA_LINES.find((l) => compareVersions(version, l.min) >= 0 && compareVersions(version, l.below) < 0);
}

/** Names of the supported lines, for messages: "7.17, 8.x, 9.x". */
export function supportedKibanaLines(): string {
  return KIBANA_LINES.map((l) => l.name).join(', ');
}

function kindProblem(value: unknown, kind: Kind): string | undefined {
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? undefined : 'must be a string';
    case 'number':
      return typeof value === 'number' ? undefined : 'must be a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be a boolean';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : 'must be an object';
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? undefined : 'must be strings';
    case 'sort':
      return Array.isArray(value) &&
        value.every((s) => Array.isArray(s) && s.length <= 2 && s.every((x) => typeof x === 'string'))
        ? undefined
        : 'must be [field, direction] pairs';
    case 'json-object':
    case 'json-array': {
      if (typeof value !== 'string') return 'must be a string holding JSON';
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch (err) {
        return `is not valid JSON (${(err as Error).message})`;
      }
      const isArray = Array.isArray(parsed);
      if (kind === 'json-array' && !isArray) return 'must hold a JSON array';
      if (kind === 'json-object' && (isArray || typeof parsed !== 'object' || parsed === null))
        return 'must hold a JSON object';
      return undefined;
    }
  }
}

function checkAttributes(o: SavedObject, rules: TypeRules, problem: (s: string) => void): void {
  for (const key of rules.required) if (o.attributes[key] === undefined) problem(`attribute ${key} is required`);
  for (const [key, value] of Object.entries(o.attributes)) {
    const rule = rules.attributes[key];
    if (rule === undefined) {
      problem(`attribute ${key} is not accepted for ${o.type}`);
      continue;
    }
    if (typeof rule === 'string') {
      const p = kindProblem(value, rule);
      if (p) problem(`attribute ${key} ${p}`);
      continue;
    }
    if (typeof value !== 'object' || value === null) {
      problem(`attribute ${key} must be an object`);
      continue;
    }
    for (const [sub, subValue] of Object.entries(value)) {
      const subRule = rule[sub];
      if (!subRule) problem(`attribute ${key}.${sub} is not accepted for ${o.type}`);
      else {
        const p = kindProblem(subValue, subRule);
        if (p) problem(`attribute ${key}.${sub} ${p}`);
      }
    }
  }
}

function checkStamps(o: SavedObject, kibana: KibanaLine, rules: TypeRules, problem: (s: string) => void): void {
  const core = o.coreMigrationVersion;
  const coreVersion = typeof core === 'string' ? parseVersion(core) : undefined;
  if (!coreVersion) problem(`coreMigrationVersion ${JSON.stringify(core)} is not a version`);
  else {
    if (compareVersions(core as string, kibana.min) > 0)
      problem(`coreMigrationVersion ${core} is newer than Kibana ${kibana.min}, which refuses it`);
    const lineMajor = parseVersion(kibana.min)![0];
    if (coreVersion[0] < lineMajor - 1)
      problem(
        `coreMigrationVersion ${core}: Kibana ${kibana.name} imports exports of ${lineMajor - 1}.x and later only`,
      );
  }
  const stamps = (o.migrationVersion ?? {}) as Record<string, unknown>;
  const typeVersion = o.typeMigrationVersion ?? stamps[o.type];
  if (Object.keys(stamps).some((k) => k !== o.type)) problem(`migrationVersion names another type than ${o.type}`);
  if (typeof typeVersion !== 'string' || !parseVersion(typeVersion)) {
    problem(`migration stamp of ${o.type} is missing or not a version: ${JSON.stringify(typeVersion)}`);
    return;
  }
  if (compareVersions(typeVersion, rules.latest) > 0)
    problem(
      `${o.type} stamp ${typeVersion} is newer than ${rules.latest}, the latest some Kibana ${kibana.name} knows`,
    );
  else if (!rules.knownVersions.includes(typeVersion))
    problem(`${o.type} stamp ${typeVersion} is not a version ${o.type} has migrations at`);
}

interface Panel {
  panelIndex?: unknown;
  panelRefName?: unknown;
  type?: unknown;
  gridData?: { i?: unknown };
}

function parsed<T>(value: unknown): T | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value) as T;
  } catch {
    return undefined;
  }
}

/** References resolved both ways: every name an object uses has a reference, every reference is used. */
function checkReferences(o: SavedObject, byKey: Map<string, SavedObject>, problem: (s: string) => void): void {
  const used = new Set<string>();
  const need = (name: string, type: string | undefined, what: string): void => {
    const ref = o.references.find((r) => r.name === name);
    if (!ref) problem(`${what} names reference ${name}, which the object does not have`);
    else if (type && ref.type !== type) problem(`${what}: reference ${name} is a ${ref.type}, not a ${type}`);
    used.add(name);
  };
  const meta = o.attributes.kibanaSavedObjectMeta as { searchSourceJSON?: unknown } | undefined;
  const source = parsed<{ indexRefName?: unknown; index?: unknown; filter?: { meta?: { indexRefName?: unknown } }[] }>(
    meta?.searchSourceJSON,
  );
  if (source?.index !== undefined) problem('searchSourceJSON.index must be a reference (indexRefName), not an id');
  if (typeof source?.indexRefName === 'string') need(source.indexRefName, 'index-pattern', 'searchSourceJSON');
  else if (o.type === 'visualization' || o.type === 'search')
    problem(`searchSourceJSON has no indexRefName (${INDEX_REF_NAME})`);
  (source?.filter ?? []).forEach((f, i) => {
    if (typeof f.meta?.indexRefName === 'string') need(f.meta.indexRefName, 'index-pattern', `filter[${i}]`);
  });
  if (typeof o.attributes.savedSearchRefName === 'string')
    need(o.attributes.savedSearchRefName, 'search', 'savedSearchRefName');
  if (o.type === 'dashboard') {
    const panels = parsed<Panel[]>(o.attributes.panelsJSON) ?? [];
    const indexes = new Set<unknown>();
    for (const p of panels) {
      if (indexes.has(p.panelIndex)) problem(`panelIndex ${String(p.panelIndex)} is used twice`);
      indexes.add(p.panelIndex);
      if (typeof p.panelIndex !== 'string' || p.gridData?.i !== p.panelIndex)
        problem(`panel ${String(p.panelIndex)}: panelIndex must be a string equal to gridData.i`);
      if (typeof p.panelRefName !== 'string') problem(`panel ${String(p.panelIndex)} has no panelRefName`);
      else need(`${String(p.panelIndex)}:${p.panelRefName}`, String(p.type), `panel ${String(p.panelIndex)}`);
    }
  }
  for (const ref of o.references) {
    if (!used.has(ref.name)) problem(`reference ${ref.name} (${ref.type}/${ref.id}) is not used by the object`);
    if (!byKey.has(`${ref.type}/${ref.id}`))
      problem(`reference ${ref.name} points to ${ref.type}/${ref.id}, not in the file`);
  }
}

/**
 * Every way the objects break a Kibana of the line, one line each (`<type>/<id>: …`);
 * empty when that Kibana imports them.
 */
export function kibanaProblems(objects: readonly SavedObject[], kibana: KibanaLine): string[] {
  const problems: string[] = [];
  const byKey = new Map<string, SavedObject>();
  for (const o of objects) {
    const key = `${o.type}/${o.id}`;
    if (byKey.has(key)) problems.push(`${key}: appears twice (Kibana refuses the whole file)`);
    byKey.set(key, o);
  }
  for (const o of objects) {
    const problem = (s: string): void => {
      problems.push(`${o.type}/${o.id}: ${s}`);
    };
    const rules = kibana.types[o.type];
    if (!rules) {
      problem(`type ${o.type} is not one earlypay checks for Kibana ${kibana.name}`);
      continue;
    }
    checkAttributes(o, rules, problem);
    checkStamps(o, kibana, rules, problem);
    checkReferences(o, byKey, problem);
  }
  return problems;
}
