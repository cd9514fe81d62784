/**
 * REPEATED_AMOUNT (SPEC §5) written out again in plain TypeScript, not with the production rule
 * functions: the sales the anomaly tests expect flagged.
 */
import type { AnomalyDocument } from '../../../src/core/rules/rules';
import type { SaleDocument } from '../../../src/core/sales/saleDocument';
import type { TestWorld } from '../../support';

/** The ids of the counted sales from the 3rd of each group (store, card, business day, amount), ordered by sold_at then id. */
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
    g.slice(2).forEach((d) => out.add(d.id));
  }
  return out;
}

/** The REPEATED_AMOUNT flags the rule expects over a world's sales as they are, and those on the sales and as anomaly documents. */
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
