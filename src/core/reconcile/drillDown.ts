/**
 * Drill-down into one drifting day: the per-id fingerprints of that day only, from MySQL and
 * from the sales index, compared id by id — exactly which rows are missing in Elasticsearch,
 * extra there, or different. Nothing outside the day is read.
 */
import type { Client } from '@elastic/elasticsearch';
import type { Pool } from 'mysql2/promise';
import type { SourceTable } from '../source/query';
import type { DayDifferences, Zones } from './days';
import { salesOfDay, type StoredSaleRef } from './indexSide';
import { sourceFingerprintsOfDay } from './sourceSide';

/** Ids listed per kind and day in the output (`--json` included); the counts are always whole. */
export const DRIFT_ID_CAP = 100;

const ES_PAGE = 5_000;

/** Every differing id of a day, uncapped: what a repair rewrites or deletes. */
export interface DayIds {
  missing: string[];
  /** With their anomaly rules: a document whose row is gone is deleted with its anomalies. */
  extra: StoredSaleRef[];
  changed: string[];
  unfingerprinted: string[];
}

const byId = (a: string, b: string): number => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

/** Pure: MySQL's id -> fingerprint against the day's documents. */
export function differingIds(source: ReadonlyMap<string, number>, documents: readonly StoredSaleRef[]): DayIds {
  const out: DayIds = { missing: [], extra: [], changed: [], unfingerprinted: [] };
  const seen = new Set<string>();
  for (const doc of documents) {
    seen.add(doc.id);
    const fingerprint = source.get(doc.id);
    if (fingerprint === undefined) out.extra.push(doc);
    else if (doc.row_fingerprint === undefined || doc.row_fingerprint === null) out.unfingerprinted.push(doc.id);
    else if (doc.row_fingerprint !== fingerprint) out.changed.push(doc.id);
  }
  for (const id of source.keys()) if (!seen.has(id)) out.missing.push(id);
  out.missing.sort(byId);
  out.extra.sort((a, b) => byId(a.id, b.id));
  out.changed.sort(byId);
  out.unfingerprinted.sort(byId);
  return out;
}

/** The counts and the first DRIFT_ID_CAP ids of each kind. */
export function summarizeIds(ids: DayIds, cap = DRIFT_ID_CAP): DayDifferences {
  return {
    missing: ids.missing.length,
    extra: ids.extra.length,
    changed: ids.changed.length,
    unfingerprinted: ids.unfingerprinted.length,
    missing_ids: ids.missing.slice(0, cap),
    extra_ids: ids.extra.slice(0, cap).map((d) => d.id),
    changed_ids: ids.changed.slice(0, cap),
  };
}

export async function drillDownDay(
  es: Client,
  salesIndex: string,
  pool: Pool,
  table: SourceTable,
  day: string,
  zones: Zones,
): Promise<DayIds> {
  const documents: StoredSaleRef[] = [];
  const [source] = await Promise.all([
    sourceFingerprintsOfDay(pool, table, day, zones),
    (async () => {
      for await (const page of salesOfDay(es, salesIndex, day, ES_PAGE)) documents.push(...page);
    })(),
  ]);
  return differingIds(source, documents);
}
