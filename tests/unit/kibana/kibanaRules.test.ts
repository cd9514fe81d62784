/**
 * The shipped saved objects against Kibana's import rules, as src/core/kibana/kibanaRules.ts
 * writes them down. The rules were read from elastic/kibana (no Kibana runs on this machine):
 *
 * Import pipeline and migrations (9.x layout, src/core/packages/saved-objects/…):
 * - import-export-server-internal/src/import/import_saved_objects.ts @127c4f53d049
 * - …/import/lib/collect_saved_objects.ts @1d91b9aac055 (unsupported_type; typeMigrationVersion '')
 * - …/import/lib/validate_references.ts @19e871bb0d76 (index-pattern and search refs must exist)
 * - …/import/lib/create_saved_objects.ts @15b99338c746 (bulkCreate of the collected objects)
 * - api-server-internal/src/lib/apis/helpers/validation.ts @580fbec0be19 (schemas + modelVersions create)
 * - base-server-internal/src/validation/validator.ts @1b5716da8b8e (schema chosen by version)
 * - migration-server-internal/src/document_migrator/pipelines/utils.ts @67d582427439
 *   (assertValidCoreVersion: coreMigrationVersion > Kibana version is refused)
 * - …/document_migrator/utils.ts @7cdda21b48c6 (downgradeRequired: type version > latest)
 * - …/document_migrator/pipelines/upgrade_pipeline.ts @2c42016152d6 (assertCompatibility)
 * - …/document_migrator/migrations/transform_migration_version.ts @d43afeb21ebd
 *   (migrationVersion[type] becomes typeMigrationVersion: the 8.x/9.x file may keep migrationVersion)
 * 7.x/8.x layout (src/core/server/saved_objects/migrations/core/document_migrator.ts, 7.x):
 *   the same refusal "has property "<type>" which belongs to a more recent version of Kibana".
 *
 * Types (9.x, src/platform/plugins/shared/…):
 * - visualizations/server/saved_objects/visualization.ts @385d45e489dc: schemas '8.8.0'
 *   (title, description, version, kibanaSavedObjectMeta.searchSourceJSON, uiStateJSON, visState,
 *   savedSearchRefName), convertToMultiNamespaceTypeVersion '8.0.0'
 * - visualizations/server/migrations/visualization_saved_object_migrations.ts @328b3b5eaa3d:
 *   6.7.2 … 7.14.0, 7.17.0, 8.0.0, 8.1.0, 8.3.0, 8.5.0 (7.17.0 and 8.0.0 touch TSVB only)
 * - dashboard/server/dashboard_saved_object/dashboard_saved_object.ts @04698d03a652 (schemas
 *   '8.9.0' = schema/v1/v1.ts @3c37204bef8a, unknowns 'forbid'; model versions 1–4 add keys only)
 * - dashboard …/migrations/…/dashboard_container_references.ts @248177f2577e (panel reference
 *   `<panelIndex>:panel_<panelIndex>`, "Could not find reference")
 * - data_views/server/saved_objects/data_views.ts @385d45e489dc (dynamic: false, no schema) and
 *   index_pattern_migrations.ts @437def57ef40 (6.5.0, 7.6.0, 7.11.0)
 * - saved_search/server/saved_objects/search.ts @01a60f27774a, schema_legacy.ts @37a128080786
 *   (SCHEMA_SEARCH_V8_8_0: columns, sort as [field, dir] pairs, grid, hideChart, …) and
 *   search_migrations.ts @59720dc268c1 (6.7.2, 7.0.0, 7.4.0, 7.9.3)
 * - data/common/search/search_source/search_source_service.ts @1ea12ce33723 and
 *   data/common/query/filters/persistable_state.ts @1d91b9aac055: no search-source migrations
 * 7.17 / 8.0–8.7 types (src/plugins/…, before the 8.8 `dynamic: false` mappings):
 * - visualizations/server/saved_objects/visualization.ts @e1be938d3a48 (mapped: description,
 *   kibanaSavedObjectMeta.searchSourceJSON, savedSearchRefName, title, uiStateJSON, version,
 *   visState); the same mapping in the built Kibana 8.1.2 of bozides2142/CYP.CYS670X.S2022-Assignment-1
 * - dashboard/server/saved_objects/dashboard.ts @0edac7d8da14 (mapped: description, hits,
 *   kibanaSavedObjectMeta, optionsJSON, panelsJSON, refreshInterval, timeFrom/To, timeRestore,
 *   title, version; controlGroupInput from 8.1 only) and dashboard_migrations.ts (6.7.2 … 7.14.0,
 *   7.17.3: the 7.17.3 key is absent from 7.17.0–7.17.2)
 * - discover/server/saved_objects/search.ts @eb6df096ddd8 (mapped: columns, description, viewMode,
 *   hideChart, hideAggregatedPreview, hits, kibanaSavedObjectMeta, sort, title, grid, version, rowHeight)
 * Compatibility promise: Kibana's import API documentation, "Compatibility across versions".
 */
