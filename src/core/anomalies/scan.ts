/**
 * `anomalies scan`: re-evaluates the rules over the sales already in Elasticsearch for a
 * range of business days, with the baselines that exist now. Afterwards the anomaly documents
 * of those days are exactly what the rules say:
 *
 *   1. per-sale rules   every sale of the days (point in time, pages of 1,000, with versions);
 *                       findings are upserted (an operator's status/note/resolved_at survive),
 *                       anomalies that no longer fire are deleted, and the sale's
 *                       `anomaly_rules` is rewritten when it differs, with the version it was
 *                       read at (`external_gte`), so a newer ingest is never overwritten
 *   2. REPEATED_AMOUNT  settled by `settleRepeatedAmounts` for the same days (group rule)
 *   3. orphans          anomaly documents dated in the range whose sale is gone, or has moved
 *                       to another day without still carrying the rule, are deleted
 *
 * Only differences are written, so a second scan of unchanged data writes nothing.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { IndexNames } from '../config/indexNames';
import type { RuleThresholds } from '../config/config';
import { writeBulk, type BulkOp } from '../es/bulkWrite';
import { LONG_SALE_FIELDS, type SaleDocument } from '../sales/saleDocument';
import { withRewrittenSales } from '../rules/rewrittenSales';
import {
  GROUP_RULE,
  anomalyDeleteOp,
  anomalyUpsert,
  anomalyUpsertOp,
  diffSaleAnomalies,
  evaluateSaleRules,
  sameRules,
  type AnomalyDocument,
} from '../rules/rules';
import { WeeklyBaselines } from '../rules/baselines';
import { settleRepeatedAmounts, type SettleResult } from '../rules/repeatedAmounts';
import { daysBetween } from '../time/businessDay';
import { streamHits } from '../es/pager';

const PAGE = 1_000;
const RERUN_SCAN = 're-run the scan; it is idempotent';

export interface ScanDeps {
  client: Client;
  names: IndexNames;
  thresholds: RuleThresholds;
  now: () => Date;
  /** Called after each page of sales with the number checked so far. */
  onProgress?: (checked: number) => void;
}

export interface ScanResult {
  from: string;
  to: string;
  sales_checked: number;
  anomalies_created: number;
  anomalies_updated: number;
  anomalies_unchanged: number;
  anomalies_removed: number;
  /** Anomalies that still fire and keep an operator's resolution. */
  resolved_kept: number;
  sales_updated: number;
  /** Sales changed by a newer ingest while the scan ran (left to that ingest). */
  sales_superseded: number;
  orphans_removed: number;
  /** Anomalies per rule in the range after the scan (per-sale rules plus REPEATED_AMOUNT). */
  by_rule: Record<string, number>;
  repeated_amount: SettleResult;
}

/** The fields a finding refreshes on an anomaly document; `updated_at` is not content. */
const CONTENT_KEYS = [
  'sale_id',
  'rule',
  'severity',
  'store_id',
  'platform',
  'card_number',
  'sale_date',
  'sold_at',
  'amount_sale',
  'baseline',
  'threshold',
  'reason',
] as const;

function sameContent(stored: Partial<AnomalyDocument>, fresh: Partial<AnomalyDocument>): boolean {
  return CONTENT_KEYS.every((k) => JSON.stringify(stored[k] ?? null) === JSON.stringify(fresh[k] ?? null));
}

