/**
 * Creating and upgrading the indices behind their aliases. Idempotent: running it again on
 * current indices changes nothing. A newer mapping is applied in place when Elasticsearch
 * accepts it (added fields); otherwise a new versioned index is created, the data reindexed
 * and the alias swapped atomically.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import { INDEX_DEFINITIONS, type IndexDefinition } from './indices';
import { writeBulk } from './bulkWrite';
import { withLongFields } from './longFields';
import { RunFailedError } from '../errors';

/**
 * `replaced`: a concrete index stood where the alias belongs (made up by Elasticsearch, with
 * dynamic mappings, when an older earlypay wrote to a deleted alias): its documents were copied
 * into the versioned index and the alias put in its place.
 */
export type IndexAction = 'created' | 'current' | 'upgraded' | 'reindexed' | 'replaced';

export interface IndexStatus {
  alias: string;
  index: string | null;
  expectedVersion: number;
  actualVersion: number | null;
  state: 'missing' | 'current' | 'outdated' | 'not-an-alias' | 'newer';
}

const META_KEY = 'earlypay_mapping_version';

/**
 * Creating an index waits for its shards, and setup for its replicas: Elasticsearch answers
 * within this, and the request may take that long whatever the run's request time limit.
 */
const ADMIN_WAIT_S = 60;
const ADMIN_REQUEST = { requestTimeout: (ADMIN_WAIT_S + 10) * 1000 };

/** `setup --shards/--replicas` (config keys `shards`, `replicas`); unset = the defaults below. */
export interface IndexLayout {
  shards?: number;
  replicas?: number;
}

/**
 * One shard fits the data of a merchant platform on one node and many; replicas follow the
 * cluster (`auto_expand_replicas: 0-1`: none on a single node, where a replica could never be
 * assigned and the cluster would stay yellow; one as soon as there is a second node), unless
 * the operator fixes a number.
 */
export function indexSettings(layout: IndexLayout = {}): estypes.IndicesIndexSettings {
  return {
    number_of_shards: layout.shards ?? 1,
    ...(layout.replicas === undefined
      ? { auto_expand_replicas: '0-1' }
      : { number_of_replicas: layout.replicas, auto_expand_replicas: 'false' }),
  };
}

function concreteName(prefix: string, def: IndexDefinition, version: number): string {
  return `${prefix}-${def.suffix}-v${version}`;
}

function withMeta(def: IndexDefinition): estypes.MappingTypeMapping {
  return { ...def.mappings, _meta: { [META_KEY]: def.version } };
}

/** Reads where an alias points and which mapping version that index carries. */
export async function inspectIndex(client: Client, prefix: string, def: IndexDefinition): Promise<IndexStatus> {
  const alias = `${prefix}-${def.suffix}`;
  const base = { alias, expectedVersion: def.version };
  if (!(await client.indices.exists({ index: alias }))) {
    return { ...base, index: null, actualVersion: null, state: 'missing' };
  }
  const aliasExists = await client.indices.existsAlias({ name: alias });
  if (!aliasExists) return { ...base, index: alias, actualVersion: null, state: 'not-an-alias' };
  const got = await client.indices.getAlias({ name: alias });
  const index = Object.keys(got)[0]!;
  const mapping = await client.indices.getMapping({ index });
  const meta = mapping[index]?.mappings?._meta as Record<string, unknown> | undefined;
  const actualVersion = typeof meta?.[META_KEY] === 'number' ? (meta[META_KEY] as number) : 0;
  const state = actualVersion === def.version ? 'current' : actualVersion > def.version ? 'newer' : 'outdated';
  return { ...base, index, actualVersion, state };
}

export async function inspectIndices(client: Client, prefix: string): Promise<IndexStatus[]> {
  return Promise.all(INDEX_DEFINITIONS.map((def) => inspectIndex(client, prefix, def)));
}

