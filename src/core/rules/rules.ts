/**
 * The anomaly rules (docs/contract.md §5) as pure functions. Each rule has an id, a severity, the
 * thresholds it uses, and produces a reason sentence an operator understands.
 * Inputs are typed documents; baselines and history are looked up by the caller in batches.
 */
import type { RuleThresholds } from '../config/config';
import type { IndexNames } from '../config/indexNames';
import type { BulkOp } from '../es/bulkWrite';
import type { SaleDocument } from '../sales/saleDocument';
import { formatWon } from '../money';
import { isoBefore } from '../time/businessDay';
import { textOf } from '../codec/utf8Text';

export type RuleId =
  | 'OVER_WEEKLY_AOV'
  | 'REPEATED_AMOUNT'
  | 'DEPOSIT_MISMATCH'
  | 'FEE_RATE_OUT_OF_RANGE'
  | 'NON_POSITIVE_AMOUNT'
  | 'SETTLEMENT_BEFORE_SALE'
  | 'SALE_IN_FUTURE';

export type Severity = 'high' | 'medium' | 'low';

export interface RuleDescription {
  id: RuleId;
  severity: Severity;
  description: string;
  /** The thresholds in force, as shown by `anomalies rules`. */
  thresholds: Record<string, number>;
}

export function describeRules(t: RuleThresholds): RuleDescription[] {
  return [
    {
      id: 'OVER_WEEKLY_AOV',
      severity: 'high',
      description: "counted sale above factor × the store's weekly AOV ending the day before",
      thresholds: { factor: t.overWeeklyAovFactor },
    },
    {
      id: 'REPEATED_AMOUNT',
      severity: 'medium',
      description: 'same card, same amount, same store, same business day: the Nth and later sale (by sold_at, id)',
      thresholds: { from_occurrence: t.repeatedAmountFrom },
    },
    {
      id: 'DEPOSIT_MISMATCH',
      severity: 'medium',
      description: 'amount_deposit differs from amount_sale − amount_fee on a non-canceled sale',
      thresholds: { tolerance_won: 0 },
    },
    {
      id: 'FEE_RATE_OUT_OF_RANGE',
      severity: 'low',
      description: 'amount_fee / amount_sale outside the sane range on a non-canceled sale',
      thresholds: { min_rate: t.feeRateMin, max_rate: t.feeRateMax },
    },
    {
      id: 'NON_POSITIVE_AMOUNT',
      severity: 'high',
      description: 'amount_sale ≤ 0 on a sale that is not canceled',
      thresholds: { min_amount: 1 },
    },
    {
      id: 'SETTLEMENT_BEFORE_SALE',
      severity: 'medium',
      description: 'will_deposited_at is earlier than sold_at',
      thresholds: {},
    },
    {
      id: 'SALE_IN_FUTURE',
      severity: 'high',
      description: 'sold_at later than now (plus a clock-skew allowance)',
      thresholds: { tolerance_minutes: t.futureToleranceMinutes },
    },
  ];
}

export const RULE_IDS: readonly RuleId[] = describeRules({
  overWeeklyAovFactor: 2,
  repeatedAmountFrom: 3,
  feeRateMin: 0,
  feeRateMax: 0.3,
  futureToleranceMinutes: 10,
}).map((r) => r.id);

export function severityOf(rule: RuleId): Severity {
  return (
    {
      OVER_WEEKLY_AOV: 'high',
      REPEATED_AMOUNT: 'medium',
      DEPOSIT_MISMATCH: 'medium',
      FEE_RATE_OUT_OF_RANGE: 'low',
      NON_POSITIVE_AMOUNT: 'high',
      SETTLEMENT_BEFORE_SALE: 'medium',
      SALE_IN_FUTURE: 'high',
    } as const
  )[rule];
}

export interface RuleFinding {
  rule: RuleId;
  severity: Severity;
  baseline: number | null;
  threshold: number | null;
  reason: string;
}

/** The weekly document a sale on day D is judged against: the window ending D−1. */
export interface WeeklyBaseline {
  store_id: string;
  start_date: string;
  end_date: string;
  unit_price: number;
}

export interface SaleRuleContext {
  thresholds: RuleThresholds;
  now: Date;
  /** Weekly baseline for (store, sale_date − 1); null/undefined when there is none (no flag). */
  baseline: WeeklyBaseline | null | undefined;
}