export async function scanAnomalies(deps: ScanDeps, from: string, to: string): Promise<ScanResult> {
  const { client, names, thresholds } = deps;
  const result: ScanResult = {
    from,
    to,
    sales_checked: 0,
    anomalies_created: 0,
    anomalies_updated: 0,
    anomalies_unchanged: 0,
    anomalies_removed: 0,
    resolved_kept: 0,
    sales_updated: 0,
    sales_superseded: 0,
    orphans_removed: 0,
    by_rule: {},
    repeated_amount: { groups: 0, flagged: 0, newlyFlagged: 0, unflagged: 0 },
  };
  const count = (rule: string): void => {
    result.by_rule[rule] = (result.by_rule[rule] ?? 0) + 1;
  };
  const inRange: estypes.QueryDslQueryContainer = {
    range: { sale_date: { gte: from, lte: to, format: 'yyyy-MM-dd' } },
  };
  await client.indices.refresh({ index: [names.sales, names.anomalies] });

  // --- 1. per-sale rules ----------------------------------------------------------------
  const baselines = new WeeklyBaselines(client, names.weeklyAov);
  let page: { sale: SaleDocument; version: number }[] = [];
  const flush = async (): Promise<void> => {
    if (page.length === 0) return;
    const sales = page;
    page = [];
    await baselines.load(sales.map((s) => s.sale));
    const stored = new Map<string, Map<string, Partial<AnomalyDocument>>>();
    const res = await client.search<Partial<AnomalyDocument>>({
      index: names.anomalies,
      size: 10_000,
      track_total_hits: false,
      query: {
        bool: {
          filter: [{ terms: { sale_id: sales.map((s) => s.sale.id) } }],
          must_not: [{ term: { rule: GROUP_RULE } }],
        },
      },
    });
    for (const hit of res.hits.hits) {
      const doc = hit._source!;
      const bySale = stored.get(doc.sale_id!) ?? new Map<string, Partial<AnomalyDocument>>();
      bySale.set(doc.rule!, doc);
      stored.set(doc.sale_id!, bySale);
    }
    const now = deps.now();
    const at = now.toISOString();
    const ops: BulkOp[] = [];
    /** Sales whose anomaly_rules change: rewritten whole, their long fields fetched a few at a time. */
    const rewrites: { sale: SaleDocument; version: number; rules: string[] }[] = [];
    for (const { sale, version } of sales) {
      const findings = evaluateSaleRules(sale, {
        thresholds,
        now,
        baseline: baselines.get(sale.store_id, sale.sale_date),
      });
      const existing = stored.get(sale.id) ?? new Map<string, Partial<AnomalyDocument>>();
      for (const f of findings) {
        count(f.rule);
        const upsert = anomalyUpsert(sale, f, at);
        const before = existing.get(f.rule);
        if (before?.status === 'resolved') result.resolved_kept++;
        if (before && sameContent(before, upsert.refresh)) {
          result.anomalies_unchanged++;
          continue;
        }
        if (before) result.anomalies_updated++;
        else result.anomalies_created++;
        ops.push(anomalyUpsertOp(names, sale.id, f.rule, upsert));
      }
      const diff = diffSaleAnomalies(findings, {
        rules: existing.keys(),
        groupRule: sale.anomaly_rules.includes(GROUP_RULE),
      });
      for (const rule of diff.cleared) {
        result.anomalies_removed++;
        ops.push(anomalyDeleteOp(names, sale.id, rule));
      }
      const rules = diff.rules;
      if (!sameRules(rules, sale.anomaly_rules)) {
        result.sales_updated++;
        rewrites.push({ sale, version, rules });
      }
    }
    if (ops.length || rewrites.length) {
      const written = await writeBulk(client, withRewrittenSales(client, names.sales, ops, rewrites), {
        what: 'scanning',
        hint: RERUN_SCAN,
      });
      result.sales_superseded += written.superseded;
      result.sales_updated -= written.superseded;
    }
    deps.onProgress?.(result.sales_checked);
  };

  for await (const hit of streamHits<SaleDocument>(client, {
    index: names.sales,
    query: inRange,
    sort: [],
    version: true,
    pageSize: PAGE,
    // The rules read none of them: fetched for the sales rewritten only (withRewrittenSales).
    source: { excludes: [...LONG_SALE_FIELDS] },
  })) {
    result.sales_checked++;
    page.push({ sale: hit._source!, version: hit._version! });
    if (page.length >= PAGE) await flush();
  }
  await flush();

  // --- 2. REPEATED_AMOUNT over the same days ---------------------------------------------
  result.repeated_amount = await settleRepeatedAmounts(
    { client, names, repeatedAmountFrom: thresholds.repeatedAmountFrom, now: deps.now },
    daysBetween(from, to),
  );
  if (result.repeated_amount.flagged) result.by_rule[GROUP_RULE] = result.repeated_amount.flagged;

  // --- 3. anomalies dated in the range whose sale is gone or elsewhere ---------------------
  await client.indices.refresh({ index: [names.sales, names.anomalies] });
  let orphans: { id: string; sale_id: string; rule: string }[] = [];
  const sweep = async (): Promise<void> => {
    if (orphans.length === 0) return;
    const batch = orphans;
    orphans = [];
    const res = await client.mget<{ sale_date: string; anomaly_rules: string[] }>({
      index: names.sales,
      ids: [...new Set(batch.map((o) => o.sale_id))],
      _source: ['sale_date', 'anomaly_rules'],
    });
    const sales = new Map<string, { sale_date: string; anomaly_rules: string[] }>();
    for (const d of res.docs) if ('found' in d && d.found && d._source) sales.set(d._id, d._source);
    const ops: BulkOp[] = [];
    for (const o of batch) {
      const sale = sales.get(o.sale_id);
      const stale =
        !sale || ((sale.sale_date < from || sale.sale_date > to) && !(sale.anomaly_rules ?? []).includes(o.rule));
      if (stale) ops.push({ kind: 'delete', index: names.anomalies, id: o.id });
    }
    if (ops.length) {
      await writeBulk(client, ops, { what: 'removing orphaned anomalies', hint: RERUN_SCAN });
      result.orphans_removed += ops.length;
    }
  };
  for await (const hit of streamHits<{ sale_id: string; rule: string }>(client, {
    index: names.anomalies,
    query: inRange,
    sort: [],
    source: { includes: ['sale_id', 'rule'] },
    pageSize: PAGE,
  })) {
    orphans.push({ id: hit._id!, sale_id: hit._source!.sale_id, rule: hit._source!.rule });
    if (orphans.length >= PAGE) await sweep();
  }
  await sweep();
  await client.indices.refresh({ index: [names.sales, names.anomalies] });
  return result;
}