/** The aliases of these whose index has unassigned primary shards (red): every request touching them would hang. */
export async function redIndices(client: Client, statuses: readonly IndexStatus[]): Promise<string[]> {
  const present = statuses.filter((s) => s.index !== null);
  if (present.length === 0) return [];
  const health = await client.cluster.health({ index: present.map((s) => s.index!), level: 'indices' });
  return present.filter((s) => health.indices?.[s.index!]?.status === 'red').map((s) => s.alias);
}

async function createVersioned(
  client: Client,
  prefix: string,
  def: IndexDefinition,
  version: number,
  withAlias: boolean,
  layout: IndexLayout,
): Promise<string> {
  const index = concreteName(prefix, def, version);
  await client.indices.create(
    {
      index,
      settings: indexSettings(layout),
      mappings: withMeta(def),
      aliases: withAlias ? { [`${prefix}-${def.suffix}`]: { is_write_index: true } } : undefined,
      wait_for_active_shards: 1,
      timeout: `${ADMIN_WAIT_S}s`,
    },
    ADMIN_REQUEST,
  );
  return index;
}

/** Brings one index to its current definition; returns what it did. */
export async function ensureIndex(
  client: Client,
  prefix: string,
  def: IndexDefinition,
  layout: IndexLayout = {},
): Promise<{ status: IndexStatus; action: IndexAction; index: string }> {
  const status = await inspectIndex(client, prefix, def);
  switch (status.state) {
    case 'missing': {
      try {
        const index = await createVersioned(client, prefix, def, def.version, true, layout);
        return { status, action: 'created', index };
      } catch (err) {
        // Another setup created it between our check and create: treat as current.
        if (isResourceExists(err)) return { status, action: 'current', index: concreteName(prefix, def, def.version) };
        throw err;
      }
    }
    case 'current':
      return {
        status,
        action: (await applyReplicas(client, status.index!, layout)) ? 'upgraded' : 'current',
        index: status.index!,
      };
    case 'newer':
      throw new RunFailedError(
        `${status.alias} has mapping version ${status.actualVersion}, newer than this earlypay knows ` +
          `(${def.version})`,
        'upgrade earlypay to the version that made it before running it against these indices',
      );
    case 'not-an-alias': {
      const concrete = status.index!;
      const mapping = await client.indices.getMapping({ index: concrete });
      if (mapping[concrete]?.mappings?._meta?.[META_KEY] !== undefined)
        throw new RunFailedError(
          `${status.alias} is a concrete index, not an alias`,
          'rename it or choose another --index-prefix',
        );
      // Made up by Elasticsearch on a write to a deleted alias: its documents go into the versioned index, which takes
      // its name.
      let target: string;
      try {
        target = await createVersioned(client, prefix, def, def.version, false, layout);
      } catch (err) {
        if (!isResourceExists(err)) throw err;
        target = concreteName(prefix, def, def.version); // left by an attempt before
      }
      await copyIndex(client, concrete, target, undefined);
      await client.indices.updateAliases({
        actions: [
          { remove_index: { index: concrete } },
          { add: { index: target, alias: status.alias, is_write_index: true } },
        ],
      });
      return { status, action: 'replaced', index: target };
    }
    case 'outdated': {
      const index = status.index!;
      // A new multi-field, or a new field computed from the others, needs every document indexed
      // again, not only a mapping.
      const copy = status.actualVersion! < (def.copyBelow ?? 0);
      const rewrite = def.rewrite && status.actualVersion! < (def.rewriteBelow ?? 0) ? def.rewrite : undefined;
      if (!copy) {
        try {
          await client.indices.putMapping({ index, ...withMeta(def) });
          await applyReplicas(client, index, layout);
          return { status, action: 'upgraded', index };
        } catch (err) {
          if (!isMappingConflict(err)) throw err;
        }
      }
      const target = await createVersioned(client, prefix, def, def.version, false, layout);
      await copyIndex(client, index, target, rewrite, def.longFields);
      await client.indices.updateAliases({
        actions: [
          { remove: { index, alias: status.alias } },
          { add: { index: target, alias: status.alias, is_write_index: true } },
        ],
      });
      return { status, action: 'reindexed', index: target };
    }
  }
}

