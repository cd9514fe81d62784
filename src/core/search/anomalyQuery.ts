/**
 * The request behind `anomalies list` (docs/contract.md §6): filters on rule, store, business day and
 * status; newest sale first. Pure, like salesQuery.
 */
import type { estypes } from '@elastic/elasticsearch';
import { definitionOf } from '../es/indices';
import { RULE_IDS, type RuleId } from '../rules/rules';
import { UsageError, quoted } from '../errors';
import { dayRange, keywordIn, sourceFilter, type SearchPlan } from './salesQuery';

export type AnomalyStatusFilter = 'open' | 'resolved' | 'all';
export const ANOMALY_STATUSES: readonly AnomalyStatusFilter[] = ['open', 'resolved', 'all'];

export const ANOMALY_FIELDS: readonly string[] = [
  'id',
  ...Object.keys(definitionOf('anomalies').mappings.properties ?? {}),
];

/** `--rule over_weekly_aov,REPEATED_AMOUNT`: rule ids, case-insensitive; unknown ones are a usage error. */
export function parseRules(value: string): RuleId[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new UsageError('--rule is empty', `rules: ${RULE_IDS.join(', ')}`);
  const out: RuleId[] = [];
  for (const name of names) {
    const id = RULE_IDS.find((r) => r === name.toUpperCase().replace(/-/g, '_'));
    if (!id)
      throw new UsageError(
        `unknown rule ${quoted(name)}`,
        `rules: ${RULE_IDS.join(', ')} (see \`earlypay anomalies rules\`)`,
      );
    if (!out.includes(id)) out.push(id);
  }
  return out;
}

export function parseStatus(value: string): AnomalyStatusFilter {
  const v = value.trim().toLowerCase() as AnomalyStatusFilter;
  if (!ANOMALY_STATUSES.includes(v))
    throw new UsageError(`unknown status ${quoted(value)}`, `use one of: ${ANOMALY_STATUSES.join(', ')}`);
  return v;
}

/**
 * An anomaly id is `<sale_id>:<RULE>`; returns the parts, or null when it is not one. Read as
 * `--store` and `--rule` are: `0693:deposit_mismatch` is `693:DEPOSIT_MISMATCH`.
 */
export function parseAnomalyId(id: string): { saleId: string; rule: RuleId } | null {
  const m = /^(-?)(\d+):([A-Za-z_-]+)$/.exec(id.trim());
  if (!m) return null;
  const rule = RULE_IDS.find((r) => r === m[3]!.toUpperCase().replace(/-/g, '_'));
  return rule ? { saleId: `${m[1]}${m[2]!.replace(/^0+(?=\d)/, '')}`, rule } : null;
}

export interface AnomalySearchInput {
  rules?: RuleId[];
  stores?: string[];
  from?: string;
  to?: string;
  status?: AnomalyStatusFilter;
  fields?: string[];
}

export function buildAnomalySearch(input: AnomalySearchInput): SearchPlan {
  const filter: estypes.QueryDslQueryContainer[] = [];
  if (input.rules?.length) filter.push(keywordIn('rule', input.rules));
  if (input.stores?.length) filter.push(keywordIn('store_id', input.stores));
  const days = dayRange('sale_date', input.from, input.to);
  if (days) filter.push(days);
  const status = input.status ?? 'open';
  if (status !== 'all') filter.push({ term: { status } });
  const fields = input.fields ?? [...ANOMALY_FIELDS];
  return {
    query: filter.length ? { bool: { filter } } : { match_all: {} },
    // Newest sale first; (sale_id, rule) is the document's identity, so the order is total.
    sort: [{ sold_at: { order: 'desc' } }, { sale_id: { order: 'desc' } }, { rule: { order: 'asc' } }],
    source: sourceFilter(
      input.fields?.filter((f) => f !== 'id'),
      [],
    ),
    fields,
  };
}