function finding(
  rule: RuleId,
  reason: string,
  baseline: number | null = null,
  threshold: number | null = null,
): RuleFinding {
  return { rule, severity: severityOf(rule), baseline, threshold, reason };
}

/** Every rule that judges one sale on its own (all but REPEATED_AMOUNT). */
export function evaluateSaleRules(sale: SaleDocument, ctx: SaleRuleContext): RuleFinding[] {
  const t = ctx.thresholds;
  const out: RuleFinding[] = [];
  const won = (n: number): string => `${formatWon(n)} won`;

  if (sale.counted && ctx.baseline && ctx.baseline.unit_price > 0) {
    const limit = t.overWeeklyAovFactor * ctx.baseline.unit_price;
    if (sale.amount_sale > limit) {
      out.push(
        finding(
          'OVER_WEEKLY_AOV',
          `Sale of ${won(sale.amount_sale)} is over ${t.overWeeklyAovFactor} × store ${sale.store_id}'s weekly ` +
            `average order value of ${won(ctx.baseline.unit_price)} (${ctx.baseline.start_date} to ` +
            `${ctx.baseline.end_date}).`,
          ctx.baseline.unit_price,
          limit,
        ),
      );
    }
  }

  if (!sale.is_canceled && sale.amount_fee !== null && sale.amount_deposit !== null) {
    const expected = sale.amount_sale - sale.amount_fee;
    if (sale.amount_deposit !== expected) {
      out.push(
        finding(
          'DEPOSIT_MISMATCH',
          `Deposit of ${won(sale.amount_deposit)} does not equal sale ${won(sale.amount_sale)} minus fee ` +
            `${won(sale.amount_fee)} (expected ${won(expected)}).`,
          expected,
          0,
        ),
      );
    }
  }

  if (!sale.is_canceled && sale.amount_fee !== null && sale.amount_sale > 0) {
    const rate = sale.amount_fee / sale.amount_sale;
    if (rate < t.feeRateMin || rate > t.feeRateMax) {
      out.push(
        finding(
          'FEE_RATE_OUT_OF_RANGE',
          `Fee of ${won(sale.amount_fee)} is ${(rate * 100).toFixed(1)} % of the sale, outside the expected ` +
            `${(t.feeRateMin * 100).toFixed(1)}–${(t.feeRateMax * 100).toFixed(1)} %.`,
          rate,
          rate < t.feeRateMin ? t.feeRateMin : t.feeRateMax,
        ),
      );
    }
  }

  if (!sale.is_canceled && sale.amount_sale <= 0) {
    out.push(
      finding('NON_POSITIVE_AMOUNT', `Sale amount is ${won(sale.amount_sale)} but the sale is not canceled.`, null, 0),
    );
  }

  if (sale.will_deposited_at && isoBefore(sale.will_deposited_at, sale.sold_at)) {
    out.push(
      finding(
        'SETTLEMENT_BEFORE_SALE',
        `Settlement is planned for ${sale.will_deposited_at}, before the sale itself at ${sale.sold_at}.`,
      ),
    );
  }

  const latest = ctx.now.getTime() + t.futureToleranceMinutes * 60_000;
  if (Date.parse(sale.sold_at) > latest) {
    out.push(
      finding('SALE_IN_FUTURE', `Sale time ${sale.sold_at} is in the future (checked at ${ctx.now.toISOString()}).`),
    );
  }
  return out;
}

/** A member of a REPEATED_AMOUNT group: a counted sale with one repeat_key. */
export interface RepeatMember {
  id: string;
  sold_at: string;
  amount_sale: number;
  card_number: string;
}

/** Orders sales by (sold_at, id) — the order docs/contract.md §5 counts repetitions in. */
export function compareBySoldAtThenId(a: { id: string; sold_at: string }, b: { id: string; sold_at: string }): number {
  const d = Date.parse(a.sold_at) - Date.parse(b.sold_at);
  if (d !== 0) return d;
  const ai = BigInt(a.id);
  const bi = BigInt(b.id);
  return ai < bi ? -1 : ai > bi ? 1 : 0;
}

/**
 * For one group of counted sales sharing a repeat_key: the findings of the members from the
 * `from`-th occurrence on (1-based), keyed by sale id.
 */