import { KIBANA_LINES, kibanaLineOf, kibanaProblems, type KibanaLine } from '../../../src/core/kibana/kibanaRules';
import { loadSavedObjects, withIndexPrefix, type SavedObject } from '../../../src/core/kibana/savedObjects';

const lineNamed = (name: string): KibanaLine => KIBANA_LINES.find((l) => l.name === name)!;
const shipped = (l: KibanaLine): SavedObject[] => loadSavedObjects(l.file);

/** A copy of the line's objects with one object changed. */
function mutate(l: KibanaLine, id: string, change: (o: SavedObject) => void): SavedObject[] {
  const objects = structuredClone(shipped(l));
  change(objects.find((o) => o.id === id)!);
  return objects;
}

describe('the shipped saved objects, by Kibana line', () => {
  it.each(KIBANA_LINES.map((l) => [l.name, l] as const))('Kibana %s accepts its file', (_name, l) => {
    expect(kibanaProblems(shipped(l), l)).toEqual([]);
  });

  it.each(KIBANA_LINES.map((l) => [l.name, l] as const))(
    'Kibana %s accepts what setup uploads with another --index-prefix',
    (_name, l) => {
      expect(kibanaProblems(withIndexPrefix(shipped(l), 'staging'), l)).toEqual([]);
    },
  );

  it('the 8.x file would be refused by Kibana 7.17 (newer core stamp), the 7.17 file is not promised to 9.x', () => {
    const k717 = lineNamed('7.17');
    const k9 = lineNamed('9.x');
    expect(kibanaProblems(shipped(k9), k717).join('\n')).toMatch(
      /coreMigrationVersion 8\.0\.0 is newer than Kibana 7\.17\.0/,
    );
    expect(kibanaProblems(shipped(k717), k9).join('\n')).toMatch(/imports exports of 8\.x and later only/);
  });

  it('chooses the file from the Kibana version (GET /api/status)', () => {
    expect(kibanaLineOf('7.17.29')?.file).toBe('earlypay-kibana7.ndjson');
    expect(kibanaLineOf('8.0.0')?.file).toBe('earlypay-kibana8.ndjson');
    expect(kibanaLineOf('8.19.2')?.file).toBe('earlypay-kibana8.ndjson');
    expect(kibanaLineOf('9.2.0-SNAPSHOT')?.name).toBe('9.x');
    expect(kibanaLineOf('7.16.3')).toBeUndefined();
    expect(kibanaLineOf('10.0.0')).toBeUndefined();
    expect(kibanaLineOf('latest')).toBeUndefined();
  });
});

