/**
 * How an amount of won reads as text. Here, in core, because both a rule's reason (stored
 * with the anomaly) and a table cell say amounts the same way, and core never imports render.
 */

/** Won with thousands separators: 1234567 -> "1,234,567". */
export function formatWon(n: number | null | undefined): string {
  return n == null ? '' : Math.trunc(n).toLocaleString('en-US');
}

/**
 * The largest amount of won earlypay holds exactly: Elasticsearch stores amounts as `long`, but
 * sums them (daily totals, reconcile) as doubles, exact only up to 2^53 − 1. Wider than any
 * source column's INT, so a BIGINT `amount_sale` fits up to here.
 */
export const MAX_AMOUNT = Number.MAX_SAFE_INTEGER;
