/**
 * How won reads, and how large an amount may be. Here, in core, because a rule's reason (stored
 * with the anomaly), a table cell, the validator and the flags that take amounts all say amounts
 * the same way, and core never imports render.
 */

/**
 * The largest amount, in won, earlypay takes (and its negative the smallest): the largest whole
 * number JavaScript and Elasticsearch's sums hold exactly (2^53 − 1; an amount field is a `long`,
 * its sums are doubles). A row with an amount beyond it is rejected with that reason, and a flag
 * that filters on amounts accepts exactly this range.
 */
export const MAX_AMOUNT = Number.MAX_SAFE_INTEGER;
export const MIN_AMOUNT = -MAX_AMOUNT;

/** Whether a whole number of won lies within MIN_AMOUNT … MAX_AMOUNT. */
export function amountInRange(n: number): boolean {
  return Number.isSafeInteger(n);
}

/** Won with thousands separators: 1234567 -> "1,234,567". */
export function formatWon(n: number | null | undefined): string {
  return n == null ? '' : Math.trunc(n).toLocaleString('en-US');
}