describe('kibanaProblems finds what Kibana refuses', () => {
  const k717 = lineNamed('7.17');
  const k8 = lineNamed('8.x');

  it('a mistyped stamp (7.41.0): newer than 7.17 knows, and no visualization migration in 8.x', () => {
    const bad = (l: KibanaLine): string =>
      kibanaProblems(
        mutate(l, 'earlypay-vis-daily-aov', (o) => {
          o.migrationVersion = { visualization: '7.41.0' };
        }),
        l,
      ).join('\n');
    expect(bad(k717)).toMatch(/visualization stamp 7\.41\.0 is newer than 7\.17\.0/);
    expect(bad(k8)).toMatch(/visualization stamp 7\.41\.0 is not a version visualization has migrations at/);
  });

  it('a dashboard stamped 7.17.3 is refused by 7.17.0–7.17.2', () => {
    const objects = mutate(k717, 'earlypay-dashboard', (o) => {
      o.migrationVersion = { dashboard: '7.17.3' };
    });
    expect(kibanaProblems(objects, k717).join('\n')).toMatch(/dashboard stamp 7\.17\.3 is newer than 7\.14\.0/);
  });

  it('a missing stamp or core version', () => {
    const objects = mutate(k8, 'earlypay-index-sales', (o) => {
      delete o.migrationVersion;
      o.coreMigrationVersion = '8.x';
    });
    const text = kibanaProblems(objects, k8).join('\n');
    expect(text).toMatch(/index-pattern\/earlypay-index-sales: coreMigrationVersion "8\.x" is not a version/);
    expect(text).toMatch(/migration stamp of index-pattern is missing/);
  });

  it('an attribute the type does not accept, or of the wrong kind', () => {
    const objects = mutate(k8, 'earlypay-dashboard', (o) => {
      o.attributes.panels = [];
      o.attributes.timeRestore = 'true';
      (o.attributes.refreshInterval as Record<string, unknown>).every = 5;
    });
    expect(kibanaProblems(objects, k8).sort()).toEqual([
      'dashboard/earlypay-dashboard: attribute panels is not accepted for dashboard',
      'dashboard/earlypay-dashboard: attribute refreshInterval.every is not accepted for dashboard',
      'dashboard/earlypay-dashboard: attribute timeRestore must be a boolean',
    ]);
  });

  it('every JSON-in-string field is parsed', () => {
    const objects = mutate(k8, 'earlypay-vis-weekly-aov', (o) => {
      o.attributes.visState = '{"title":';
      o.attributes.uiStateJSON = '[]';
    });
    const text = kibanaProblems(objects, k8).join('\n');
    expect(text).toMatch(/attribute visState is not valid JSON/);
    expect(text).toMatch(/attribute uiStateJSON must hold a JSON object/);
  });

  it('references both ways: a panel without its reference, an unused reference, a reference to nothing', () => {
    const objects = mutate(k8, 'earlypay-dashboard', (o) => {
      o.references = o.references.filter((r) => r.name !== '3:panel_3');
      o.references.push({ name: '9:panel_9', type: 'visualization', id: 'earlypay-vis-gone' });
    });
    const text = kibanaProblems(objects, k8).join('\n');
    expect(text).toMatch(/panel 3 names reference 3:panel_3, which the object does not have/);
    expect(text).toMatch(/reference 9:panel_9 \(visualization\/earlypay-vis-gone\) is not used/);
    expect(text).toMatch(/reference 9:panel_9 points to visualization\/earlypay-vis-gone, not in the file/);
  });

  it('a visualization whose searchSourceJSON names no reference, or an index id instead', () => {
    const objects = mutate(k8, 'earlypay-vis-top-stores', (o) => {
      const meta = o.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string };
      const source = JSON.parse(meta.searchSourceJSON) as Record<string, unknown>;
      delete source.indexRefName;
      source.index = 'earlypay-index-daily-aov';
      meta.searchSourceJSON = JSON.stringify(source);
    });
    const text = kibanaProblems(objects, k8).join('\n');
    expect(text).toMatch(/searchSourceJSON\.index must be a reference/);
    expect(text).toMatch(/searchSourceJSON has no indexRefName/);
    expect(text).toMatch(/reference kibanaSavedObjectMeta\.searchSourceJSON\.index .* is not used/);
  });

  it('the same object twice, and a type earlypay does not check', () => {
    const objects = shipped(k8);
    const text = kibanaProblems([...objects, objects[0]!, { ...objects[0]!, type: 'lens', id: 'x' }], k8).join('\n');
    expect(text).toMatch(/index-pattern\/earlypay-index-sales: appears twice/);
    expect(text).toMatch(/lens\/x: type lens is not one earlypay checks/);
  });
});