export async function ensureIndices(
  client: Client,
  prefix: string,
  layout: IndexLayout = {},
): Promise<{ alias: string; index: string; action: IndexAction }[]> {
  // All at once: each `create` waits for its shard to start (docs/performance.md "Small things").
  const results = await Promise.all(
    INDEX_DEFINITIONS.map(async (def) => {
      const r = await ensureIndex(client, prefix, def, layout);
      return { alias: r.status.alias, index: r.index, action: r.action };
    }),
  );
  // A new index's replicas are copied after `create` returns: a node lost before then takes the
  // only copy of its shards with it. Wait (bounded) until the copies that can be made are made;
  // replicas that cannot be placed (fewer nodes than copies) do not hold this up.
  await client.cluster.health(
    {
      index: results.map((r) => r.index),
      wait_for_events: 'languid',
      wait_for_no_initializing_shards: true,
      timeout: `${ADMIN_WAIT_S}s`,
    },
    ADMIN_REQUEST,
  );
  return results;
}

/**
 * `--replicas` on an existing index: replicas change in place (shards cannot: a different
 * `--shards` applies to the indices setup creates). Returns whether anything changed.
 */
async function applyReplicas(client: Client, index: string, layout: IndexLayout): Promise<boolean> {
  if (layout.replicas === undefined) return false;
  const got = await client.indices.getSettings({
    index,
    name: ['index.number_of_replicas', 'index.auto_expand_replicas'],
    flat_settings: true,
  });
  const settings = (Object.values(got)[0]?.settings ?? {}) as Record<string, string | undefined>;
  const auto = settings['index.auto_expand_replicas'];
  if (settings['index.number_of_replicas'] === String(layout.replicas) && (auto === undefined || auto === 'false'))
    return false;
  await client.indices.putSettings({
    index,
    settings: { number_of_replicas: layout.replicas, auto_expand_replicas: 'false' },
  });
  return true;
}

/**
 * Copies every document, keeping ids and versions (sales carry external versions), with a
 * scroll and the bulk helper: minimal distributions have no _reindex. `rewrite` computes what
 * the new mapping adds. The `longFields` of a page are fetched apart, a few documents at a time.
 */
async function copyIndex(
  client: Client,
  from: string,
  to: string,
  rewrite: IndexDefinition['rewrite'],
  longFields: readonly string[] = [],
): Promise<void> {
  const ops = (async function* () {
    for await (const res of client.helpers.scrollSearch<Record<string, unknown>>({
      index: from,
      size: 2_000,
      version: true,
      sort: ['_doc'],
      query: { match_all: {} },
      ...(longFields.length ? { _source: { excludes: [...longFields] } } : {}),
    })) {
      for await (const group of withLongFields(client, from, res.body.hits.hits, longFields)) {
        for (const hit of group) {
          const doc = rewrite ? rewrite(hit._source!) : hit._source!;
          yield {
            kind: 'index' as const,
            index: to,
            id: hit._id!,
            doc,
            version: hit._version,
            versionType: 'external_gte' as const,
          };
        }
      }
    }
  })();
  // Into the versioned index itself: the alias moves to it once it holds everything.
  await writeBulk(client, ops, { refresh: true, requireAlias: false, what: `copying ${from} to ${to}` });
}

function errorType(err: unknown): string | undefined {
  return (err as { meta?: { body?: { error?: { type?: string } } } })?.meta?.body?.error?.type;
}
function isResourceExists(err: unknown): boolean {
  const t = errorType(err);
  return t === 'resource_already_exists_exception' || t === 'invalid_alias_name_exception';
}
function isMappingConflict(err: unknown): boolean {
  const t = errorType(err);
  return t === 'illegal_argument_exception' || t === 'mapper_parsing_exception';
}
