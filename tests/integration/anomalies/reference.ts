/**
 * The anomaly rules (docs/contract.md §5, default thresholds) written out again in plain TypeScript, not with
 * the production rule functions: the sales the anomaly, fault and chaos tests expect flagged.
 */
import type { AnomalyDocument } from '../../../src/core/rules/rules';
import type { SaleDocument } from '../../../src/core/sales/saleDocument';
import { shiftDay } from '../../../src/core/time/businessDay';
import type { TestWorld } from '../../support';

/**
 * The ids of the counted sales from the 3rd of each group (store, card, business day, amount), ordered by sold_at then
 * id.
 */
export function repeatedIds(docs: SaleDocument[]): Set<string> {
  const groups = new Map<string, SaleDocument[]>();
  for (const d of docs) {
    if (d.is_canceled || d.amount_sale <= 0) continue;
    const k = [d.store_id, d.card_number, d.sale_date, d.amount_sale].join('|');
    groups.set(k, [...(groups.get(k) ?? []), d]);
  }
  const out = new Set<string>();
  for (const g of groups.values()) {
    g.sort((a, b) => Date.parse(a.sold_at) - Date.parse(b.sold_at) || Number(BigInt(a.id) - BigInt(b.id)));
    for (const d of g.slice(2)) out.add(d.id);
  }
  return out;
}

/**
 * The REPEATED_AMOUNT flags the rule expects over a world's sales as they are, and those on the sales and as anomaly
 * documents.
 */
export async function repeatedAmountFlags(
  world: TestWorld,
): Promise<{ expected: string[]; onSales: string[]; documents: string[] }> {
  const sales = [...(await world.allDocs<SaleDocument>(world.names.sales)).values()];
  const anomalies = [...(await world.allDocs<AnomalyDocument>(world.names.anomalies)).values()];
  return {
    expected: [...repeatedIds(sales)].sort(),
    onSales: sales
      .filter((d) => d.anomaly_rules.includes('REPEATED_AMOUNT'))
      .map((d) => d.id)
      .sort(),
    documents: anomalies
      .filter((a) => a.rule === 'REPEATED_AMOUNT')
      .map((a) => a.sale_id)
      .sort(),
  };
}

/** `${store}:${end_date}` -> the weekly AOV (unit_price): the baselines OVER_WEEKLY_AOV judges against. */
export type Weekly = Map<string, number>;

/** The per-sale rules that fire for a sale, given the weekly baselines and the clock. */
export function perSaleRules(d: SaleDocument, weekly: Weekly, now: Date): string[] {
  const out: string[] = [];
  const counted = !d.is_canceled && d.amount_sale > 0;
  const base = weekly.get(`${d.store_id}:${shiftDay(d.sale_date, -1)}`);
  if (counted && base !== undefined && base > 0 && d.amount_sale > 2 * base) out.push('OVER_WEEKLY_AOV');
  if (
    !d.is_canceled &&
    d.amount_fee !== null &&
    d.amount_deposit !== null &&
    d.amount_deposit !== d.amount_sale - d.amount_fee
  )
    out.push('DEPOSIT_MISMATCH');
  if (
    !d.is_canceled &&
    d.amount_fee !== null &&
    d.amount_sale > 0 &&
    (d.amount_fee / d.amount_sale < 0 || d.amount_fee / d.amount_sale > 0.3)
  )
    out.push('FEE_RATE_OUT_OF_RANGE');
  if (!d.is_canceled && d.amount_sale <= 0) out.push('NON_POSITIVE_AMOUNT');
  if (d.will_deposited_at && Date.parse(d.will_deposited_at) < Date.parse(d.sold_at))
    out.push('SETTLEMENT_BEFORE_SALE');
  if (Date.parse(d.sold_at) > now.getTime() + 10 * 60_000) out.push('SALE_IN_FUTURE');
  return out;
}

/** sale id -> sorted rules, for every sale (in range or not) */
export function expectedRules(docs: SaleDocument[], weekly: Weekly, now: Date): Map<string, string[]> {
  const rep = repeatedIds(docs);
  return new Map(
    docs.map((d) => [d.id, [...perSaleRules(d, weekly, now), ...(rep.has(d.id) ? ['REPEATED_AMOUNT'] : [])].sort()]),
  );
}
