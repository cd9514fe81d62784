/**
 * The indices of docs/contract.md §4. Each logical name (`<prefix>-sales`) is an alias over a versioned
 * concrete index (`<prefix>-sales-v<N>`); `_meta.earlypay_mapping_version` records which
 * mapping the concrete index was created or last upgraded with.
 */
import type { estypes } from '@elastic/elasticsearch';
import { LONG_SALE_FIELDS, SALE_FIELDS, withTextGrams, type SaleIndexing } from '../sales/saleDocument';
import { INDEX_SUFFIXES, type IndexKey } from '../config/indexNames';

export interface IndexDefinition {
  key: IndexKey;
  /** Suffix after the prefix: `<prefix>-<suffix>`. */
  suffix: string;
  /** Bump when `mappings` change; setup upgrades in place or by reindex behind the alias. */
  version: number;
  mappings: estypes.MappingTypeMapping;
  /**
   * An index older than this version is not upgraded in place: its documents are copied into a
   * new index behind the alias, each indexed again (a new multi-field is filled only as a
   * document is indexed).
   */
  copyBelow?: number;
  /**
   * In that copy, documents of an index older than `rewriteBelow` go through `rewrite` (a new
   * field computed from the others).
   */
  rewriteBelow?: number;
  rewrite?: (doc: Record<string, unknown>) => Record<string, unknown>;
  /** Fields that may hold megabytes: a copy reads them apart, a few documents at a time (longFields.ts). */
  longFields?: readonly string[];
}

/** The numeric sub-field of an id (`store_id.number`). */
export const ID_NUMBER = 'number';
/** The id fields that have it, by index: what a sort on an id sorts by. */
export const NUMERIC_IDS: readonly string[] = ['id', 'store_id'];

const keyword = { type: 'keyword' } as const;
const long = { type: 'long' } as const;
const date = { type: 'date' } as const;
const day = { type: 'date', format: 'yyyy-MM-dd' } as const;
const bool = { type: 'boolean' } as const;
const text = { type: 'text' } as const;
const textWithKeyword = { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } } as const;
const opaque = { type: 'object', enabled: false } as const;
/**
 * An id: a keyword (docs/contract.md §4: ids are strings), with its number beside it, which is what the
 * searches sort by (`--sort store_id`: 1, 2, 10, not 1, 10, 2). A value no `long` holds is
 * left out of the number (ignore_malformed) rather than refusing the document.
 */
const id = { type: 'keyword', fields: { [ID_NUMBER]: { type: 'long', ignore_malformed: true } } } as const;

/** The mapping of each way a sale's field is indexed (sales/saleDocument.ts's SALE_FIELDS). */
const SALE_MAPPINGS: Record<SaleIndexing, estypes.MappingProperty> = {
  id,
  keyword,
  long,
  date,
  day,
  boolean: bool,
  text,
  textWithKeyword,
  /** Hangul n-grams (hangulGrams.ts): one value per word; the gap keeps phrases inside a word. */
  grams: { type: 'text', analyzer: 'standard', norms: false, position_increment_gap: 100 },
};

/** The sales index's properties: one per field of SALE_FIELDS. */
function saleProperties(): Record<string, estypes.MappingProperty> {
  return Object.fromEntries(Object.entries(SALE_FIELDS).map(([name, f]) => [name, SALE_MAPPINGS[f.index]]));
}

