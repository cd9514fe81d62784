/**
 * Stage 3, judge (pure: no I/O, unit-tested without servers): a page of source rows, and what
 * the lookups found for it, becomes bulk operations —
 *
 *   accepted rows   the sales document (external version = modified), per-sale rule findings as
 *                   anomaly upserts, anomalies that stopped firing deleted (diffSaleAnomalies,
 *                   as `anomalies scan` diffs); REPEATED_AMOUNT is left to the settling after
 *                   the stream, which ranks each group once (a counted sale written is only
 *                   counted, in the context's RepeatCandidates, when the run keeps them);
 *   rejected rows   a dead-letter document; a row that was accepted once and is invalid now
 *                   is also withdrawn (contract.ts: its sales and anomaly documents deleted);
 *                   a row rejected once and accepted now loses its dead-letter document (valid
 *                   again);
 *   gone rows       (reconcile --repair) withdrawn;
 *   unchanged rows  nothing at all: a row whose stored document has its version, fingerprint,
 *                   business day, rules and text_bytes (a document older than it is rewritten),
 *                   or a rejected row the dead letter holds as it is, is not written again and
 *                   marks no day changed (an incremental run re-reads the --overlap every time);
 *                   its text_grams are never computed.
 */
import { createHash } from 'node:crypto';
import type { RuleThresholds } from '../config/config';
import type { BulkOp } from '../es/bulkWrite';
import type { IndexNames } from '../config/indexNames';
import type { RepeatCandidates } from '../rules/repeatCandidates';
import {
  GROUP_RULE,
  anomalyDeleteOp,
  anomalyUpsert,
  anomalyUpsertOp,
  diffSaleAnomalies,
  evaluateSaleRules,
  sameRules,
  type RuleId,
  type SaleRuleContext,
} from '../rules/rules';
import { fillTextGrams, mapSourceRow, tooLargeRow, type AcceptedSale, type RejectedRow } from '../sales/saleDocument';
import { writeSaleDoc } from '../sales/saleJson';
import type { RowPage } from '../source/query';
import type { SourceRow } from '../source/row';
import type { Withdrawal } from './contract';
import type { BatchLookups, LookupKeys } from './lookups';
import type { GoneRow } from './plan';

export interface JudgeContext {
  names: IndexNames;
  table: string;
  runId: string;
  sourceTz: string;
  businessTz: string;
  thresholds: RuleThresholds;
  /** The check's clock (SALE_IN_FUTURE) and `ingested_at`/`last_seen`. */
  now: Date;
  /** reconcile --repair: write every sale, at max(its version, the stored one). */
  overwrite: boolean;
  /** Told of every counted sale written, when the run started on an empty sales index (rules/repeatCandidates.ts). */
  repeats?: RepeatCandidates;
}

export interface MappedPage {
  /** Their `text_grams` are filled in by judgePage, for the documents it writes. */
  accepted: AcceptedSale[];
  rejected: { row: SourceRow; why: RejectedRow; deadLetterId: string; fingerprint: number }[];
  gone: readonly GoneRow[];
}

export interface BatchOutcome {
  ops: BulkOp[];
  /** Sales to take out of the index (decided here, before anything is written). */
  withdrawals: Withdrawal[];
  accepted: number;
  rejected: number;
  /** Rejected rows the dead letter did not hold as they are: new or changed rejections. */
  rejectedNew: number;
  /** Accepted rows whose stored document is already what this run would write. */
  unchanged: number;
  /** Accepted rows the dead letter held (rejected once, valid now): their dead letters removed. */
  validAgain: number;
  /** Sales with a per-sale finding. */
  flagged: number;
  byRule: Map<RuleId, number>;
  cleared: number;
  days: Set<string>;
}

/** Dead-letter document id: stable per source row. */
export function deadLetterId(table: string, sourceId: string | null, row: unknown): string {
  if (sourceId) return `${table}:${sourceId}`;
  return `${table}:sha1:${createHash('sha1').update(JSON.stringify(row)).digest('hex')}`;
}

export function deadLetterOp(
  names: IndexNames,
  table: string,
  runId: string,
  at: string,
  row: unknown,
  rejected: { sourceId: string | null; codes: string[]; reason: string },
  stage: string,
  rowFingerprint?: number,
): BulkOp {
  const doc = {
    source_id: rejected.sourceId,
    source_table: table,
    stage,
    reason: rejected.reason,
    reason_code: rejected.codes,
    row,
    row_fingerprint: rowFingerprint ?? null,
    run_id: runId,
    last_seen: at,
  };
  return {
    kind: 'upsert',
    index: names.deadletter,
    id: deadLetterId(table, rejected.sourceId, row),
    doc,
    upsert: { ...doc, first_seen: at },
  };
}

const WHOLE_NUMBER = /^-?\d+$/;

export function mapPage(rows: RowPage, ctx: JudgeContext, gone: readonly GoneRow[] = []): MappedPage {
  const page: MappedPage = { accepted: [], rejected: [], gone };
  // text_grams only for the documents judgePage writes.
  const opts = {
    sourceTz: ctx.sourceTz,
    businessTz: ctx.businessTz,
    ingestedAt: ctx.now.toISOString(),
    deferTextGrams: true,
  };
  for (let i = 0; i < rows.length; i++) {
    const row = rows.row(i);
    const mapped = rows.tooLarge?.(i)
      ? ({ ok: false, rejected: tooLargeRow(row) } as const)
      : mapSourceRow(row, opts, rows.fingerprint(i));
    if (mapped.ok) page.accepted.push(mapped.sale);
    else
      page.rejected.push({
        row,
        why: mapped.rejected,
        deadLetterId: deadLetterId(ctx.table, mapped.rejected.sourceId, row),
        fingerprint: rows.fingerprint(i),
      });
  }
  return page;
}