export function rankRepeatedAmounts(members: RepeatMember[], from: number): Map<string, RuleFinding> {
  const ordered = [...members].sort(compareBySoldAtThenId);
  const flagged = new Map<string, RuleFinding>();
  ordered.forEach((m, i) => {
    const occurrence = i + 1;
    if (occurrence >= from) {
      flagged.set(
        m.id,
        finding(
          'REPEATED_AMOUNT',
          `${ordinal(occurrence)} payment of ${formatWon(m.amount_sale)} won by card ${m.card_number} at this store ` +
            `on this business day (${ordered.length} identical payments; flagged from the ${ordinal(from)}).`,
          ordered.length,
          from,
        ),
      );
    }
  });
  return flagged;
}

function ordinal(n: number): string {
  const s =
    n % 100 >= 11 && n % 100 <= 13 ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th');
  return `${n}${s}`;
}

export interface AnomalyDocument {
  sale_id: string;
  rule: RuleId;
  severity: Severity;
  store_id: string;
  platform: string | null;
  card_number: string;
  sale_date: string;
  sold_at: string;
  amount_sale: number;
  baseline: number | null;
  threshold: number | null;
  reason: string;
  status: 'open' | 'resolved';
  note: string | null;
  detected_at: string;
  updated_at: string;
  resolved_at?: string | null;
}

export function anomalyId(saleId: string, rule: RuleId): string {
  return `${saleId}:${rule}`;
}

/**
 * The anomaly document for a finding. Written as an upsert: `finding` fields are refreshed
 * on every check, while status, note and detected_at survive (an operator's resolution is kept).
 */
export function anomalyUpsert(
  sale: SaleDocument,
  f: RuleFinding,
  at: string,
): { refresh: Partial<AnomalyDocument>; create: AnomalyDocument } {
  const refresh = {
    sale_id: sale.id,
    rule: f.rule,
    severity: f.severity,
    store_id: sale.store_id,
    platform: textOf(sale.platform),
    card_number: sale.card_number,
    sale_date: sale.sale_date,
    sold_at: sale.sold_at,
    amount_sale: sale.amount_sale,
    baseline: f.baseline,
    threshold: f.threshold,
    reason: f.reason,
    updated_at: at,
  };
  return { refresh, create: { ...refresh, status: 'open', note: null, detected_at: at, resolved_at: null } };
}

/** The write of a sale's anomaly document for a rule: `create`d when new, else `refresh`ed (its status kept). */
export function anomalyUpsertOp(
  names: IndexNames,
  saleId: string,
  rule: RuleId,
  { refresh, create }: { refresh: Partial<AnomalyDocument>; create: AnomalyDocument },
): BulkOp {
  return { kind: 'upsert', index: names.anomalies, id: anomalyId(saleId, rule), doc: refresh, upsert: create };
}

/** The removal of a sale's anomaly document for a rule (one that does not exist is already gone). */
export function anomalyDeleteOp(names: IndexNames, saleId: string, rule: RuleId): BulkOp {
  return { kind: 'delete', index: names.anomalies, id: anomalyId(saleId, rule) };
}

/** The rule over groups of sales: settled per group (repeatedAmounts.ts), never per sale. */
export const GROUP_RULE: RuleId = 'REPEATED_AMOUNT';

export interface SaleAnomalyDiff {
  /** The sale's `anomaly_rules` now, sorted; REPEATED_AMOUNT kept as it was (settling decides it). */
  rules: RuleId[];
  /** Per-sale rules that fired before and do not now: their anomaly documents go. */
  cleared: RuleId[];
}

/**
 * What the per-sale rules change on one sale: ingest (against the rules the stored document
 * carried) and `anomalies scan` (against the anomaly documents stored) both diff this way.
 */
export function diffSaleAnomalies(
  findings: readonly RuleFinding[],
  before: { rules: Iterable<string>; groupRule: boolean },
): SaleAnomalyDiff {
  const rules = findings.map((f) => f.rule);
  const cleared: RuleId[] = [];
  for (const rule of before.rules) {
    if (rule !== GROUP_RULE && !rules.includes(rule as RuleId)) cleared.push(rule as RuleId);
  }
  if (before.groupRule) rules.push(GROUP_RULE);
  return { rules: rules.sort(), cleared };
}

/** Two `anomaly_rules` lists hold the same rules. */
export function sameRules(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  // Nearly every sale has none or one: no sorted copies for those (ingest asks for every row).
  if (a.length <= 1) return a[0] === b[0];
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((r, i) => r === sb[i]);
}