export const INDEX_DEFINITIONS: readonly IndexDefinition[] = [
  {
    key: 'sales',
    suffix: INDEX_SUFFIXES.sales,
    // 2: row_fingerprint (reconcile), added in place; 3: text_grams (Korean search inside
    // compounds), computed for the existing sales on upgrade (a copy behind the alias);
    // 4: the numbers of id and store_id (numeric sorts), filled by a copy; 5: text_bytes
    // (fetches bounded by bytes), added in place (the next run that reads a row fills it, an
    // `ingest --full` every one), computed in a copy from an older index.
    version: 5,
    copyBelow: 4,
    rewriteBelow: 5,
    rewrite: withTextGrams,
    longFields: LONG_SALE_FIELDS,
    mappings: {
      dynamic: 'strict',
      properties: saleProperties(),
    },
  },
  {
    key: 'dailyAov',
    suffix: INDEX_SUFFIXES.dailyAov,
    // 2: store_id's number, filled by a copy; 3: provisional (`daily --today`), added in place.
    version: 3,
    copyBelow: 2,
    mappings: {
      dynamic: 'strict',
      properties: {
        store_id: id,
        date: day,
        total_sale: long,
        num_transactions: long,
        num_customers: long,
        unit_price: long,
        num_canceled: long,
        canceled_amount: long,
        platforms: keyword,
        computed_at: date,
        provisional: bool,
      },
    },
  },
  {
    key: 'weeklyAov',
    suffix: INDEX_SUFFIXES.weeklyAov,
    // 2: store_id's number, filled by a copy; 3: provisional (`weekly --today`), added in place.
    version: 3,
    copyBelow: 2,
    mappings: {
      dynamic: 'strict',
      properties: {
        store_id: id,
        start_date: day,
        end_date: day,
        total_sale: long,
        num_customers: long,
        num_transactions: long,
        days_with_sales: long,
        unit_price: long,
        computed_at: date,
        provisional: bool,
      },
    },
  },
  {
    key: 'anomalies',
    suffix: INDEX_SUFFIXES.anomalies,
    version: 1,
    mappings: {
      dynamic: 'strict',
      properties: {
        sale_id: keyword,
        rule: keyword,
        severity: keyword,
        store_id: keyword,
        platform: keyword,
        card_number: keyword,
        sale_date: day,
        sold_at: date,
        amount_sale: long,
        baseline: { type: 'double' },
        threshold: { type: 'double' },
        reason: text,
        status: keyword,
        note: text,
        detected_at: date,
        updated_at: date,
        resolved_at: date,
      },
    },
  },
  {
    key: 'deadletter',
    suffix: INDEX_SUFFIXES.deadletter,
    // 2: row_fingerprint, added in place (a run compares it rather than fetching the raw row).
    version: 2,
    mappings: {
      dynamic: 'strict',
      properties: {
        source_id: keyword,
        source_table: keyword,
        stage: keyword,
        reason: textWithKeyword,
        reason_code: keyword,
        row: opaque,
        /** The raw row's fingerprint (source/fingerprint.ts): whether the row still is as the dead letter holds it. */
        row_fingerprint: long,
        run_id: keyword,
        first_seen: date,
        last_seen: date,
      },
    },
  },
  {
    key: 'runs',
    suffix: INDEX_SUFFIXES.runs,
    version: 3, // v2: heartbeat_at; v3: tz
    mappings: {
      dynamic: 'strict',
      properties: {
        run_id: keyword,
        command: keyword,
        args: opaque,
        started_at: date,
        heartbeat_at: date,
        ended_at: date,
        duration_ms: long,
        status: keyword,
        exit_code: { type: 'integer' },
        counts: opaque,
        summary: text,
        error: text,
        host: keyword,
        pid: long,
        version: keyword,
        /** The business time zone the run cut days in (`--tz`): reconcile checks it against ingest's. */
        tz: keyword,
      },
    },
  },
  {
    key: 'state',
    suffix: INDEX_SUFFIXES.state,
    version: 1,
    mappings: {
      dynamic: 'strict',
      properties: {
        key: keyword,
        kind: keyword,
        /** For `changed_day` marks: the business day whose data changed. */
        day: day,
        value: opaque,
        updated_at: date,
        /** For locks: when the holder last proved it is alive. */
        heartbeat_at: date,
      },
    },
  },
];

export function definitionOf(key: IndexKey): IndexDefinition {
  const def = INDEX_DEFINITIONS.find((d) => d.key === key);
  if (!def) throw new Error(`unknown index ${key}`);
  return def;
}