/** What the lookups stage must fetch for a mapped page. */
export function lookupKeys(page: MappedPage, ctx: Pick<JudgeContext, 'table'>): LookupKeys {
  const saleIds = page.accepted.map((s) => s.doc.id);
  for (const r of page.rejected) if (r.why.sourceId && WHOLE_NUMBER.test(r.why.sourceId)) saleIds.push(r.why.sourceId);
  for (const g of page.gone) saleIds.push(g.id);
  return {
    saleIds,
    deadLetterIds: page.rejected.map((r) => r.deadLetterId),
    acceptedDeadLetterIds: page.accepted.map((s) => deadLetterId(ctx.table, s.doc.id, null)),
    sales: page.accepted.map((s) => s.doc),
  };
}

export function judgePage(page: MappedPage, found: BatchLookups, ctx: JudgeContext): BatchOutcome {
  const { names } = ctx;
  const at = ctx.now.toISOString();
  const out: BatchOutcome = {
    ops: [],
    withdrawals: [],
    accepted: page.accepted.length,
    rejected: page.rejected.length,
    rejectedNew: 0,
    unchanged: 0,
    validAgain: 0,
    flagged: 0,
    byRule: new Map(),
    cleared: 0,
    days: new Set(),
  };
  const withdraw = (w: Withdrawal): void => {
    out.withdrawals.push(w);
    if (w.day) out.days.add(w.day);
  };

  for (const { row, why, deadLetterId: id, fingerprint } of page.rejected) {
    const held = found.deadLetters.get(id);
    // The row's fingerprint, not the row: a raw row of megabytes is never fetched back to be compared.
    const same = held && sameRules(held.reason_code, why.codes) && held.row_fingerprint === fingerprint;
    if (!same) {
      out.ops.push(deadLetterOp(names, ctx.table, ctx.runId, at, row, why, 'validate', fingerprint));
      out.rejectedNew++;
    }
    // Accepted once and invalid now: the old document must not linger.
    const before = why.sourceId ? found.stored.get(why.sourceId) : undefined;
    if (before && why.sourceId)
      withdraw({
        saleId: why.sourceId,
        day: before.sale_date,
        cause: 'invalid',
        version: before.version,
        reason: why.codes.join(', '),
      });
  }
  for (const g of page.gone) {
    const stored = found.stored.get(g.id);
    withdraw({
      saleId: g.id,
      day: stored?.sale_date ?? g.day,
      cause: 'gone',
      version: stored?.version,
      reason: 'GONE',
    });
  }

  // One rule context for the page, its baseline set per sale (an object a row was a tenth of judging's allocation).
  const rules: SaleRuleContext = { thresholds: ctx.thresholds, now: ctx.now, baseline: null };
  for (const sale of page.accepted) {
    const doc = sale.doc;
    // Rejected once, valid now: the dead letter describes the rows rejected now, and this one is not.
    if (found.validAgain.size) {
      const held = deadLetterId(ctx.table, doc.id, null);
      if (found.validAgain.has(held)) {
        out.ops.push({ kind: 'delete', index: names.deadletter, id: held });
        out.validAgain++;
      }
    }
    rules.baseline = found.baseline(doc.store_id, doc.sale_date);
    const findings = evaluateSaleRules(doc, rules);
    if (findings.length) out.flagged++;
    for (const f of findings) out.byRule.set(f.rule, (out.byRule.get(f.rule) ?? 0) + 1);
    const before = found.stored.get(doc.id);
    const diff = diffSaleAnomalies(findings, {
      rules: before?.anomaly_rules ?? [],
      groupRule: before?.anomaly_rules.includes(GROUP_RULE) ?? false,
    });
    doc.anomaly_rules = diff.rules;
    if (
      !ctx.overwrite &&
      before &&
      before.version === sale.version &&
      before.row_fingerprint === doc.row_fingerprint &&
      before.text_bytes !== undefined &&
      before.sale_date === doc.sale_date &&
      sameRules(before.anomaly_rules, diff.rules)
    ) {
      out.unchanged++;
      continue;
    }
    out.days.add(doc.sale_date);
    if (before && before.sale_date !== doc.sale_date) out.days.add(before.sale_date);
    const version = ctx.overwrite ? Math.max(sale.version, before?.version ?? 0) : sale.version;
    fillTextGrams(doc);
    out.ops.push({
      kind: 'index',
      index: names.sales,
      id: doc.id,
      doc,
      version,
      versionType: 'external_gte',
      writeDoc: writeSaleDoc,
    });
    if (doc.counted) ctx.repeats?.add(doc.repeat_key);
    for (const f of findings) {
      out.ops.push(anomalyUpsertOp(names, doc.id, f.rule, anomalyUpsert(doc, f, at)));
    }
    for (const rule of diff.cleared) {
      out.cleared++;
      out.ops.push(anomalyDeleteOp(names, doc.id, rule));
    }
  }
  return out;
}
